"""The typed fast path (``typed_records``): it takes only records with nothing to report, and a file's report is the
same with it as without it."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.data import validate
from bedrock_ft.data.record_checks import CheckContext, ImageInfo, record_findings
from bedrock_ft.data.typed_records import clean_conversation_line
from bedrock_ft.data.validate import parse_customization_type, resolve_model, validate_files
from helpers import record_mutations
from helpers.dataset_helpers import BUCKET, LLAMA_VISION, NOVA, conversation
from helpers.record_mutations import compare_loop_with_general, mutated_lines


def context(model: str = NOVA, **kwargs: Any) -> CheckContext:
    kind = kwargs.pop("customization_type", None)
    spec, fmt = resolve_model(model, None, kind)
    return CheckContext(record_format=fmt, spec=spec, customization_type=parse_customization_type(kind), **kwargs)


def line(record: Any) -> bytes:
    return json.dumps(record).encode()


def state(ctx: CheckContext) -> tuple[Any, ...]:
    return ctx.dataset_bucket, sorted(ctx.media_kinds), ctx.images_checked


def test_a_clean_record_with_an_image_takes_the_fast_path() -> None:
    assert clean_conversation_line(line(conversation(images=1)), context())


def test_the_fast_path_leaves_the_context_as_the_general_path_does() -> None:
    fast, general = context(), context()
    record = conversation(images=2)
    assert clean_conversation_line(line(record), fast)
    assert record_findings(record, general) == []
    assert state(fast) == state(general) == (BUCKET, ["image"], 0)


def with_key_twice(text: str) -> bytes:
    """The first user turn's role given twice: "assistant" first, then "user" (JSON reads the last)."""
    return text.replace('{"role": "user",', '{"role": "assistant", "role": "user",', 1).encode()


def _set(record: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node: Any = record
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return record


IMAGE = ("messages", 0, "content", 1, "image")
FAULTY: dict[str, Any] = {
    "reserved word": conversation(prompt="User: describe it"),
    "two system blocks": _set(conversation(), ("system",), [{"text": "one"}, {"text": "two"}]),
    "assistant first": _set(conversation(), ("messages",), list(reversed(conversation()["messages"]))),
    "ends with the user": _set(conversation(), ("messages",), conversation()["messages"][:1]),
    "image format": _set(conversation(images=1), (*IMAGE, "format"), "bmp"),
    "bucket owner": _set(conversation(images=1), (*IMAGE, "source", "s3Location", "bucketOwner"), "12345"),
    "bad bucket name": _set(conversation(images=1), (*IMAGE, "source", "s3Location", "uri"), "s3://Bad_B/a.png"),
    "empty answer": conversation(answer=""),
    "whitespace answer": conversation(answer="  "),
    "empty system text": _set(conversation(), ("system", 0, "text"), ""),
    "unknown top-level key": {**conversation(), "extra": True},
    "schema version": {**conversation(), "schemaVersion": "bedrock-conversation-2023"},
    "no schema version": {k: v for k, v in conversation().items() if k != "schemaVersion"},
    "too many tokens": conversation(answer="x" * 200_000),
    "eleven images": conversation(images=11),
    "a null text": _set(conversation(), ("messages", 1, "content", 0, "text"), None),
    "a video": _set(conversation(), ("messages", 0, "content"), [{"video": {"format": "mp4", "source": {}}}]),
    "image in the answer": _set(
        conversation(), ("messages", 1, "content"), conversation(images=1)["messages"][0]["content"]
    ),
    "text and image in one block": _set(conversation(images=1), ("messages", 0, "content", 1, "text"), "and"),
    "not an object": [conversation()],
}


@pytest.mark.parametrize("record", FAULTY.values(), ids=FAULTY.keys())
def test_the_fast_path_refuses_a_record_with_findings_and_leaves_the_context(record: Any) -> None:
    ctx = context()
    before = state(ctx)
    assert not clean_conversation_line(line(record), ctx)
    assert state(ctx) == before
    assert record_findings(copy.deepcopy(record), context())  # the general path has something to say


# Records with nothing to report that the typed decoder refuses: the general path reads them (and finds nothing).
CLEAN_BUT_REFUSED: dict[str, Any] = {
    "extra key in the image block": _set(conversation(images=1), (*IMAGE, "detail"), "high"),
    "extra key in a message": _set(conversation(), ("messages", 0, "name"), "alice"),
    "reasoning content": _set(
        conversation(),
        ("messages", 1, "content"),
        [{"reasoningContent": {"reasoningText": {"text": "Thinking."}}}, {"text": "A red square."}],
    ),
}


@pytest.mark.parametrize("record", CLEAN_BUT_REFUSED.values(), ids=CLEAN_BUT_REFUSED.keys())
def test_a_clean_record_the_typed_decoder_refuses_goes_to_the_general_path(record: Any) -> None:
    model = "amazon.nova-2-lite-v1:0:256k"
    assert not clean_conversation_line(line(record), context(model))
    assert record_findings(record, context(model)) == []


def test_a_key_given_twice_is_read_as_json_reads_it() -> None:
    text = json.dumps(conversation())
    assert clean_conversation_line(with_key_twice(text), context())  # the last "role" is "user": clean
    twice = text.replace('{"role": "user",', '{"role": "user", "role": "assistant",', 1).encode()
    assert not clean_conversation_line(twice, context())  # the last is "assistant": two assistant turns


def test_a_record_for_another_bucket_than_the_datasets_is_refused() -> None:
    ctx = context(dataset_bucket="another-bucket")
    assert not clean_conversation_line(line(conversation(images=1)), ctx)
    assert ctx.dataset_bucket == "another-bucket"


def test_a_distillation_record_ends_with_the_prompt_and_holds_no_media() -> None:
    prompt_only = _set(conversation(), ("messages",), conversation()["messages"][:1])
    assert clean_conversation_line(line(prompt_only), context(customization_type="DISTILLATION"))
    with_image = _set(conversation(images=1), ("messages",), conversation(images=1)["messages"][:1])
    assert not clean_conversation_line(line(with_image), context(customization_type="DISTILLATION"))


def known(size: int = 50_000, fmt: str = "png", width: int = 640) -> Any:
    return lambda uri: ImageInfo("/local/img.png", fmt, width, 480, size)


@pytest.mark.parametrize(
    ("facts", "clean"),
    [
        (known(), True),
        (known(size=11 * 2**20), False),  # image-bytes
        (known(fmt="jpeg"), False),  # image-format: the block says png
        (known(width=9000), False),  # image-pixels (Llama 3.2 Vision: at most 8192 a side)
        (lambda uri: None, False),  # image-local: no local copy
    ],
    ids=["fits", "too many bytes", "another format", "too wide", "no local copy"],
)
def test_local_image_facts_decide_the_fast_path_as_the_image_rules_do(facts: Any, clean: bool) -> None:
    fast = context(LLAMA_VISION, locate=lambda uri: None, known=facts)
    general = context(LLAMA_VISION, locate=lambda uri: None, known=facts)
    record = conversation(images=1)
    assert clean_conversation_line(line(record), fast) is clean
    if not clean:
        assert record_findings(record, fast)  # what the validator's loop does next, with the same context
    findings = record_findings(record, general)
    assert (findings == []) is clean
    assert state(fast) == state(general)  # an image probed by both paths is counted once


def big_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_gives_the_same_report_with_the_fast_path_and_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faulty = [json.dumps(r) for r in FAULTY.values()] + [json.dumps(r) for r in CLEAN_BUT_REFUSED.values()]
    lines = [json.dumps(conversation(images=1))] * 200 + faulty + ["", "{broken", json.dumps(conversation())] * 3
    path = big_file(tmp_path, lines)
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", 0)  # msgspec and the fast path for this small file
    taken: list[bool] = []
    fast_path = validate._clean_line()
    assert fast_path is not None

    def spy(raw: bytes, ctx: CheckContext) -> bool:
        taken.append(fast_path(raw, ctx))
        return taken[-1]

    monkeypatch.setattr(validate, "_clean_line", lambda: spy)
    with_fast_path = validate_files([path], base_model=NOVA).to_dict()
    monkeypatch.setattr(validate, "_clean_line", lambda: None)
    assert validate_files([path], base_model=NOVA).to_dict() == with_fast_path
    assert taken.count(True) == 203 and with_fast_path["errors"] > 0


def test_a_file_whose_lines_the_fast_path_mostly_refuses_stops_asking_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_file(tmp_path, [json.dumps({**conversation(), "id": n}) for n in range(1000)])
    monkeypatch.setattr(validate, "FAST_DECODE_BYTES", 0)
    asked: list[bytes] = []
    monkeypatch.setattr(validate, "_clean_line", lambda: lambda raw, ctx: asked.append(raw) or False)
    report = validate_files([path], base_model=NOVA)
    assert len(asked) == validate.FAST_PATH_TRIAL + 1
    assert report.by_rule() == {"unknown-keys": {"warning": 1000}}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mutated_records_get_the_same_findings_through_the_fast_path(seed: int) -> None:
    rng = random.Random(seed)
    lines = [text.encode() for text in mutated_lines(rng, 1500)]
    assert compare_loop_with_general(lines, NOVA, None, None, False) > 100  # the fast path took some of them
    assert compare_loop_with_general(lines, LLAMA_VISION, None, record_mutations.BUCKET, True) > 10
