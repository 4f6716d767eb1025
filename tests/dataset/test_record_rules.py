"""Every per-record rule, each with a passing and a failing record."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bedrock_ft.core.models import RecordFormat, find_model
from bedrock_ft.data.record_checks import CheckContext, check_record, estimate_tokens
from bedrock_ft.data.record_formats import parse_format
from bedrock_ft.data.validate import resolve_model
from helpers.dataset_helpers import BUCKET, COHERE, HAIKU, LLAMA_VISION, NOVA, OWNER, TITAN, conversation

Record = dict[str, Any]


def findings(
    record: Any,
    model: str | None = NOVA,
    fmt: str | None = None,
    locate: Callable[[str], Path | None] | None = None,
    bucket: str | None = None,
) -> dict[str, str]:
    spec, record_format = resolve_model(model, fmt)
    ctx = CheckContext(record_format=record_format, spec=spec, locate=locate, dataset_bucket=bucket)
    return {rule: severity for rule, severity, _, _ in check_record(record, ctx)}


def changed(record: Record, change: Callable[[Record], None]) -> Record:
    out = copy.deepcopy(record)
    change(out)
    return out


def user_content(record: Record) -> list:
    return record["messages"][0]["content"]


CONV = conversation()
CONV_IMG = conversation(images=1)
PC = {"prompt": "Q", "completion": "A"}
CLAUDE = {"system": "S", "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}
PRE = {"input": "Some text"}


def _three_turns(r: Record) -> None:
    r["messages"].append({"role": "user", "content": [{"text": "more?"}]})


# (rule, model, format override, passing record, failing record)
CASES: list[tuple[str, str | None, str | None, Any, Any]] = [
    ("json-object", NOVA, None, CONV, ["not", "an", "object"]),
    ("required-keys", NOVA, None, CONV, changed(CONV, lambda r: r.pop("messages"))),
    ("required-keys", TITAN, None, PC, {"prompt": "Q"}),
    ("required-keys", HAIKU, None, CLAUDE, {"system": "S"}),
    ("required-keys", None, "continued-pretraining", PRE, {"text": "x"}),
    ("key-types", NOVA, None, CONV, changed(CONV, lambda r: r.update(system="a string"))),
    ("key-types", TITAN, None, PC, {"prompt": "Q", "completion": 3}),
    ("key-types", HAIKU, None, CLAUDE, changed(CLAUDE, lambda r: r.update(system=["S"]))),
    ("unknown-keys", TITAN, None, PC, {**PC, "extra": 1}),
    ("schema-version", NOVA, None, CONV, changed(CONV, lambda r: r.update(schemaVersion="bedrock-conversation-2023"))),
    ("system-shape", NOVA, None, CONV, changed(CONV, lambda r: r.update(system=["plain"]))),
    ("message-shape", NOVA, None, CONV, changed(CONV, lambda r: r["messages"][0].update(content="plain"))),
    ("message-shape", HAIKU, None, CLAUDE, changed(CLAUDE, lambda r: r["messages"][0].update(content=[{"text": "Q"}]))),
    ("roles", NOVA, None, CONV, changed(CONV, lambda r: r["messages"][0].update(role="system"))),
    ("first-user", NOVA, None, CONV, changed(CONV, lambda r: r["messages"].reverse())),
    ("last-assistant", NOVA, None, CONV, changed(CONV, _three_turns)),
    ("alternating", NOVA, None, CONV, changed(CONV, lambda r: r["messages"][1].update(role="user"))),
    ("alternating", HAIKU, None, CLAUDE, changed(CLAUDE, lambda r: r["messages"][0].update(role="assistant"))),
    ("empty-text", NOVA, None, CONV, conversation(answer="  ")),
    ("empty-turn", NOVA, None, CONV, conversation(answer="")),
    ("system-blocks", NOVA, None, CONV, changed(CONV, lambda r: r["system"].append({"text": "And be brief."}))),
    (
        "media-in-user",
        NOVA,
        None,
        CONV_IMG,
        changed(CONV_IMG, lambda r: r["messages"][1]["content"].append(user_content(r).pop())),
    ),
    (
        "image-block",
        NOVA,
        None,
        CONV_IMG,
        changed(CONV_IMG, lambda r: user_content(r)[1]["image"]["source"].pop("s3Location")),
    ),
    (
        "image-block",
        NOVA,
        None,
        CONV_IMG,
        changed(CONV_IMG, lambda r: user_content(r)[1]["image"]["source"]["s3Location"].pop("bucketOwner")),
    ),
    (
        "bucket-owner",
        NOVA,
        None,
        CONV_IMG,
        changed(CONV_IMG, lambda r: user_content(r)[1]["image"]["source"]["s3Location"].update(bucketOwner="me")),
    ),
    ("s3-uri", NOVA, None, CONV_IMG, conversation(images=1, uri=f"s3://{BUCKET}/data/my image.png")),
    ("s3-uri", NOVA, None, CONV_IMG, conversation(images=1, uri=f"https://{BUCKET}/data/img.png")),
    ("s3-uri", NOVA, None, CONV_IMG, conversation(images=1, uri="s3://Bad_Bucket/data/img.png")),
    ("image-format", NOVA, None, CONV_IMG, conversation(images=1, fmt="bmp")),
    ("image-format", "amazon.nova-micro-v1:0", None, CONV, CONV_IMG),
    ("image-count", NOVA, None, conversation(images=10), conversation(images=11)),
    (
        "video",
        NOVA,
        None,
        CONV_IMG,
        changed(CONV_IMG, lambda r: user_content(r)[1].update(video=user_content(r)[1].pop("image"))),
    ),
    ("reserved-words", NOVA, None, CONV, conversation(prompt="User: hi")),
    ("reserved-words", NOVA, None, CONV, conversation(answer="see <image> above")),
    ("token-limit", NOVA, None, conversation(prompt="x" * 6 * 31_000), conversation(prompt="x" * 6 * 33_000)),
    (
        "token-limit",
        TITAN,
        None,
        {"prompt": "x" * 6 * 4_000, "completion": "A"},
        {"prompt": "x" * 6 * 4_100, "completion": "A"},
    ),
    (
        "input-tokens",
        COHERE,
        None,
        {"prompt": "x" * 6 * 4_000, "completion": "A"},
        {"prompt": "x" * 6 * 4_200, "completion": "A"},
    ),
    (
        "output-tokens",
        COHERE,
        None,
        {"prompt": "Q", "completion": "x" * 6 * 2_000},
        {"prompt": "Q", "completion": "x" * 6 * 2_100},
    ),
]


def _case_id(case: tuple) -> str:
    return f"{case[0]}-{case[1] or case[2]}"


@pytest.mark.parametrize(("rule", "model", "fmt", "good", "bad"), CASES, ids=[_case_id(c) for c in CASES])
def test_rule_passes_a_good_record(rule: str, model: str | None, fmt: str | None, good: Any, bad: Any) -> None:
    assert rule not in findings(good, model, fmt)


@pytest.mark.parametrize(("rule", "model", "fmt", "good", "bad"), CASES, ids=[_case_id(c) for c in CASES])
def test_rule_flags_a_bad_record(rule: str, model: str | None, fmt: str | None, good: Any, bad: Any) -> None:
    assert rule in findings(bad, model, fmt)


def test_empty_text_is_only_a_warning() -> None:
    assert findings(conversation(answer=""))["empty-text"] == "warning"


def test_a_turn_of_whitespace_is_only_an_empty_text_warning() -> None:
    found = findings(conversation(answer="  "))
    assert found["empty-text"] == "warning" and "empty-turn" not in found


def test_a_turn_with_no_text_at_all_is_an_error() -> None:
    assert findings(conversation(answer=""))["empty-turn"] == "error"


def test_a_user_turn_with_an_image_and_empty_text_is_not_an_empty_turn() -> None:
    assert "empty-turn" not in findings(conversation(prompt="", images=1))


def test_an_empty_system_text_is_only_a_warning() -> None:
    found = findings(changed(CONV, lambda r: r["system"][0].update(text="")))
    assert found == {"empty-text": "warning"}


def test_two_system_blocks_are_an_error_on_the_system_field() -> None:
    spec, fmt = resolve_model(NOVA, None)
    two = changed(CONV, lambda r: r["system"].append({"text": "And be brief."}))
    found = [(rule, severity, f) for rule, severity, f, _ in check_record(two, CheckContext(fmt, spec))]
    assert found == [("system-blocks", "error", "system")]


def test_one_system_block_passes() -> None:
    assert "system-blocks" not in findings(CONV)


def test_problems_of_one_record_come_in_rule_order() -> None:
    from bedrock_ft.data.record_checks import RULE_ORDER

    spec, fmt = resolve_model(NOVA, None)
    bad = changed(CONV, lambda r: r["messages"].reverse())
    bad["extra"] = 1
    bad["messages"][1]["content"][0]["text"] = "User: hi"
    found = [rule for rule, _, _, _ in check_record(bad, CheckContext(fmt, spec))]
    assert len(set(found)) >= 4
    assert found == sorted(found, key=RULE_ORDER.index)


def test_a_reserved_word_is_named_in_the_field_it_is_in() -> None:
    spec, fmt = resolve_model(NOVA, None)
    record = conversation(answer="see <image> above")
    fields = [f for rule, _, f, _ in check_record(record, CheckContext(fmt, spec)) if rule == "reserved-words"]
    assert fields == ["messages[1].content[0].text"]


def test_unknown_keys_is_only_a_warning() -> None:
    assert findings({**PC, "extra": 1}, TITAN)["unknown-keys"] == "warning"


def test_reserved_words_do_not_apply_to_llama() -> None:
    assert "reserved-words" not in findings(conversation(prompt="User: hi"), LLAMA_VISION)


def test_same_bucket_passes_media_in_the_dataset_bucket() -> None:
    assert "same-bucket" not in findings(CONV_IMG, bucket=BUCKET)


def test_same_bucket_flags_media_in_another_bucket() -> None:
    assert "same-bucket" in findings(CONV_IMG, bucket="other-bucket")


def test_same_bucket_flags_two_buckets_in_one_record() -> None:
    record = conversation(images=2)
    user_content(record)[2]["image"]["source"]["s3Location"]["uri"] = "s3://another-bucket/a.png"
    assert "same-bucket" in findings(record)


# -- rules that need the local image ---------------------------------------------------------------------------------


def _locate_to(path: Path | None) -> Callable[[str], Path | None]:
    return lambda uri: path


def test_image_local_passes_when_found(make_image) -> None:
    assert "image-local" not in findings(CONV_IMG, locate=_locate_to(make_image("a.png")))


def test_image_local_warns_when_missing() -> None:
    assert findings(CONV_IMG, locate=_locate_to(None))["image-local"] == "warning"


def test_image_local_flags_an_unreadable_copy(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"junk")
    assert findings(CONV_IMG, locate=_locate_to(bad))["image-local"] == "error"


def test_image_format_flags_a_block_that_misnames_the_file(make_image) -> None:
    assert "image-format" in findings(CONV_IMG, locate=_locate_to(make_image("a.jpg", fmt="JPEG")))


def test_image_bytes_passes_a_small_image(make_image) -> None:
    assert "image-bytes" not in findings(CONV_IMG, locate=_locate_to(make_image("a.png")))


def test_image_bytes_flags_an_image_over_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    from helpers.dataset_helpers import image_bytes

    big.write_bytes(image_bytes() + b"\0" * (10 * 1024 * 1024))
    assert "image-bytes" in findings(CONV_IMG, locate=_locate_to(big))


def test_image_pixels_passes_within_limits(make_image) -> None:
    assert "image-pixels" not in findings(CONV_IMG, LLAMA_VISION, locate=_locate_to(make_image("a.png")))


def test_image_pixels_flags_a_too_small_image(make_image) -> None:
    path = make_image("tiny.png", size=(5, 40))
    assert "image-pixels" in findings(CONV_IMG, LLAMA_VISION, locate=_locate_to(path))


def test_image_pixels_flags_a_too_large_image(make_image) -> None:
    path = make_image("wide.png", size=(8200, 12), mode="1", color=1)
    assert "image-pixels" in findings(CONV_IMG, LLAMA_VISION, locate=_locate_to(path))


def test_llama_image_tokens_follow_the_tile_formula(make_image) -> None:
    path = make_image("big.png", size=(1200, 600), mode="1", color=1)
    spec, fmt = find_model(LLAMA_VISION), parse_format("bedrock-conversation-2024")
    ctx = CheckContext(record_format=fmt, spec=spec, locate=_locate_to(path))
    record = conversation(prompt="", answer="", images=1)
    record.pop("system")
    # min(2, max(600 // 560, 1)) * min(2, max(1200 // 560, 1)) = 1 * 2 tiles of 1601 tokens
    assert estimate_tokens(record, ctx) == {"input": 2 * 1601, "output": 0}


def test_token_estimate_is_characters_over_six() -> None:
    ctx = CheckContext(record_format=RecordFormat.PROMPT_COMPLETION)
    assert estimate_tokens({"prompt": "x" * 12, "completion": "y" * 7}, ctx) == {"input": 2, "output": 2}


def test_problem_names_the_field() -> None:
    spec, fmt = resolve_model(NOVA, None)
    bad = changed(CONV, lambda r: r["messages"][1].update(role="bot"))
    fields = [f for rule, _, f, _ in check_record(bad, CheckContext(fmt, spec)) if rule == "roles"]
    assert fields == ["messages[1].role"]


def test_bucket_owner_in_image_block_is_the_account(make_image) -> None:
    assert user_content(CONV_IMG)[1]["image"]["source"]["s3Location"]["bucketOwner"] == OWNER


@pytest.mark.parametrize("word", ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"])
def test_every_nova_reserved_word_is_found_wherever_it_stands_in_a_text(word: str) -> None:
    for prompt in (word, f"say {word} twice", f"ends with {word}"):
        assert findings(conversation(prompt=prompt)).get("reserved-words") == "error", prompt


def test_a_text_with_a_reserved_words_last_character_but_no_word_passes() -> None:
    assert "reserved-words" not in findings(conversation(prompt="a ratio 3:2, a <b> tag and [x]"))
