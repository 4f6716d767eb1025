"""invoke: the Converse request field by field (Stubber), the target, record replay confined to the dataset folder,
streaming, the comparison with the base model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from bedrock_ft.core.errors import AwsError, InputError, UsageError
from bedrock_ft.job.session import AwsSession, make_session
from bedrock_ft.lifecycle.invoke import InvokeRequest, build_request, invoke, resolve_target
from helpers.lifecycle_fixtures import DEPLOYMENT_ARN, MODEL_ARN, custom_model, deployment

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32


@pytest.fixture
def session() -> AwsSession:
    return make_session("us-east-1")


@pytest.fixture
def stubs(session: AwsSession) -> Iterator[tuple[Stubber, Stubber]]:
    with Stubber(session.bedrock()) as bedrock, Stubber(session.client("bedrock-runtime")) as runtime:
        yield bedrock, runtime
        bedrock.assert_no_pending_responses()
        runtime.assert_no_pending_responses()


def converse_answer(text: str, *, emulated: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15},
        "metrics": {"latencyMs": 321},
    }
    if emulated:
        answer["additionalModelResponseFields"] = {"emulated": True}
    return answer


def expect_deployment(bedrock: Stubber) -> None:
    bedrock.add_response(
        "get_custom_model_deployment", deployment("Active"), {"customModelDeploymentIdentifier": DEPLOYMENT_ARN}
    )
    bedrock.add_response("get_custom_model", custom_model(), {"modelIdentifier": MODEL_ARN})


def test_the_converse_request_field_by_field(
    session: AwsSession, stubs: tuple[Stubber, Stubber], tmp_path: Path
) -> None:
    bedrock, runtime = stubs
    image = tmp_path / "page.png"
    image.write_bytes(PNG)
    expect_deployment(bedrock)
    runtime.add_response(
        "converse",
        converse_answer("The button has no label."),
        {
            "modelId": DEPLOYMENT_ARN,
            "system": [{"text": "You review pages."}],
            "messages": [
                {
                    "role": "user",
                    "content": [{"image": {"format": "png", "source": {"bytes": PNG}}}, {"text": "Review it"}],
                }
            ],
            "inferenceConfig": {"maxTokens": 200, "temperature": 0.2, "topP": 0.9},
        },
    )
    request = InvokeRequest(
        DEPLOYMENT_ARN,
        prompt="Review it",
        system="You review pages.",
        images=(image,),
        max_tokens=200,
        temperature=0.2,
        top_p=0.9,
    )
    result = invoke(session, request, clock=iter([10.0, 10.5]).__next__)
    [answer] = result.answers
    assert (answer.text, answer.input_tokens, answer.output_tokens) == ("The button has no label.", 12, 3)
    assert (answer.latency_seconds, answer.service_latency_ms, answer.emulated) == (0.5, 321, False)
    assert answer.to_dict()["service_latency_seconds"] == 0.321


def test_compare_base_sends_the_same_to_the_base_models_inference_profile(
    session: AwsSession, stubs: tuple[Stubber, Stubber]
) -> None:
    bedrock, runtime = stubs
    expect_deployment(bedrock)
    messages = [{"role": "user", "content": [{"text": "hi"}]}]
    runtime.add_response(
        "converse", converse_answer("tuned", emulated=True), {"modelId": DEPLOYMENT_ARN, "messages": messages}
    )
    runtime.add_response(
        "converse",
        converse_answer("base", emulated=True),
        {"modelId": "us.amazon.nova-lite-v1:0", "messages": messages},
    )
    result = invoke(session, InvokeRequest(DEPLOYMENT_ARN, prompt="hi", compare_base=True))
    assert [(a.role, a.text, a.emulated) for a in result.answers] == [("target", "tuned", True), ("base", "base", True)]
    assert result.to_dict()["base_model_id"] == "us.amazon.nova-lite-v1:0"


def test_a_base_model_id_is_invoked_through_its_inference_profile(session: AwsSession) -> None:
    target = resolve_target(session, "amazon.nova-lite-v1:0:300k", ledger=None)
    assert (target.model_id, target.base_model_id) == ("us.amazon.nova-lite-v1:0", None)


def test_compare_base_of_a_base_model_is_a_usage_error(session: AwsSession) -> None:
    with pytest.raises(UsageError, match="is a base model"):
        invoke(session, InvokeRequest("us.amazon.nova-lite-v1:0", prompt="hi", compare_base=True))


def test_streaming_assembles_the_pieces_and_hears_each(session: AwsSession) -> None:
    runtime = session.client("bedrock-runtime")
    events = [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"delta": {"text": "The button "}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "has no label."}, "contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn", "additionalModelResponseFields": {"emulated": True}}},
        {"metadata": {"usage": {"inputTokens": 5, "outputTokens": 4, "totalTokens": 9}, "metrics": {"latencyMs": 7}}},
    ]
    seen: list[dict[str, Any]] = []

    def answer(params: dict[str, Any], **_: Any) -> None:
        seen.append(params)

    runtime.meta.events.register("before-parameter-build.bedrock-runtime.ConverseStream", answer)
    from botocore.awsrequest import AWSResponse

    runtime.meta.events.register(
        "before-call.bedrock-runtime.ConverseStream", lambda **_: (AWSResponse("", 200, {}, None), {"stream": events})
    )
    heard: list[tuple[str, str]] = []
    result = invoke(
        session,
        InvokeRequest("us.amazon.nova-lite-v1:0", prompt="hi", stream=True),
        on_text=lambda r, p: heard.append((r, p)),
    )
    assert result.answers[0].text == "The button has no label."
    assert heard == [("target", "The button "), ("target", "has no label.")]
    assert (result.answers[0].output_tokens, result.answers[0].stop_reason, result.answers[0].emulated) == (
        4,
        "end_turn",
        True,
    )
    assert seen[0]["modelId"] == "us.amazon.nova-lite-v1:0"


def test_a_refused_call_is_an_aws_error_with_the_inference_profile_hint(
    session: AwsSession, stubs: tuple[Stubber, Stubber]
) -> None:
    _bedrock, runtime = stubs
    runtime.add_client_error("converse", "ValidationException", "on-demand throughput isn't supported")
    with pytest.raises(AwsError, match="isn't supported") as refused:
        invoke(session, InvokeRequest("amazon.nova-lite-v1:0", prompt="hi"))
    assert "inference profile" in str(refused.value)


# -- record replay ---------------------------------------------------------------------------------------------
def write_dataset(folder: Path, records: list[dict[str, Any]], *, manifest_keys: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    (folder / "images" / "a.png").write_bytes(PNG)
    (folder / "images" / "b.jpg").write_bytes(JPEG)
    path = folder / "validation.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    if manifest_keys is not None:
        files = {rel: {"key": key} for rel, key in manifest_keys.items()}
        (folder / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return path


def image_block(uri: str) -> dict[str, Any]:
    return {"image": {"format": "png", "source": {"s3Location": {"uri": uri, "bucketOwner": "123456789012"}}}}


def record(*content: dict[str, Any], answer: str = "No label.") -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You review pages."}],
        "messages": [
            {"role": "user", "content": list(content)},
            {"role": "assistant", "content": [{"text": answer}]},
        ],
    }


def test_a_record_replays_its_system_prompt_messages_and_images_from_the_dataset_folder(tmp_path: Path) -> None:
    path = write_dataset(
        tmp_path / "out",
        [record({"text": "first"}), record({"text": "Review"}, image_block("s3://b/data/img/a.png"), answer="Ref")],
        manifest_keys={"images/a.png": "data/img/a.png"},
    )
    system, messages, inference, reference = build_request(InvokeRequest("t", record=f"{path}:2"))
    assert system == [{"text": "You review pages."}] and inference == {}
    assert messages == [
        {"role": "user", "content": [{"text": "Review"}, {"image": {"format": "png", "source": {"bytes": PNG}}}]}
    ]
    assert reference == "Ref"


def test_without_a_manifest_the_images_folder_of_the_key_is_used(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "out", [record(image_block("s3://b/data/sample/images/b.jpg"))])
    _system, messages, _inference, _reference = build_request(InvokeRequest("t", record=f"{path}:1"))
    assert messages[0]["content"][0] == {"image": {"format": "jpeg", "source": {"bytes": JPEG}}}


def test_a_manifest_pointing_outside_the_dataset_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    path = write_dataset(
        tmp_path / "out", [record(image_block("s3://b/k/x.png"))], manifest_keys={"../secret.png": "k/x.png"}
    )
    with pytest.raises(InputError, match="outside"):
        build_request(InvokeRequest("t", record=f"{path}:1"))


def test_a_symlink_out_of_the_dataset_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    path = write_dataset(tmp_path / "out", [record(image_block("s3://b/data/images/link.png"))])
    (tmp_path / "out" / "images" / "link.png").symlink_to(tmp_path / "secret.png")
    with pytest.raises(InputError, match="outside"):
        build_request(InvokeRequest("t", record=f"{path}:1"))


@pytest.mark.parametrize(
    ("ref", "error", "message"),
    [
        ("no-line-number", UsageError, "FILE:LINE"),
        ("x.jsonl:0", UsageError, "FILE:LINE"),
        ("missing.jsonl:1", InputError, "does not exist"),
        ("{path}:9", InputError, "has no line 9"),
        ("{folder}:1", InputError, "not a regular file"),
    ],
)
def test_bad_record_references_are_clear_errors(tmp_path: Path, ref: str, error: type[Exception], message: str) -> None:
    path = write_dataset(tmp_path / "out", [record({"text": "q"})])
    with pytest.raises(error, match=message):
        build_request(InvokeRequest("t", record=ref.format(path=path, folder=tmp_path / "out")))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{broken", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"messages": []}', "has no messages"),
        (b'{"messages": [{"role": "robot", "content": "x"}]}', "role user or assistant"),
        (b'{"messages": [{"role": "assistant", "content": "x"}]}', "no user turn"),
        (b'{"messages": [{"role": "user", "content": [{"image": {"source": {}}}]}]}', "no s3Location"),
    ],
)
def test_malformed_records_are_input_errors(tmp_path: Path, line: bytes, message: str) -> None:
    path = tmp_path / "v.jsonl"
    path.write_bytes(line + b"\n")
    with pytest.raises(InputError, match=message):
        build_request(InvokeRequest("t", record=f"{path}:1"))


def test_a_prompt_completion_record_replays_as_one_user_turn(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps({"prompt": "2+2?", "completion": "4"}) + "\n", encoding="utf-8")
    system, messages, _inference, reference = build_request(InvokeRequest("t", record=f"{path}:1"))
    assert (system, messages, reference) == ([], [{"role": "user", "content": [{"text": "2+2?"}]}], "4")


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "page.png"
    fake.write_bytes(b"<html>not an image</html>")
    with pytest.raises(InputError, match="not a PNG, JPEG, GIF or WebP"):
        build_request(InvokeRequest("t", prompt="x", images=(fake,)))


def test_nothing_to_send_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nothing to send"):
        build_request(InvokeRequest("t"))


def test_an_image_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "page.png"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        build_request(InvokeRequest("t", prompt="x", images=(fifo,)))


def test_an_image_over_10_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    large = tmp_path / "page.png"
    with large.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    with pytest.raises(InputError, match="the limit is"):
        build_request(InvokeRequest("t", prompt="x", images=(large,)))


def test_a_missing_image_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        build_request(InvokeRequest("t", prompt="x", images=(tmp_path / "none.png",)))
