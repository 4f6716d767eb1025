"""The fuzz targets and their input generators, shared by the property tests and ``crash_rate.py``.

Hypothesis draws a seed per case (derandomized: the same cases every run); a generator here turns it into the input
with ``random.Random(seed)``. Drawing whole JSON trees through Hypothesis costs 3-7 ms a case, which would put the
10,000 cases per target CI asks for far over budget; a seeded generator costs a tenth of that, and a failing case is
still reported (as its seed) and replayed exactly.

Each target takes one generated input and a scratch folder, calls a public reader or checker of the package, and
consumes its whole result. The only outcomes allowed are a result or a ``BedrockFtError``; anything else escaping
a target is a crash. The targets use only entry points that exist before and after the fix, so ``crash_rate.py`` can
measure the same targets against an older checkout.
"""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from bedrock_ft.core.models import RecordFormat, find_model
from bedrock_ft.core.tf_outputs import OUTPUT_NAMES, parse_outputs, read_outputs_file
from bedrock_ft.data.record_checks import CheckContext, check_record
from bedrock_ft.data.sources import _CsvSplit, _JsonlSplit
from bedrock_ft.data.templates import Template
from bedrock_ft.data.validate import validate_files
from bedrock_ft.job.run import STEPS, _load_state

LIST_NAMES = ("subnet_ids", "availability_zones", "security_group_ids")
BUCKET = "fuzz-bucket"
MODELS = (
    "amazon.nova-lite-v1:0:300k",
    "meta.llama3-2-11b-instruct-v1:0",
    "amazon.titan-text-express-v1",
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
)
# Keys of every record format, and of the blocks inside them, so that generated records reach the deep rules.
KEYS = (
    "schemaVersion",
    "messages",
    "system",
    "role",
    "content",
    "text",
    "image",
    "video",
    "format",
    "source",
    "s3Location",
    "uri",
    "bucketOwner",
    "prompt",
    "completion",
    "input",
    "reasoningContent",
)
WORDS = (
    "user",
    "assistant",
    "system",
    "png",
    "jpeg",
    "gif",
    "mp4",
    "bedrock-conversation-2024",
    "123456789012",
    f"s3://{BUCKET}/data/images/ok.png",
    f"s3://{BUCKET}/data/images/cut.jpg",
    f"s3://{BUCKET}/data/images/bomb.png",
    f"s3://{BUCKET}/data/../../../../etc/passwd",
    f"s3://{BUCKET}/images/ok.png",
    "s3://other-bucket/x.png",
    "User:",
    "<image>",
)

# Characters that matter to readers and checks: lone surrogates and NULs (hostile JSON holds \ud800 and \u0000
# escapes), quotes, brackets, separators, non-ASCII, line ends. A small alphabet keeps generation cheap.
_CHARS = "aZ0 ./~_-:\"'\\{}[],\n\r\t\x00\x7f\u00e9\u2028\ufeff\ufffd\U0001f600\ud800\udc00\udfff"
_CHAR_LIST = list(_CHARS)


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_CHAR_LIST) for _ in range(rng.randrange(11)))


def _random_scalar(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, 1, -1, 2**31, -(2**63), 2**70, rng.randrange(-1000, 1000)])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1.5, 1e308, float("inf"), float("-inf"), float("nan")])
    if kind == 4:
        return _random_text(rng)
    return rng.choice(WORDS)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON-like value: scalars, lists, objects keyed by the formats' own keys or by odd text."""
    kind = rng.randrange(10) if depth < 4 else 0
    if kind < 6:
        return _random_scalar(rng)
    if kind < 8:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        (rng.choice(KEYS) if rng.random() < 0.7 else _random_text(rng)): random_json(rng, depth + 1)
        for _ in range(rng.randrange(5))
    }


def _maybe(rng: random.Random, shaped: Any) -> Any:
    """Mostly the shaped value, sometimes anything at all in its place."""
    return shaped if rng.random() < 0.8 else random_json(rng, 2)


def _random_media(rng: random.Random) -> Any:
    media: dict[str, Any] = {}
    if rng.random() < 0.8:
        media["format"] = _maybe(rng, rng.choice(WORDS))
    if rng.random() < 0.8:
        location: dict[str, Any] = {}
        if rng.random() < 0.9:
            location["uri"] = _maybe(rng, rng.choice(WORDS))
        if rng.random() < 0.8:
            location["bucketOwner"] = _maybe(rng, rng.choice(WORDS))
        media["source"] = _maybe(rng, {"s3Location": _maybe(rng, location)})
    return _maybe(rng, media)


def _random_block(rng: random.Random) -> Any:
    kind = rng.randrange(5)
    if kind == 0:
        return {"text": _maybe(rng, _random_text(rng))}
    if kind == 1:
        return {"image": _random_media(rng)}
    if kind == 2:
        return {"video": _random_media(rng)}
    if kind == 3:
        return {"reasoningContent": random_json(rng, 2)}
    return random_json(rng, 2)


def _random_message(rng: random.Random) -> Any:
    message: dict[str, Any] = {}
    if rng.random() < 0.9:
        message["role"] = _maybe(rng, rng.choice(("user", "assistant", "system")))
    if rng.random() < 0.9:
        message["content"] = _maybe(
            rng, [_random_block(rng) for _ in range(rng.randrange(4))] if rng.random() < 0.8 else _random_text(rng)
        )
    return _maybe(rng, message)


def random_record(rng: random.Random) -> Any:
    """Mostly shaped like a record of one of the formats, with anything at any place; sometimes any JSON value."""
    kind = rng.randrange(10)
    if kind >= 8:
        return random_json(rng)
    record: dict[str, Any] = {}
    if rng.random() < 0.6:
        record["schemaVersion"] = _maybe(rng, "bedrock-conversation-2024")
    if rng.random() < 0.4:
        record["system"] = _maybe(rng, [{"text": _random_text(rng)}] if rng.random() < 0.6 else _random_text(rng))
    if rng.random() < 0.8:
        record["messages"] = _maybe(rng, [_random_message(rng) for _ in range(rng.randrange(5))])
    for key in ("prompt", "completion", "input"):
        if rng.random() < 0.2:
            record[key] = _maybe(rng, _random_text(rng))
    return record


def _deep(rng: random.Random) -> str:
    depth = rng.choice([rng.randrange(1, 80), rng.randrange(80, 3000), 100_000])
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


_SPECIAL_LINES = (
    '{"text": "\\ud800"}',
    '{"prompt": "a\\u0000b", "completion": "c"}',
    '{"image": "\\ud800.png"}',
    '{"image": "../../../../etc/hostname"}',
    '{"image": "/dev/zero"}',
    '{"n": 1' + "0" * 5000 + "}",
    '{"x": NaN}',
    "\ufeff{}",
    "{",
    "",
    "[]",
    "null",
)


def _random_line(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind < 4:
        return json.dumps(random_record(rng))
    if kind == 4:
        return _deep(rng)
    if kind == 5:
        return rng.choice(_SPECIAL_LINES)
    if kind == 6:
        return json.dumps(random_json(rng), ensure_ascii=False)
    return _random_text(rng)


def random_jsonl_bytes(rng: random.Random) -> bytes:
    """A small file: lines of records, deep nesting, odd escapes and text; or a few random bytes."""
    if rng.random() < 0.15:
        return rng.randbytes(rng.randrange(64))
    text = "\n".join(_random_line(rng) for _ in range(rng.randrange(6)))
    return text.encode("utf-8", "surrogatepass")


def random_csv_bytes(rng: random.Random) -> bytes:
    if rng.random() < 0.15:
        return rng.randbytes(rng.randrange(64))
    cells = ("file_name", "image", '"', ",", "\r", '"a""b"', "x_file_name")
    rows = [
        ",".join(rng.choice(cells) if rng.random() < 0.4 else _random_text(rng) for _ in range(rng.randrange(5)))
        for _ in range(rng.randrange(6))
    ]
    return "\n".join(rows).encode("utf-8", "surrogatepass")


def _output_value(rng: random.Random, name: str) -> Any:
    kind = rng.randrange(4)
    if kind == 0:
        return random_json(rng, 2)
    good: Any = ["subnet-1", "subnet-2"] if name in LIST_NAMES else f"{name}-value"
    value = good if kind == 1 else random_json(rng, 3)
    return {"value": value, "type": "string", "sensitive": False} if rng.random() < 0.7 else value


def random_tf_document(rng: random.Random) -> Any:
    """Terraform outputs: the module's names with values of any type, wrapped or not; sometimes any JSON value."""
    if rng.random() < 0.15:
        return random_json(rng)
    return {name: _output_value(rng, name) for name in rng.sample(OUTPUT_NAMES, rng.randrange(len(OUTPUT_NAMES) + 1))}


def random_state_document(rng: random.Random) -> Any:
    """A run state: fingerprint and steps of any shape, the steps' fields of any type; sometimes any JSON value."""
    if rng.random() < 0.15:
        return random_json(rng)
    state: dict[str, Any] = {}
    if rng.random() < 0.9:
        state["fingerprint"] = _maybe(rng, "f" * 64)
    if rng.random() < 0.9:
        steps: dict[str, Any] = {}
        for step in rng.sample(STEPS, rng.randrange(len(STEPS) + 1)):
            fields = {"done": _maybe(rng, rng.random() < 0.8)}
            for key in ("out_dir", "training_data", "validation_data", "job_arn"):
                if rng.random() < 0.6:
                    fields[key] = _maybe(rng, f"s3://b/{key}")
            steps[step] = _maybe(rng, fields)
        state["steps"] = _maybe(rng, steps)
    return state


_TEMPLATE_PIECES = (
    "{q}",
    "{items.0}",
    "{items.-1}",
    "{items.\u00b2}",
    "{items.99999999999999999999999}",
    "{x|json}",
    "{x|bullets}",
    "{x|comma}",
    "{x|nope}",
    "{a.b.c}",
    "{",
    "}",
    "{{",
    "}}",
    "{}",
    "{ q }",
    "|",
    ".",
)


def random_template(rng: random.Random) -> str:
    return "".join(
        rng.choice(_TEMPLATE_PIECES) if rng.random() < 0.6 else _random_text(rng) for _ in range(rng.randrange(5))
    )


def random_fields(rng: random.Random) -> dict[str, Any]:
    """A source record for the templates: the fields they name, holding anything."""
    return {key: random_json(rng, 1) for key in ("q", "items", "x", "a") if rng.random() < 0.8}


def as_json_file_bytes(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8", "surrogatepass")


# -- the media the checks can find locally -------------------------------------------------------------------------


def make_media(folder: Path) -> Path:
    """A generate-like output folder: a good PNG, a JPEG cut to half its bytes, a decompression bomb, a FIFO."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, "PNG")
    (images / "ok.png").write_bytes(buffer.getvalue())
    buffer = io.BytesIO()
    Image.effect_noise((128, 128), 60).convert("RGB").save(buffer, "JPEG", quality=95)
    (images / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (images / "bomb.png").write_bytes(bomb_png_header(40_000, 40_000))
    if hasattr(os, "mkfifo") and not (images / "fifo.png").exists():
        os.mkfifo(images / "fifo.png")
    return folder


def bomb_png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` grey pixels: Pillow refuses it as a decompression bomb on open."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def _locator(media: Path) -> Callable[[str], str | None]:
    """Maps s3://BUCKET/data/<rest> to media/<rest> with no checks of its own: the checks must cope."""

    def locate(uri: str) -> str | None:
        prefix = f"s3://{BUCKET}/data/"
        return os.path.join(media, uri[len(prefix) :]) if uri.startswith(prefix) else None

    return locate


# -- the targets ---------------------------------------------------------------------------------------------------


def target_record_checks(record: Any, model_index: int, media: Path | None) -> list[tuple[str, str, Any, str]]:
    """Every rule over one parsed record, for one model (or, for index len(MODELS)+, a bare record format)."""
    formats = list(RecordFormat)
    if model_index < len(MODELS):
        spec = find_model(MODELS[model_index])
        fmt = spec.fine_tuning_format
    else:
        spec, fmt = None, formats[(model_index - len(MODELS)) % len(formats)]
    ctx = CheckContext(record_format=fmt, spec=spec, locate=_locator(media) if media else None, dataset_bucket=None)
    return list(check_record(record, ctx))


def target_validate_file(content: bytes, model_index: int, folder: Path, images_dir: Path | None) -> Any:
    """``validate_files`` on one file holding ``content``."""
    path = folder / "train.jsonl"
    path.write_bytes(content)
    report = validate_files([path], base_model=MODELS[model_index % len(MODELS)], images_dir=images_dir)
    return report.to_dict()


def target_jsonl_reader(content: bytes, image_folder: bool, folder: Path) -> list[Any]:
    """The JSONL reader ``generate`` streams a source with (plain, and as an image folder's metadata.jsonl)."""
    path = folder / "metadata.jsonl"
    path.write_bytes(content)
    split = _JsonlSplit(path, folder, image_folder=image_folder)
    out: list[Any] = [split.count(), split.columns()]
    out += [(r.index, r.label, r.fields, r.error) for r in split.records()]
    return out


def target_csv_reader(content: bytes, image_folder: bool, folder: Path) -> list[Any]:
    path = folder / "metadata.csv"
    path.write_bytes(content)
    split = _CsvSplit(path, folder, image_folder=image_folder)
    out: list[Any] = [split.count(), split.columns()]
    out += [(r.index, r.label, r.fields, r.error) for r in split.records()]
    return out


def target_run_state(content: bytes, folder: Path) -> Any:
    """The run-state reader, and the reads ``run_pipeline`` makes of what it returns (its contract: the right shape)."""
    path = folder / "run-state.json"
    path.write_bytes(content)
    state = _load_state(path)
    if state is None:
        return None
    fingerprint = state.get("fingerprint")
    steps = state["steps"]
    done = {step: bool(steps.get(step, {}).get("done")) for step in STEPS}
    uris = [
        str(steps[step][key])
        for step, key in (("generate", "out_dir"), ("upload", "training_data"), ("submit", "job_arn"))
        if done.get(step)
    ]
    if done.get("upload"):
        uris.append(str(steps["upload"].get("validation_data")))
    return fingerprint, done, uris


def target_templates(template: str, fields: dict[str, Any]) -> str:
    """A template parsed and rendered over one source record, as ``generate`` does for every record."""
    return Template.parse(template, name="prompt template").render(fields, "fuzz line 1")


def target_tf_outputs(document: Any) -> list[Any]:
    """``parse_outputs`` and every accessor the commands use."""
    outputs = parse_outputs(document, "fuzz")
    return _read_every_output(outputs)


def target_tf_outputs_file(content: bytes, folder: Path) -> list[Any]:
    path = folder / "outputs.json"
    path.write_bytes(content)
    return _read_every_output(read_outputs_file(path))


def _read_every_output(outputs: Any) -> list[Any]:
    values: list[Any] = [outputs.data_prefix, outputs.output_prefix, outputs.kms_key_arn]
    for name in ("region", "account_id", "bucket_name", "role_arn", "vpc_id", "subnet_ids", "security_group_ids"):
        try:
            values.append(getattr(outputs, name))
        except Exception as exc:  # a missing output is a ConfigError; anything else escapes to the caller
            from bedrock_ft.core.errors import BedrockFtError

            if not isinstance(exc, BedrockFtError):
                raise
    return values


# -- one case of each target, from the values Hypothesis draws -----------------------------------------------------

TARGETS = (
    "record_checks",
    "validate_files",
    "jsonl_reader",
    "csv_reader",
    "run_state",
    "tf_outputs",
    "tf_outputs_file",
    "templates",
)


def cases(name: str) -> Any:
    """The Hypothesis strategy of one target's cases: (seed, a model index, a flag)."""
    from hypothesis import strategies as st

    return st.tuples(
        st.integers(min_value=0, max_value=2**64 - 1),
        st.integers(min_value=0, max_value=len(MODELS) + 3),
        st.booleans(),
    )


def run_case(name: str, case: tuple[int, int, bool], *, scratch: Path, media: Path) -> Any:
    """Generate the input of ``case`` for the target ``name`` and run the target on it."""
    seed, model, flag = case
    rng = random.Random(seed)
    if name == "record_checks":
        return target_record_checks(random_record(rng), model, media if flag else None)
    if name == "validate_files":
        return target_validate_file(random_jsonl_bytes(rng), model, scratch, media if flag else None)
    if name == "jsonl_reader":
        return target_jsonl_reader(random_jsonl_bytes(rng), flag, scratch)
    if name == "csv_reader":
        return target_csv_reader(random_csv_bytes(rng), flag, scratch)
    if name == "run_state":
        content = as_json_file_bytes(random_state_document(rng)) if flag else random_jsonl_bytes(rng)
        return target_run_state(content, scratch)
    if name == "tf_outputs":
        return target_tf_outputs(random_tf_document(rng))
    if name == "tf_outputs_file":
        content = as_json_file_bytes(random_tf_document(rng)) if flag else random_jsonl_bytes(rng)
        return target_tf_outputs_file(content, scratch)
    if name == "templates":
        return target_templates(random_template(rng), random_fields(rng))
    raise ValueError(f"no fuzz target {name}")
