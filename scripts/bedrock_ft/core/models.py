"""What each customizable base model accepts: record format, data limits, image rules and hyperparameters.

Every figure comes from ../shared/bedrock-facts.md (the Bedrock and Nova user guides). A model is found by its id or
ARN (``amazon.nova-lite-v1:0:300k``, ``arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-2-11b-instruct-v1:0``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bedrock_ft.core.errors import UsageError


class RecordFormat(StrEnum):
    """The shape of one JSONL training record."""

    CONVERSATION = "bedrock-conversation-2024"  # {"schemaVersion", "system": [{"text"}], "messages": [...]}
    PROMPT_COMPLETION = "prompt-completion"  # {"prompt": str, "completion": str}
    CLAUDE_MESSAGES = "claude-messages"  # {"system": str, "messages": [{"role", "content": str}]}
    PRETRAINING = "continued-pretraining"  # {"input": str}
    RFT = "rft-messages"  # {"messages": [{"role", "content": str}], "reference_answer": any} (OpenAI chat format)


class CustomizationType(StrEnum):
    """The API's ``customizationType`` values this tool knows (botocore's enum also has IMPORTED, not a training)."""

    FINE_TUNING = "FINE_TUNING"
    CONTINUED_PRE_TRAINING = "CONTINUED_PRE_TRAINING"
    DISTILLATION = "DISTILLATION"
    REINFORCEMENT_FINE_TUNING = "REINFORCEMENT_FINE_TUNING"


# ``generate --for`` and a preset's ``for``: what the records are for, as a customization type.
PURPOSES = {
    "fine-tuning": CustomizationType.FINE_TUNING,
    "continued-pre-training": CustomizationType.CONTINUED_PRE_TRAINING,
    "distillation": CustomizationType.DISTILLATION,
    "rft": CustomizationType.REINFORCEMENT_FINE_TUNING,
}


class Lifecycle(StrEnum):
    """Whether the newest user guide still lists the model for customization (GetFoundationModel's names)."""

    ACTIVE = "ACTIVE"
    LEGACY = "LEGACY"  # no longer in the newest table: the tool warns, and never refuses


# What the records of each customization type look like, beyond the RecordFormat the tool writes.
PROMPT_ONLY_CONVERSATION = "bedrock-conversation-2024 prompts only (or invocation logs)"
RFT_RECORDS = "messages + reference_answer"

CHARS_PER_TOKEN = 6  # the guides' rule of thumb for estimating tokens from text
MB = 1024 * 1024

# Strings Nova rejects anywhere in a prompt.
NOVA_RESERVED_WORDS = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")


@dataclass(frozen=True)
class HyperParameter:
    """One hyperparameter: its default (as the API's string) and the inclusive range (or the choices) it must lie in.

    ``numeric_in_api``: the API takes the value as a number (RFT's typed ``rftConfig.hyperParameters``), not as a
    string in the ``hyperParameters`` map.
    """

    name: str
    default: str | None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    numeric_in_api: bool = False

    @property
    def kind(self) -> str:
        """integer | float | choice"""
        if self.choices:
            return "choice"
        return "integer" if self.integer else "float"

    def check(self, value: str) -> str | None:
        """Return why ``value`` is not acceptable, or None when it is."""
        if self.choices:
            if value not in self.choices:
                return f"{self.name}={value!r} is not one of {', '.join(self.choices)}"
            return None
        try:
            number = float(value)
        except ValueError:
            return f"{self.name}={value!r} is not a number"
        if number != number or number in (float("inf"), float("-inf")):
            return f"{self.name}={value!r} is not a finite number"
        if self.integer and not number.is_integer():
            return f"{self.name}={value!r} must be a whole number"
        if self.minimum is not None and number < self.minimum:
            return f"{self.name}={value} is below the minimum {_fmt(self.minimum)}"
        if self.maximum is not None and number > self.maximum:
            return f"{self.name}={value} is above the maximum {_fmt(self.maximum)}"
        return None

    def api_value(self, value: str) -> str | int | float:
        """``value`` as the API takes it: the string itself, or a number where ``numeric_in_api`` (check it first)."""
        if not self.numeric_in_api or self.choices:
            return value
        number = float(value)
        return int(number) if self.integer else number

    @property
    def range_text(self) -> str:
        if self.choices:
            return "|".join(self.choices)
        if self.minimum is None and self.maximum is None:
            return "any"
        if self.minimum == self.maximum:
            return _fmt(self.minimum)
        if self.maximum is None:
            return f">= {_fmt(self.minimum)}"
        if self.minimum is None:
            return f"<= {_fmt(self.maximum)}"
        low, high = _fmt(self.minimum), _fmt(self.maximum)
        joiner = " to " if "e" in low + high or low.startswith("-") else "-"
        return f"{low}{joiner}{high}"

    def to_dict(self) -> dict[str, object]:
        default: object = self.default
        if self.default is not None and self.numeric_in_api:
            default = self.api_value(self.default)
        return {
            "name": self.name,
            "type": self.kind,
            "default": default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "choices": list(self.choices) or None,
            "numeric_in_api": self.numeric_in_api,
        }


def _fmt(number: float | None) -> str:
    if number is None:
        return "?"
    if float(number).is_integer() and abs(number) >= 1:
        return str(int(number))
    return f"{number:g}".replace("e-0", "e-").replace("e+0", "e+")


@dataclass(frozen=True)
class ImageRules:
    """What images a model accepts in one record."""

    formats: frozenset[str]  # Bedrock's names: png, jpeg, gif, webp
    max_per_record: int
    max_bytes: int
    min_side: int | None = None
    max_side: int | None = None
    # Tokens per image as a function of (width, height), where the guide gives one.
    token_formula: str | None = None

    def tokens(self, width: int, height: int) -> int:
        if self.token_formula == "llama-tiles":
            tiles = min(2, max(height // 560, 1)) * min(2, max(width // 560, 1))
            return tiles * 1601
        return 0


@dataclass(frozen=True)
class Customization:
    """One customization type a model is offered for: where, with which records, limits and hyperparameters.

    None in a limit or in ``hyperparameters`` means "as the model's fine-tuning": the ModelSpec's value.
    """

    type: CustomizationType
    regions: tuple[str, ...]  # where the newest guide offers it; empty when it does not say
    record_format: str | None = None  # what the records look like, when not the model's RecordFormat
    min_records: int | None = None
    max_records: int | None = None
    hyperparameters: tuple[HyperParameter, ...] | None = None
    accepts_validation: bool | None = None
    # Fine-tuning and continued pre-training share the model's record limits and validation rule; other types state
    # their own (None: the guide does not say).
    inherits_model_limits: bool = True
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    """Everything the tool knows about one family of base models."""

    family: str
    display_name: str
    provider: str
    id_pattern: str  # regular expression matched against the model id (ARN prefix removed)
    # The exact identifiers the guide gives for customization (baseModelIdentifier), context-length suffix included.
    model_ids: tuple[str, ...]
    fine_tuning_format: RecordFormat
    customizations: tuple[Customization, ...]
    # The guides give one range for training and validation together, except where a family names a separate
    # validation maximum: then max_records is for training alone.
    min_records: int | None  # training records
    max_records: int | None
    max_tokens: int | None  # per record, input + output
    max_validation_records: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    images: ImageRules | None = None
    video_formats: frozenset[str] = frozenset()
    reserved_words: tuple[str, ...] = ()
    accepts_validation: bool = True
    hyperparameters: tuple[HyperParameter, ...] = ()
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    notes: tuple[str, ...] = field(default=())

    @property
    def max_records_include_validation(self) -> bool:
        return self.max_validation_records is None

    @property
    def customization_types(self) -> tuple[CustomizationType, ...]:
        return tuple(c.type for c in self.customizations)

    @property
    def regions(self) -> tuple[str, ...]:
        """Every region any of its customization types is offered in (fine-tuning's first)."""
        seen: list[str] = []
        for customization in self.customizations:
            seen += [r for r in customization.regions if r not in seen]
        return tuple(seen)

    @property
    def legacy(self) -> bool:
        return self.lifecycle is Lifecycle.LEGACY

    @property
    def legacy_warning(self) -> str | None:
        if not self.legacy:
            return None
        return (
            f"{self.display_name} is no longer in the newest Bedrock table of customizable models (legacy): "
            "AWS may stop offering its customization; prefer a current model"
        )

    def customization(self, customization_type: CustomizationType | str) -> Customization | None:
        kind = CustomizationType(customization_type)
        return next((c for c in self.customizations if c.type is kind), None)

    def regions_for(self, customization_type: CustomizationType | str) -> tuple[str, ...]:
        found = self.customization(customization_type)
        return found.regions if found is not None else ()

    def hyperparameters_for(self, customization_type: CustomizationType | str) -> tuple[HyperParameter, ...]:
        found = self.customization(customization_type)
        if found is not None and found.hyperparameters is not None:
            return found.hyperparameters
        return self.hyperparameters

    def accepts_validation_for(self, customization_type: CustomizationType | str) -> bool | None:
        """Whether a validation set is accepted for the type; None where the guide does not say."""
        found = self.customization(customization_type)
        if found is not None and found.accepts_validation is not None:
            return found.accepts_validation
        if found is not None and not found.inherits_model_limits:
            return None
        return self.accepts_validation

    def record_limits(self, customization_type: CustomizationType | str) -> tuple[int | None, int | None]:
        """(minimum, maximum) records for the type: the customization's own, else the model's."""
        found = self.customization(customization_type)
        if found is not None and not found.inherits_model_limits:
            return found.min_records, found.max_records
        minimum = found.min_records if found is not None and found.min_records is not None else self.min_records
        maximum = found.max_records if found is not None and found.max_records is not None else self.max_records
        return minimum, maximum

    def record_format_name(self, customization_type: CustomizationType | str) -> str:
        found = self.customization(customization_type)
        if found is not None and found.record_format is not None:
            return found.record_format
        return self.record_format(customization_type).value

    def record_format(self, customization_type: CustomizationType | str) -> RecordFormat:
        if CustomizationType(customization_type) is CustomizationType.CONTINUED_PRE_TRAINING:
            return RecordFormat.PRETRAINING
        return self.fine_tuning_format

    def default_hyperparameters(
        self, customization_type: CustomizationType | str = CustomizationType.FINE_TUNING
    ) -> dict[str, str]:
        return {hp.name: hp.default for hp in self.hyperparameters_for(customization_type) if hp.default is not None}

    def hyperparameter(
        self, name: str, customization_type: CustomizationType | str = CustomizationType.FINE_TUNING
    ) -> HyperParameter | None:
        for hp in self.hyperparameters_for(customization_type):
            if hp.name == name:
                return hp
        return None

    def check_hyperparameters(
        self, values: dict[str, str], customization_type: CustomizationType | str = CustomizationType.FINE_TUNING
    ) -> list[str]:
        """Return one message per value that is unknown for this model or out of its range."""
        problems = []
        known_hps = self.hyperparameters_for(customization_type)
        for name, value in values.items():
            hp = self.hyperparameter(name, customization_type)
            if hp is None:
                known = ", ".join(h.name for h in known_hps) or "none documented"
                problems.append(f"{name} is not a hyperparameter of {self.display_name} (known: {known})")
                continue
            why = hp.check(value)
            if why:
                problems.append(f"{why} for {self.display_name} (range {hp.range_text})")
        return problems

    def to_dict(self) -> dict[str, object]:
        """The table row as plain values, snake_case keys (``bedrock-ft models --output json``)."""
        return {
            "family": self.family,
            "name": self.display_name,
            "provider": self.provider,
            "model_ids": list(self.model_ids),
            "lifecycle": self.lifecycle.value,
            "customizations": [
                {
                    "customization_type": c.type.value,
                    "regions": list(c.regions),
                    "record_format": self.record_format_name(c.type),
                    "min_records": self.record_limits(c.type)[0],
                    "max_records": self.record_limits(c.type)[1],
                    "accepts_validation": self.accepts_validation_for(c.type),
                    "hyperparameters": [hp.to_dict() for hp in self.hyperparameters_for(c.type)],
                    "notes": list(c.notes),
                }
                for c in self.customizations
            ],
            "limits": {
                "min_records": self.min_records,
                "max_records": self.max_records,
                "max_records_include_validation": self.max_records_include_validation,
                "max_validation_records": self.max_validation_records,
                "max_tokens_per_record": self.max_tokens,
                "max_input_tokens": self.max_input_tokens,
                "max_output_tokens": self.max_output_tokens,
            },
            "accepts_validation": self.accepts_validation,
            "images": None
            if self.images is None
            else {
                "formats": sorted(self.images.formats),
                "max_per_record": self.images.max_per_record,
                "max_bytes": self.images.max_bytes,
                "min_side": self.images.min_side,
                "max_side": self.images.max_side,
            },
            "video_formats": sorted(self.video_formats),
            "notes": list(self.notes),
        }


# -- the table: the one place to change when AWS adds a model (CONTRIBUTING: "add a model") -------------------------
# Sources: ../shared/bedrock-facts.md, the Bedrock user guide's "Supported models and Regions for fine-tuning" and
# hyperparameter pages, the Nova user guide, and botocore's bedrock service model (RFT ranges, identifiers).

FT = CustomizationType.FINE_TUNING
CPT = CustomizationType.CONTINUED_PRE_TRAINING
DISTILLATION = CustomizationType.DISTILLATION
RFT = CustomizationType.REINFORCEMENT_FINE_TUNING
US_EAST_1 = ("us-east-1",)
US_WEST_2 = ("us-west-2",)

MAX_DISTILLATION_PROMPTS = 15_000
MAX_RFT_PROMPTS = 20_000

_NOVA_HP = (
    HyperParameter("epochCount", "2", 1, 5, integer=True),
    HyperParameter("learningRate", "0.00001", 1e-6, 1e-4),
    HyperParameter("learningRateWarmupSteps", "10", 0, 100, integer=True),
)
_LLAMA_HP = (
    HyperParameter("epochCount", "5", 1, 10, integer=True),
    HyperParameter("batchSize", "1", 1, 1, integer=True),
    HyperParameter("learningRate", "0.0001", 5e-6, 0.1),
)
# rftConfig.hyperParameters: typed numbers in the API; ranges from botocore's shapes (RFTHyperParameters).
RFT_HP = (
    HyperParameter("epochCount", None, 1, 50, integer=True, numeric_in_api=True),
    HyperParameter("batchSize", None, 16, 512, integer=True, numeric_in_api=True),
    HyperParameter("learningRate", None, 1e-7, 1e-3, numeric_in_api=True),
    HyperParameter("maxPromptLength", None, 1, None, integer=True, numeric_in_api=True),
    HyperParameter("trainingSamplePerPrompt", None, 2, 16, integer=True, numeric_in_api=True),
    HyperParameter("inferenceMaxTokens", None, 1, None, integer=True, numeric_in_api=True),
    HyperParameter("reasoningEffort", None, choices=("low", "medium", "high"), numeric_in_api=True),
    HyperParameter("evalInterval", None, 1, 100, integer=True, numeric_in_api=True),
)
_NOVA_IMAGES = ImageRules(formats=frozenset({"png", "jpeg", "gif", "webp"}), max_per_record=10, max_bytes=10 * MB)
_NOVA_VIDEO = frozenset({"mov", "mkv", "mp4", "webm"})
_LLAMA_IMAGES = ImageRules(
    formats=frozenset({"gif", "jpeg", "png", "webp"}),
    max_per_record=10,
    max_bytes=10 * MB,
    min_side=10,
    max_side=8192,
    token_formula="llama-tiles",
)
_DISTILL_NOTE = ("text only; the teacher must be one of the model's teachers (DISTILLATION_PAIRS)",)


def _distillation(regions: tuple[str, ...]) -> Customization:
    return Customization(
        DISTILLATION,
        regions,
        record_format=PROMPT_ONLY_CONVERSATION,
        min_records=None,
        max_records=MAX_DISTILLATION_PROMPTS,
        hyperparameters=(),
        inherits_model_limits=False,
        notes=_DISTILL_NOTE,
    )


def _nova(family: str, name: str, model_id: str, *, images: bool) -> ModelSpec:
    return ModelSpec(
        family=family,
        display_name=name,
        provider="Amazon",
        id_pattern=re.escape(model_id.split("-v1")[0]) + r"-v1",
        model_ids=(model_id,),
        fine_tuning_format=RecordFormat.CONVERSATION,
        customizations=(Customization(FT, US_EAST_1), Customization(CPT, US_EAST_1), _distillation(US_EAST_1)),
        min_records=8,
        max_records=20_000,
        max_tokens=32_000,
        images=_NOVA_IMAGES if images else None,
        video_formats=_NOVA_VIDEO if images else frozenset(),
        reserved_words=NOVA_RESERVED_WORDS,
        hyperparameters=_NOVA_HP,
    )


def _llama(
    family: str,
    name: str,
    pattern: str,
    model_ids: tuple[str, ...],
    fmt: RecordFormat,
    *,
    max_tokens: int = 16_000,
    images: ImageRules | None = None,
    distillation: bool = False,
) -> ModelSpec:
    customizations = (Customization(FT, US_WEST_2),) + ((_distillation(US_WEST_2),) if distillation else ())
    return ModelSpec(
        family=family,
        display_name=name,
        provider="Meta",
        id_pattern=pattern,
        model_ids=model_ids,
        fine_tuning_format=fmt,
        customizations=customizations,
        min_records=100,
        max_records=10_000,
        max_tokens=max_tokens,
        images=images,
        hyperparameters=_LLAMA_HP,
    )


_COHERE_NOTE = ("the newest guide gives no regions for it",)

MODELS: tuple[ModelSpec, ...] = (
    _nova("nova-micro", "Amazon Nova Micro", "amazon.nova-micro-v1:0:128k", images=False),
    _nova("nova-lite", "Amazon Nova Lite", "amazon.nova-lite-v1:0:300k", images=True),
    _nova("nova-pro", "Amazon Nova Pro", "amazon.nova-pro-v1:0:300k", images=True),
    ModelSpec(
        family="nova-2-lite",
        display_name="Amazon Nova 2 Lite",
        provider="Amazon",
        id_pattern=r"amazon\.nova-2-lite",
        model_ids=("amazon.nova-2-lite-v1:0:256k",),
        fine_tuning_format=RecordFormat.CONVERSATION,
        customizations=(
            Customization(
                FT, US_EAST_1, notes=("optional reasoningContent in assistant turns; one homogeneous dataset",)
            ),
            Customization(
                RFT,
                US_EAST_1,
                record_format=RFT_RECORDS,
                min_records=None,
                max_records=MAX_RFT_PROMPTS,
                hyperparameters=RFT_HP,
                accepts_validation=False,
                inherits_model_limits=False,
                notes=("a grader Lambda (graderConfig.lambdaGrader.lambdaArn) scores each answer 0-1",),
            ),
        ),
        min_records=200,
        max_records=20_000,
        max_tokens=None,
        images=ImageRules(formats=frozenset({"png", "jpeg", "gif"}), max_per_record=10, max_bytes=10 * MB),
        video_formats=frozenset({"mov", "mkv", "mp4"}),
        reserved_words=NOVA_RESERVED_WORDS,
        accepts_validation=False,
        notes=("fine-tuning hyperparameter ranges are not documented in the facts this tool is built on",),
    ),
    _llama(
        "llama3.2-text",
        "Meta Llama 3.2 1B/3B",
        r"meta\.llama3-2-(1|3)b",
        ("meta.llama3-2-1b-instruct-v1:0:128k", "meta.llama3-2-3b-instruct-v1:0:128k"),
        RecordFormat.CONVERSATION,
        distillation=True,
    ),
    _llama(
        "llama3.2-vision",
        "Meta Llama 3.2 11B Vision",
        r"meta\.llama3-2-11b",
        ("meta.llama3-2-11b-instruct-v1:0:128k",),
        RecordFormat.CONVERSATION,
        images=_LLAMA_IMAGES,
    ),
    _llama(
        "llama3.2-90b-vision",
        "Meta Llama 3.2 90B Vision",
        r"meta\.llama3-2-90b",
        ("meta.llama3-2-90b-instruct-v1:0:128k",),
        RecordFormat.CONVERSATION,
        max_tokens=10_000,
        images=_LLAMA_IMAGES,
    ),
    _llama(
        "llama3.3",
        "Meta Llama 3.3 70B",
        r"meta\.llama3-3-70b",
        ("meta.llama3-3-70b-instruct-v1:0:128k",),
        RecordFormat.CONVERSATION,
        distillation=True,
    ),
    _llama(
        "llama3.1",
        "Meta Llama 3.1 8B/70B",
        r"meta\.llama3-1-(8|70)b",
        ("meta.llama3-1-8b-instruct-v1:0:128k", "meta.llama3-1-70b-instruct-v1:0:128k"),
        RecordFormat.PROMPT_COMPLETION,
        distillation=True,
    ),
    ModelSpec(
        family="claude-3-haiku",
        display_name="Anthropic Claude 3 Haiku",
        provider="Anthropic",
        id_pattern=r"anthropic\.claude-3-haiku",
        model_ids=("anthropic.claude-3-haiku-20240307-v1:0:200k",),
        fine_tuning_format=RecordFormat.CLAUDE_MESSAGES,
        customizations=(Customization(FT, US_WEST_2),),
        min_records=32,
        max_records=10_000,
        max_validation_records=1_000,
        max_tokens=32_000,
        hyperparameters=(
            HyperParameter("epochCount", "2", 1, 10, integer=True),
            HyperParameter("batchSize", "32", 4, 256, integer=True),
            HyperParameter("learningRateMultiplier", "1", 0.1, 2),
            HyperParameter("earlyStoppingThreshold", "0.001", 0, 0.1),
            HyperParameter("earlyStoppingPatience", "2", 1, 10, integer=True),
        ),
    ),
    ModelSpec(
        family="cohere-command-light",
        display_name="Cohere Command Light",
        provider="Cohere",
        id_pattern=r"cohere\.command-light",
        model_ids=("cohere.command-light-text-v14:7:4k",),
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
        customizations=(Customization(FT, (), notes=_COHERE_NOTE),),
        min_records=None,
        max_records=10_000,
        max_validation_records=1_000,
        max_tokens=None,
        max_input_tokens=4_096,
        max_output_tokens=2_048,
        hyperparameters=(
            HyperParameter("epochCount", "1", 1, 100, integer=True),
            HyperParameter("batchSize", "8", 8, 32, integer=True),
            HyperParameter("learningRate", "0.00001", 5e-6, 0.1),
            HyperParameter("earlyStoppingThreshold", None),
            HyperParameter("earlyStoppingPatience", None),
            HyperParameter("evalPercentage", None, 5, 50),
        ),
        lifecycle=Lifecycle.LEGACY,
    ),
    ModelSpec(
        family="cohere-command",
        display_name="Cohere Command",
        provider="Cohere",
        id_pattern=r"cohere\.command-text",
        model_ids=("cohere.command-text-v14:7:4k",),
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
        customizations=(Customization(FT, (), notes=_COHERE_NOTE),),
        min_records=None,
        max_records=10_000,
        max_validation_records=1_000,
        max_tokens=None,
        max_input_tokens=4_096,
        max_output_tokens=2_048,
        hyperparameters=(
            HyperParameter("epochCount", "1", 1, 100, integer=True),
            HyperParameter("batchSize", "8", 8, 8, integer=True),
            HyperParameter("learningRate", "0.00001", 5e-6, 0.1),
            HyperParameter("earlyStoppingThreshold", None),
            HyperParameter("earlyStoppingPatience", None),
            HyperParameter("evalPercentage", None, 5, 50),
        ),
        lifecycle=Lifecycle.LEGACY,
    ),
    ModelSpec(
        family="titan-text",
        display_name="Amazon Titan Text Express/Lite",
        provider="Amazon",
        id_pattern=r"amazon\.titan-text-(express|lite)",
        model_ids=("amazon.titan-text-express-v1:0:8k", "amazon.titan-text-lite-v1:0:4k"),
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
        customizations=(
            Customization(FT, ("us-east-1", "us-west-2")),
            Customization(CPT, ("us-east-1", "us-west-2")),
        ),
        min_records=None,
        max_records=None,
        max_tokens=4_096,
        hyperparameters=(
            HyperParameter("epochCount", "5", 1, 10, integer=True),
            HyperParameter("batchSize", "1", 1, 64, integer=True),
            HyperParameter("learningRate", "0.00001", 0, 1),
            HyperParameter("learningRateWarmupSteps", "5", 0, 250, integer=True),
        ),
        lifecycle=Lifecycle.LEGACY,
    ),
)


@dataclass(frozen=True)
class DistillationPair:
    """A teacher and the students it may distil into, in one region (text only; no Anthropic teachers)."""

    teacher: str  # the teacherModelIdentifier: a model id, or an inference profile id where the guide says so
    teacher_name: str
    students: tuple[str, ...]  # student model ids, each one of a ModelSpec's model_ids
    region: str


DISTILLATION_PAIRS: tuple[DistillationPair, ...] = (
    DistillationPair(
        "amazon.nova-pro-v1:0",
        "Amazon Nova Pro",
        ("amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k"),
        "us-east-1",
    ),
    DistillationPair(
        "us.amazon.nova-premier-v1:0",
        "Amazon Nova Premier (inference profile)",
        ("amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k", "amazon.nova-pro-v1:0:300k"),
        "us-east-1",
    ),
    DistillationPair(
        "meta.llama3-1-405b-instruct-v1:0",
        "Meta Llama 3.1 405B",
        (
            "meta.llama3-1-8b-instruct-v1:0:128k",
            "meta.llama3-1-70b-instruct-v1:0:128k",
            "meta.llama3-2-1b-instruct-v1:0:128k",
            "meta.llama3-3-70b-instruct-v1:0:128k",
        ),
        "us-west-2",
    ),
    DistillationPair(
        "meta.llama3-1-70b-instruct-v1:0",
        "Meta Llama 3.1 70B",
        (
            "meta.llama3-1-8b-instruct-v1:0:128k",
            "meta.llama3-2-1b-instruct-v1:0:128k",
            "meta.llama3-2-3b-instruct-v1:0:128k",
        ),
        "us-west-2",
    ),
    DistillationPair(
        "meta.llama3-3-70b-instruct-v1:0",
        "Meta Llama 3.3 70B",
        (
            "meta.llama3-1-8b-instruct-v1:0:128k",
            "meta.llama3-2-1b-instruct-v1:0:128k",
            "meta.llama3-2-3b-instruct-v1:0:128k",
        ),
        "us-west-2",
    ),
)


def teachers_for(student: str, region: str | None = None) -> list[DistillationPair]:
    """The pairs whose students include ``student`` (an id or ARN), in ``region`` when given."""
    model_id = model_id_from(student)
    return [
        pair
        for pair in DISTILLATION_PAIRS
        if any(model_id == s or s.startswith(model_id + ":") for s in pair.students)
        and (region is None or pair.region == region)
    ]


_ARN_PREFIX = re.compile(r"^arn:[a-z-]+:bedrock:[a-z0-9-]*:\d*:(foundation-model|custom-model)/")


def model_id_from(identifier: str) -> str:
    """The bare model id of an id or a foundation-model ARN."""
    return _ARN_PREFIX.sub("", identifier.strip())


def known_families() -> list[str]:
    return [f"{m.family} ({m.display_name})" for m in MODELS]


def find_model(identifier: str) -> ModelSpec:
    """The spec for a base model id or ARN; a UsageError listing the known families when there is none."""
    model_id = model_id_from(identifier)
    for spec in MODELS:
        if re.match(spec.id_pattern, model_id):
            return spec
    raise UsageError(
        f"unknown base model {identifier!r}",
        hint="known families: " + "; ".join(known_families()) + ". Name a record format to go on anyway",
        settings=("base_model", "record_format"),
    )


# Families that take a video in a record (the facts: Nova Lite / Pro, one video of <= 90 s; Nova 2 Lite).
VIDEO_FAMILIES = frozenset(spec.family for spec in MODELS if spec.video_formats)


def accepts_images(spec: ModelSpec) -> bool:
    return spec.images is not None


def accepts_video(spec: ModelSpec) -> bool:
    return bool(spec.video_formats)


def customizable_in(
    spec: ModelSpec, region: str, customization_type: CustomizationType | str | None = None
) -> bool | None:
    """Whether the guide offers customization of ``spec`` (of ``customization_type``, or of any type) in ``region``;
    None when the table does not say."""
    regions = spec.regions if customization_type is None else spec.regions_for(customization_type)
    if not regions:
        return None
    return region in regions


def models_matching(
    *, region: str | None = None, customization_type: CustomizationType | str | None = None
) -> list[ModelSpec]:
    """The table's models offered in ``region`` and for ``customization_type`` (either may be None: any)."""
    kind = CustomizationType(customization_type) if customization_type is not None else None
    found = []
    for spec in MODELS:
        kinds = [kind] if kind is not None else list(spec.customization_types)
        if kind is not None and kind not in spec.customization_types:
            continue
        if region is not None and not any(region in spec.regions_for(k) for k in kinds):
            continue
        found.append(spec)
    return found


def estimate_text_tokens(text: str) -> int:
    """Tokens in ``text`` by the guides' rule of thumb, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)
