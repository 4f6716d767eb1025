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


class CustomizationType(StrEnum):
    FINE_TUNING = "FINE_TUNING"
    CONTINUED_PRE_TRAINING = "CONTINUED_PRE_TRAINING"


CHARS_PER_TOKEN = 6  # the guides' rule of thumb for estimating tokens from text
MB = 1024 * 1024

# Strings Nova rejects anywhere in a prompt.
NOVA_RESERVED_WORDS = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")


@dataclass(frozen=True)
class HyperParameter:
    """One hyperparameter: its default (as the API's string) and the inclusive range it must lie in."""

    name: str
    default: str | None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def check(self, value: str) -> str | None:
        """Return why ``value`` is not acceptable, or None when it is."""
        try:
            number = float(value)
        except ValueError:
            return f"{self.name}={value!r} is not a number"
        if self.integer and not number.is_integer():
            return f"{self.name}={value!r} must be a whole number"
        if self.minimum is not None and number < self.minimum:
            return f"{self.name}={value} is below the minimum {_fmt(self.minimum)}"
        if self.maximum is not None and number > self.maximum:
            return f"{self.name}={value} is above the maximum {_fmt(self.maximum)}"
        return None

    @property
    def range_text(self) -> str:
        if self.minimum is None and self.maximum is None:
            return "any"
        if self.minimum == self.maximum:
            return _fmt(self.minimum)
        return f"{_fmt(self.minimum)}-{_fmt(self.maximum)}"


def _fmt(number: float | None) -> str:
    if number is None:
        return "?"
    return str(int(number)) if float(number).is_integer() and abs(number) >= 1 else f"{number:g}"


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
class ModelSpec:
    """Everything the tool knows about one family of base models."""

    family: str
    display_name: str
    id_pattern: str  # regular expression matched against the model id (ARN prefix removed)
    fine_tuning_format: RecordFormat
    # The guides give one range for training and validation together, except where a family names a separate
    # validation maximum: then max_records is for training alone.
    min_records: int | None  # training records
    max_records: int | None
    max_tokens: int | None  # per record, input + output
    max_validation_records: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    images: ImageRules | None = None
    reserved_words: tuple[str, ...] = ()
    accepts_validation: bool = True
    hyperparameters: tuple[HyperParameter, ...] = ()
    customization_types: tuple[CustomizationType, ...] = (CustomizationType.FINE_TUNING,)
    regions: tuple[str, ...] = ()  # where the guide says customization is offered; empty means not stated
    notes: tuple[str, ...] = field(default=())

    @property
    def max_records_include_validation(self) -> bool:
        return self.max_validation_records is None

    def record_format(self, customization_type: CustomizationType | str) -> RecordFormat:
        if CustomizationType(customization_type) is CustomizationType.CONTINUED_PRE_TRAINING:
            return RecordFormat.PRETRAINING
        return self.fine_tuning_format

    def default_hyperparameters(self) -> dict[str, str]:
        return {hp.name: hp.default for hp in self.hyperparameters if hp.default is not None}

    def hyperparameter(self, name: str) -> HyperParameter | None:
        for hp in self.hyperparameters:
            if hp.name == name:
                return hp
        return None

    def check_hyperparameters(self, values: dict[str, str]) -> list[str]:
        """Return one message per value that is unknown for this model or out of its range."""
        problems = []
        for name, value in values.items():
            hp = self.hyperparameter(name)
            if hp is None:
                known = ", ".join(h.name for h in self.hyperparameters) or "none documented"
                problems.append(f"{name} is not a hyperparameter of {self.display_name} (known: {known})")
                continue
            why = hp.check(value)
            if why:
                problems.append(f"{why} for {self.display_name} (range {hp.range_text})")
        return problems


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
_NOVA_IMAGES = ImageRules(formats=frozenset({"png", "jpeg", "gif", "webp"}), max_per_record=10, max_bytes=10 * MB)
_LLAMA_IMAGES = ImageRules(
    formats=frozenset({"gif", "jpeg", "png", "webp"}),
    max_per_record=10,
    max_bytes=10 * MB,
    min_side=10,
    max_side=8192,
    token_formula="llama-tiles",
)
_BOTH = (CustomizationType.FINE_TUNING, CustomizationType.CONTINUED_PRE_TRAINING)

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        family="nova-micro",
        display_name="Amazon Nova Micro",
        id_pattern=r"amazon\.nova-micro-v1",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=8,
        max_records=20_000,
        max_tokens=32_000,
        reserved_words=NOVA_RESERVED_WORDS,
        hyperparameters=_NOVA_HP,
        customization_types=_BOTH,
        regions=("us-east-1",),
    ),
    ModelSpec(
        family="nova-lite",
        display_name="Amazon Nova Lite",
        id_pattern=r"amazon\.nova-lite-v1",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=8,
        max_records=20_000,
        max_tokens=32_000,
        images=_NOVA_IMAGES,
        reserved_words=NOVA_RESERVED_WORDS,
        hyperparameters=_NOVA_HP,
        customization_types=_BOTH,
        regions=("us-east-1",),
    ),
    ModelSpec(
        family="nova-pro",
        display_name="Amazon Nova Pro",
        id_pattern=r"amazon\.nova-pro-v1",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=8,
        max_records=20_000,
        max_tokens=32_000,
        images=_NOVA_IMAGES,
        reserved_words=NOVA_RESERVED_WORDS,
        hyperparameters=_NOVA_HP,
        customization_types=_BOTH,
        regions=("us-east-1",),
    ),
    ModelSpec(
        family="nova-2-lite",
        display_name="Amazon Nova 2 Lite",
        id_pattern=r"amazon\.nova-2-lite",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=200,
        max_records=20_000,
        max_tokens=None,
        images=ImageRules(formats=frozenset({"png", "jpeg", "gif"}), max_per_record=10, max_bytes=10 * MB),
        reserved_words=NOVA_RESERVED_WORDS,
        accepts_validation=False,
        notes=("hyperparameter ranges are not documented in the facts this tool is built on",),
    ),
    ModelSpec(
        family="llama3.2-text",
        display_name="Meta Llama 3.2 1B/3B",
        id_pattern=r"meta\.llama3-2-(1|3)b",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=100,
        max_records=10_000,
        max_tokens=16_000,
        hyperparameters=_LLAMA_HP,
        regions=("us-west-2",),
    ),
    ModelSpec(
        family="llama3.2-vision",
        display_name="Meta Llama 3.2 11B Vision",
        id_pattern=r"meta\.llama3-2-11b",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=100,
        max_records=10_000,
        max_tokens=16_000,
        images=_LLAMA_IMAGES,
        hyperparameters=_LLAMA_HP,
        regions=("us-west-2",),
    ),
    ModelSpec(
        family="llama3.2-90b-vision",
        display_name="Meta Llama 3.2 90B Vision",
        id_pattern=r"meta\.llama3-2-90b",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=100,
        max_records=10_000,
        max_tokens=10_000,
        images=_LLAMA_IMAGES,
        hyperparameters=_LLAMA_HP,
        regions=("us-west-2",),
    ),
    ModelSpec(
        family="llama3.3",
        display_name="Meta Llama 3.3 70B",
        id_pattern=r"meta\.llama3-3-70b",
        fine_tuning_format=RecordFormat.CONVERSATION,
        min_records=100,
        max_records=10_000,
        max_tokens=16_000,
        hyperparameters=_LLAMA_HP,
    ),
    ModelSpec(
        family="llama3.1",
        display_name="Meta Llama 3.1 8B/70B",
        id_pattern=r"meta\.llama3-1-(8|70)b",
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
        min_records=100,
        max_records=10_000,
        max_tokens=16_000,
        hyperparameters=_LLAMA_HP,
    ),
    ModelSpec(
        family="claude-3-haiku",
        display_name="Anthropic Claude 3 Haiku",
        id_pattern=r"anthropic\.claude-3-haiku",
        fine_tuning_format=RecordFormat.CLAUDE_MESSAGES,
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
        regions=("us-west-2",),
    ),
    ModelSpec(
        family="cohere-command-light",
        display_name="Cohere Command Light",
        id_pattern=r"cohere\.command-light",
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
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
    ),
    ModelSpec(
        family="cohere-command",
        display_name="Cohere Command",
        id_pattern=r"cohere\.command-text",
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
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
    ),
    ModelSpec(
        family="titan-text",
        display_name="Amazon Titan Text Express/Lite",
        id_pattern=r"amazon\.titan-text-(express|lite)",
        fine_tuning_format=RecordFormat.PROMPT_COMPLETION,
        min_records=None,
        max_records=None,
        max_tokens=4_096,
        hyperparameters=(
            HyperParameter("epochCount", "5", 1, 10, integer=True),
            HyperParameter("batchSize", "1", 1, 64, integer=True),
            HyperParameter("learningRate", "0.00001", 0, 1),
            HyperParameter("learningRateWarmupSteps", "5", 0, 250, integer=True),
        ),
        customization_types=_BOTH,
    ),
)

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
VIDEO_FAMILIES = frozenset({"nova-lite", "nova-pro", "nova-2-lite"})


def accepts_images(spec: ModelSpec) -> bool:
    return spec.images is not None


def accepts_video(spec: ModelSpec) -> bool:
    return spec.family in VIDEO_FAMILIES


def customizable_in(spec: ModelSpec, region: str) -> bool | None:
    """Whether the guide offers customization of ``spec`` in ``region``; None when the table does not say."""
    if not spec.regions:
        return None
    return region in spec.regions


def estimate_text_tokens(text: str) -> int:
    """Tokens in ``text`` by the guides' rule of thumb, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)
