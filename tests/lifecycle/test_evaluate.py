"""`evaluate`: records to requests, concurrent cached calls, resume, scores, gates and the report folder.

Converse is answered by botocore event hooks (helpers.converse_fakes), so every request is validated against the
bedrock-runtime service model and no call leaves the process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from bedrock_ft.core.errors import AwsError, InputError, UsageError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.evaluation import (
    CACHE_FILE,
    AdaptiveLimit,
    EvaluateRequest,
    EvaluationInterrupted,
    base_inference_profile,
    load_records,
    parse_fail_under,
    record_to_eval,
    run_evaluation,
)
from bedrock_ft.lifecycle.metrics import JobMetrics, LossPoint
from helpers.converse_fakes import FakeConverse, Refusal

TUNED = "arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123"
BASE = "amazon.nova-lite-v1:0:300k"
BASE_PROFILE = "us.amazon.nova-lite-v1:0"
LABELS = ["spam", "ham", "spam", "ham", "spam", "ham"]


def conversation(prompt: str, answer: str, system: str | None = "Classify the message.") -> dict[str, Any]:
    record: dict[str, Any] = {"schemaVersion": "bedrock-conversation-2024"}
    if system:
        record["system"] = [{"text": system}]
    record["messages"] = [
        {"role": "user", "content": [{"text": prompt}]},
        {"role": "assistant", "content": [{"text": answer}]},
    ]
    return record


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def index_of(params: dict[str, Any]) -> int:
    return int(params["messages"][0]["content"][0]["text"].split()[-1])


def tuned_right_but_one(params: dict[str, Any]) -> str:
    """Tuned: right except on message 3. Base: always "spam"."""
    if params["modelId"] == BASE_PROFILE:
        return "spam"
    i = index_of(params)
    return "spam" if i == 3 else LABELS[i]


@pytest.fixture
def session() -> Iterator[AwsSession]:
    with mock_aws():
        yield make_session("us-east-1")


@pytest.fixture
def records(tmp_path: Path) -> Path:
    return write_records(
        tmp_path / "validation.jsonl", [conversation(f"message {i}", label) for i, label in enumerate(LABELS)]
    )


def request_for(records: Path, tmp_path: Path, **changes: Any) -> EvaluateRequest:
    values: dict[str, Any] = {
        "tuned_model": TUNED,
        "base_model": BASE,
        "records": records,
        "report_dir": tmp_path / "report",
        "task": "classification",
        "concurrency": 1,
    }
    values.update(changes)
    return EvaluateRequest(**values)


# ---------------------------------------------------------------------------------------------------- records


def test_conversation_record_gives_its_turns_before_the_answer_and_the_answer_as_reference() -> None:
    record = record_to_eval(conversation("hello 0", "spam"), 1, "f")
    assert record.system == ({"text": "Classify the message."},)
    assert record.messages == ({"role": "user", "content": [{"text": "hello 0"}]},)
    assert record.reference == "spam"


def test_image_blocks_of_a_record_are_kept_for_converse() -> None:
    image = {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/i.png", "bucketOwner": "1" * 12}}}}
    value = conversation("look 0", "a cat")
    value["messages"][0]["content"].append(image)
    assert record_to_eval(value, 1, "f").messages[0]["content"][1] == image


def test_prompt_completion_and_claude_records_are_read() -> None:
    plain = record_to_eval({"prompt": "p", "completion": "c"}, 1, "f")
    claude = record_to_eval(
        {"system": "s", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}, 2, "f"
    )
    assert (plain.messages[0]["content"], plain.reference) == ([{"text": "p"}], "c")
    assert (claude.system, claude.messages[0]["content"], claude.reference) == (({"text": "s"},), [{"text": "q"}], "a")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([], "JSON object"),
        ({"messages": []}, "no messages"),
        ({"messages": [{"role": "user", "content": "q"}]}, "not the assistant"),
        ({"messages": [{"role": "assistant", "content": "a"}]}, "follows no user"),
        ({"messages": [{"role": "tool", "content": "q"}]}, "no role"),
        (
            {"messages": [{"role": "user", "content": [{"toolUse": {}}]}, {"role": "assistant", "content": "a"}]},
            "block",
        ),
        ({"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]}, "neither"),
        ({"prompt": 1, "completion": "c"}, "strings"),
        (
            {"system": 3, "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
            "system",
        ),
    ],
)
def test_records_without_a_usable_request_and_reference_are_input_errors(value: Any, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        record_to_eval(value, 7, "held.jsonl")


def test_bad_json_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(conversation("m 0", "a")) + "\n\n{broken\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        load_records(path)


def test_missing_empty_and_non_regular_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no records file"):
        load_records(tmp_path / "absent.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no records"):
        load_records(tmp_path / "empty.jsonl")
    with pytest.raises(InputError, match="refused"):
        load_records(tmp_path)


def test_max_records_reads_only_the_first_records(records: Path) -> None:
    assert [r.line for r in load_records(records, 2)] == [1, 2]


@pytest.mark.parametrize(
    ("model", "region", "expected"),
    [
        ("amazon.nova-lite-v1:0", "us-east-1", "us.amazon.nova-lite-v1:0"),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k", "us-east-1", BASE_PROFILE),
        ("meta.llama3-3-70b-instruct-v1:0", "us-west-2", "us.meta.llama3-3-70b-instruct-v1:0"),
        ("amazon.nova-micro-v1:0", "eu-west-1", "eu.amazon.nova-micro-v1:0"),
        ("amazon.nova-pro-v1:0", "ap-northeast-1", "apac.amazon.nova-pro-v1:0"),
        ("us.amazon.nova-lite-v1:0", "us-east-1", "us.amazon.nova-lite-v1:0"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/x1",
            "us-east-1",
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/x1",
        ),
        ("amazon.nova-lite-v1:0", None, "amazon.nova-lite-v1:0"),
    ],
)
def test_base_models_are_called_through_their_inference_profile(model: str, region: str | None, expected: str) -> None:
    assert base_inference_profile(model, region) == expected


# ---------------------------------------------------------------------------------------------------- calls


def test_each_request_carries_the_model_the_turns_the_system_and_the_inference_settings(
    session: AwsSession, records: Path, tmp_path: Path
) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(
        session, None, request_for(records, tmp_path, max_records=1, max_tokens=64, temperature=0.2, top_p=0.9)
    )
    tuned, base = sorted(fake.requests, key=lambda r: r["modelId"] != TUNED)
    assert tuned["modelId"] == TUNED
    assert base["modelId"] == BASE_PROFILE
    for sent in (tuned, base):
        assert sent["messages"] == [{"role": "user", "content": [{"text": "message 0"}]}]
        assert sent["system"] == [{"text": "Classify the message."}]
        assert sent["inferenceConfig"] == {"maxTokens": 64, "temperature": 0.2, "topP": 0.9}
        assert set(sent) == {"modelId", "messages", "system", "inferenceConfig"}


def test_a_record_without_system_sends_no_system(session: AwsSession, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r.jsonl", [conversation("message 0", "spam", system=None)])
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(session, None, request_for(path, tmp_path, base_model=None))
    assert "system" not in fake.requests[0]
    assert "topP" not in fake.requests[0]["inferenceConfig"]


def test_scores_compare_tuned_and_base(session: AwsSession, records: Path, tmp_path: Path) -> None:
    FakeConverse(session, tuned_right_but_one)
    report = run_evaluation(session, None, request_for(records, tmp_path))
    assert report.tuned.scores.values["accuracy"] == pytest.approx(5 / 6)
    assert report.base is not None and report.base.scores.values["accuracy"] == 0.5
    assert report.difference is not None
    assert report.difference.tuned_minus_base == pytest.approx(1 / 3)
    assert report.difference.ci_low <= 1 / 3 <= report.difference.ci_high
    assert [e.line for e in report.worst] == [4]


def test_without_a_base_model_there_is_no_comparison(session: AwsSession, records: Path, tmp_path: Path) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    report = run_evaluation(session, None, request_for(records, tmp_path, base_model=None))
    assert report.base is None and report.difference is None
    assert fake.calls_to(BASE_PROFILE) == 0
    assert report.to_dict()["models"]["base"] is None


def test_a_rerun_makes_no_calls(session: AwsSession, records: Path, tmp_path: Path) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    first = run_evaluation(session, None, request_for(records, tmp_path, concurrency=4))
    assert len(fake.requests) == 12
    second = run_evaluation(session, None, request_for(records, tmp_path, concurrency=4))
    assert len(fake.requests) == 12
    assert (second.tuned.calls, second.tuned.cached) == (0, 6)
    assert second.tuned.scores.values == first.tuned.scores.values


def test_an_interrupted_run_continues_with_the_answers_it_lacks(
    session: AwsSession, records: Path, tmp_path: Path
) -> None:
    answered = 0

    def stops_after_four(params: dict[str, Any]) -> str | BaseException:
        nonlocal answered
        answered += 1
        return KeyboardInterrupt() if answered == 5 else tuned_right_but_one(params)

    fake = FakeConverse(session, stops_after_four)
    with pytest.raises(EvaluationInterrupted, match="4 answers cached") as caught:
        run_evaluation(session, None, request_for(records, tmp_path))
    assert caught.value.exit_code == 130
    assert "again to continue" in str(caught.value)
    fake.answer = tuned_right_but_one
    report = run_evaluation(session, None, request_for(records, tmp_path))
    assert len(fake.requests) == 5 + 8
    assert report.tuned.cached + report.base.cached == 4  # type: ignore[union-attr]


def test_a_refused_call_stops_the_run_and_keeps_the_answers_so_far(
    session: AwsSession, records: Path, tmp_path: Path
) -> None:
    def refuses_base(params: dict[str, Any]) -> str | Refusal:
        if params["modelId"] == BASE_PROFILE:
            return Refusal("AccessDeniedException", "not allowed")
        return tuned_right_but_one(params)

    FakeConverse(session, refuses_base)
    with pytest.raises(AwsError, match="AccessDeniedException: not allowed") as caught:
        run_evaluation(session, None, request_for(records, tmp_path))
    assert caught.value.hint and "inference profile" in caught.value.hint
    cached = (tmp_path / "report" / CACHE_FILE).read_text(encoding="utf-8").splitlines()
    assert len(cached) == 6
    assert not (tmp_path / "report" / "report.json").exists()


def test_throttling_is_retried_with_backoff(session: AwsSession, records: Path, tmp_path: Path) -> None:
    throttles = 3

    def throttled_at_first(params: dict[str, Any]) -> str | Refusal:
        nonlocal throttles
        if throttles:
            throttles -= 1
            return Refusal("ThrottlingException", "slow down")
        return tuned_right_but_one(params)

    slept: list[float] = []
    fake = FakeConverse(session, throttled_at_first)
    report = run_evaluation(session, None, request_for(records, tmp_path), sleep=slept.append)
    assert len(fake.requests) == 15
    assert len(slept) == 3
    assert all(0 <= s <= 30 for s in slept)
    assert report.tuned.calls == 6


def test_a_call_throttled_every_time_gives_up_with_a_hint(session: AwsSession, records: Path, tmp_path: Path) -> None:
    FakeConverse(session, lambda params: Refusal("ThrottlingException"))
    with pytest.raises(AwsError, match="after 8 attempts") as caught:
        run_evaluation(session, None, request_for(records, tmp_path), sleep=lambda s: None)
    assert caught.value.hint and "concurrency" in caught.value.hint


def test_throttling_halves_the_calls_in_flight_and_successes_raise_it_again() -> None:
    limit = AdaptiveLimit(8, recover_after=2)
    limit.acquire()
    limit.release(throttled=True)
    assert limit.limit == 4
    for _ in range(3):
        limit.acquire()
        limit.release(throttled=True)
    assert limit.limit == 1
    for _ in range(4):
        limit.acquire()
        limit.release(throttled=False)
    assert limit.limit == 3
    assert limit.in_flight == 0


def test_a_damaged_last_cache_line_is_asked_again(session: AwsSession, records: Path, tmp_path: Path) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(session, None, request_for(records, tmp_path))
    cache = tmp_path / "report" / CACHE_FILE
    lines = cache.read_text(encoding="utf-8").splitlines()
    cache.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20], encoding="utf-8")
    report = run_evaluation(session, None, request_for(records, tmp_path))
    assert len(fake.requests) == 13
    assert any("damaged" in note for note in report.notes)
    kept = cache.read_text(encoding="utf-8").splitlines()
    assert kept[-2] == lines[-1][:20]  # the damaged line ended, the new answer on a line of its own
    assert json.loads(kept[-1])["key"] == json.loads(lines[-1])["key"]


def test_changing_a_setting_asks_again(session: AwsSession, records: Path, tmp_path: Path) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(session, None, request_for(records, tmp_path, max_records=2))
    run_evaluation(session, None, request_for(records, tmp_path, max_records=2, max_tokens=99))
    assert len(fake.requests) == 8


# ---------------------------------------------------------------------------------------------------- gates


def test_a_missed_fail_under_gate_makes_the_report_not_ok(session: AwsSession, records: Path, tmp_path: Path) -> None:
    FakeConverse(session, tuned_right_but_one)
    report = run_evaluation(
        session, None, request_for(records, tmp_path, fail_under=(("accuracy", 0.9), ("macro_f1", 0.5)))
    )
    assert [(g.metric, g.state) for g in report.gates] == [("accuracy", "fail"), ("macro_f1", "pass")]
    assert report.ok is False


def test_a_met_gate_keeps_the_report_ok(session: AwsSession, records: Path, tmp_path: Path) -> None:
    FakeConverse(session, tuned_right_but_one)
    report = run_evaluation(session, None, request_for(records, tmp_path, fail_under=(("accuracy", 0.8),)))
    assert report.ok is True


def test_fail_under_values_are_parsed_and_checked_against_the_task() -> None:
    assert parse_fail_under(["accuracy=0.8", " macro_f1 = 0.5"], "classification") == (
        ("accuracy", 0.8),
        ("macro_f1", 0.5),
    )
    for bad in (["accuracy"], ["accuracy=high"], ["accuracy=nan"], ["rouge_l=0.3"]):
        with pytest.raises(UsageError):
            parse_fail_under(bad, "classification")


@pytest.mark.parametrize(
    "changes",
    [
        {"task": "ranking"},
        {"concurrency": 0},
        {"max_records": 0},
        {"temperature": 1.5},
        {"top_p": -0.1},
        {"json_path": "a.b"},
        {"label_pattern": "("},
        {"tuned_model": " "},
        {"fail_under": (("rouge_l", 0.2),)},
        {"bootstrap_samples": 0},
        {"worst_examples": -1},
        {"max_tokens": 0},
    ],
)
def test_bad_requests_are_refused_before_any_call(
    session: AwsSession, records: Path, tmp_path: Path, changes: dict[str, Any]
) -> None:
    fake = FakeConverse(session, tuned_right_but_one)
    with pytest.raises(UsageError):
        run_evaluation(session, None, request_for(records, tmp_path, **changes))
    assert fake.requests == []


def test_judge_and_batch_need_the_terraform_outputs(session: AwsSession, records: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Terraform outputs"):
        run_evaluation(session, None, request_for(records, tmp_path, judge_model="amazon.nova-pro-v1:0"))


# ---------------------------------------------------------------------------------------------------- report


def test_report_folder_holds_json_markdown_and_figures(session: AwsSession, records: Path, tmp_path: Path) -> None:
    FakeConverse(session, tuned_right_but_one)
    metrics = JobMetrics("job", "arn:job", "Completed", None, training=(LossPoint(1, 0, 2.0), LossPoint(2, 1, 1.0)))
    report = run_evaluation(session, None, request_for(records, tmp_path, metrics=metrics))
    folder = tmp_path / "report"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            CACHE_FILE,
            "report.json",
            "report.md",
            "scores.png",
            "confusion_tuned.png",
            "confusion_base.png",
            "per_class.png",
            "loss_curves.png",
        ]
    )
    for name in names:
        if name.endswith(".png"):
            assert (folder / name).read_bytes()[:4] == b"\x89PNG"
    document = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert document == json.loads(json.dumps(report.to_dict()))
    assert document["models"]["tuned"]["details"]["confusion_matrix"] == [[2, 1], [0, 3]]
    assert document["training_metrics"]["job_name"] == "job"
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert "| accuracy | 0.833 | 0.500 | 0.333 |" in markdown
    assert "| 4 | message 3 | ham | spam (0.00) | spam (0.00) |" in markdown
    assert "![confusion_tuned.png](confusion_tuned.png)" in markdown


def test_answers_with_pipes_and_newlines_keep_the_markdown_table_whole(session: AwsSession, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r.jsonl", [conversation("message 0", "a|b")])
    FakeConverse(session, lambda params: "x\n| y")
    run_evaluation(session, None, request_for(path, tmp_path, task="generation"))
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert "x<br>\\| y" in row and "a\\|b" in row


def test_extraction_reports_fields(session: AwsSession, tmp_path: Path) -> None:
    path = write_records(
        tmp_path / "r.jsonl",
        [
            conversation(f"doc {i}", json.dumps({"name": n, "age": a}))
            for i, (n, a) in enumerate([("Ann", 3), ("Bo", 5)])
        ],
    )

    def extractor(params: dict[str, Any]) -> str:
        return '```json\n{"name": "Ann", "age": 3}\n```' if params["modelId"] == TUNED else "no idea"

    FakeConverse(session, extractor)
    report = run_evaluation(session, None, request_for(path, tmp_path, task="extraction"))
    assert report.tuned.scores.values == {"exact_match": 0.5, "json_validity": 1.0, "field_f1": 0.5}
    assert report.base is not None and report.base.scores.values["json_validity"] == 0.0
    assert (tmp_path / "report" / "per_field.png").exists()


def test_generation_reports_rouge_and_token_f1(session: AwsSession, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r.jsonl", [conversation("text 0", "the cat sat on the mat")])
    FakeConverse(session, lambda params: "the cat on the mat" if params["modelId"] == TUNED else "dogs")
    report = run_evaluation(session, None, request_for(path, tmp_path, task="generation"))
    assert report.tuned.scores.values["rouge_l"] == pytest.approx(10 / 11)
    assert report.base is not None and report.base.scores.values["rouge_l"] == 0.0


# ---------------------------------------------------------------------------------------------------- images


def image_dataset(tmp_path: Path, relative: str, data: bytes | None = b"\x89PNG fake") -> Path:
    """generate's folder with one record whose image lies at ``relative`` (manifest key data/img/<relative>)."""
    folder = tmp_path / "out"
    folder.mkdir(exist_ok=True)
    if data is not None:
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / "0.png").write_bytes(data)
    manifest = {
        "tool": "bedrock-ft",
        "base_model": BASE,
        "bucket": "bkt",
        "files": {relative: {"key": f"data/img/{relative}"}, "validation.jsonl": {"key": "data/x/validation.jsonl"}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    value = conversation("message 0", "spam")
    value["messages"][0]["content"].append(
        {
            "image": {
                "format": "png",
                "source": {"s3Location": {"uri": f"s3://bkt/data/img/{relative}", "bucketOwner": "1" * 12}},
            }
        }
    )
    write_records(folder / "validation.jsonl", [value])
    return folder


def test_images_the_dataset_folder_holds_are_sent_as_bytes(session: AwsSession, tmp_path: Path) -> None:
    folder = image_dataset(tmp_path, "images/0.png")
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(
        session, None, request_for(folder / "validation.jsonl", tmp_path, base_model=None, dataset_dir=folder)
    )
    assert fake.requests[0]["messages"][0]["content"][1] == {
        "image": {"format": "png", "source": {"bytes": b"\x89PNG fake"}}
    }


def test_an_image_missing_from_the_folder_keeps_its_s3_location(session: AwsSession, tmp_path: Path) -> None:
    folder = image_dataset(tmp_path, "images/0.png", data=None)
    fake = FakeConverse(session, tuned_right_but_one)
    run_evaluation(
        session, None, request_for(folder / "validation.jsonl", tmp_path, base_model=None, dataset_dir=folder)
    )
    assert "s3Location" in fake.requests[0]["messages"][0]["content"][1]["image"]["source"]


def test_a_manifest_path_leading_out_of_the_folder_is_refused(session: AwsSession, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"secret")
    folder = image_dataset(tmp_path, "../secret.png")
    fake = FakeConverse(session, tuned_right_but_one)
    with pytest.raises(InputError, match="outside"):
        run_evaluation(
            session, None, request_for(folder / "validation.jsonl", tmp_path, base_model=None, dataset_dir=folder)
        )
    assert fake.requests == []


def test_the_cache_key_changes_with_the_image_bytes(session: AwsSession, tmp_path: Path) -> None:
    folder = image_dataset(tmp_path, "images/0.png")
    fake = FakeConverse(session, tuned_right_but_one)
    request = request_for(folder / "validation.jsonl", tmp_path, base_model=None, dataset_dir=folder)
    run_evaluation(session, None, request)
    (folder / "images" / "0.png").write_bytes(b"\x89PNG other")
    run_evaluation(session, None, request)
    assert len(fake.requests) == 2


def test_hundreds_of_classes_still_give_readable_figures(session: AwsSession, tmp_path: Path) -> None:
    path = write_records(tmp_path / "r.jsonl", [conversation(f"message {i}", f"class{i}") for i in range(300)])
    FakeConverse(session, lambda params: "class" + params["messages"][0]["content"][0]["text"].split()[-1])
    report = run_evaluation(session, None, request_for(path, tmp_path, base_model=None, concurrency=8))
    assert report.tuned.scores.values["accuracy"] == 1.0
    for name in ("per_class.png", "confusion_tuned.png"):
        assert (tmp_path / "report" / name).stat().st_size < 2_000_000
