"""cleanup: finds what the tool made (ledger and tag), deletes nothing unconfirmed, deletes in a safe order, and says
what it could not delete and why. moto holds the models; the sandbox emulator the deployments and throughput."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bedrock_ft.lifecycle.cleanup import (
    CUSTOM_MODEL,
    S3_PREFIX,
    CleanupRequest,
    Inventory,
    Outcome,
    cleanup,
    list_resources,
)
from bedrock_ft.lifecycle.deploy import DEPLOYMENT, PROVISIONED, DeployRequest, deploy
from bedrock_ft.lifecycle.ledger import Ledger
from bedrock_ft.lifecycle.waiting import Backoff
from helpers.lifecycle_fixtures import EmulatedAccount, emulated_account, no_sleep

QUICK = Backoff(initial=0.0, maximum=0.0)


@pytest.fixture
def account() -> Iterator[EmulatedAccount]:
    with mock_aws():
        yield emulated_account()


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ledger.jsonl")


def serve(account: EmulatedAccount, ledger: Ledger | None, **settings: object) -> str:
    request = DeployRequest(account.job_arn, **settings)  # type: ignore[arg-type]
    return deploy(account.session, request, ledger=ledger, sleep=no_sleep, backoff=QUICK).arn


def kinds(inventory: Inventory) -> list[str]:
    return [r.kind for r in inventory.resources]


def yes(_inventory: Inventory, _planned: list[Outcome]) -> bool:
    return True


def test_it_lists_deployments_throughput_models_and_data_with_billing_facts(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    serve(account, ledger)
    serve(account, ledger, mode="provisioned", model_units=2)
    inventory = list_resources(account.session, ledger=ledger)
    assert kinds(inventory) == [DEPLOYMENT, PROVISIONED, CUSTOM_MODEL, S3_PREFIX, S3_PREFIX]
    throughput = inventory.resources[1].to_dict()
    assert (throughput["model_units"], throughput["found_by"]) == (2, ["ledger", "tag"])
    assert throughput["billing"] == "per model unit per hour, used or not"
    data = [r for r in inventory.resources if r.kind == S3_PREFIX]
    assert {r.arn.split("/", 3)[3] for r in data} == {"data/sample/d1/", "output/bedrock-ft-nova-lite-0123/"}
    assert all(r.objects and r.size_bytes for r in data)


def test_a_new_machine_without_a_ledger_finds_everything_by_tag(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger)
    inventory = list_resources(account.session, ledger=None)
    assert kinds(inventory)[:2] == [DEPLOYMENT, CUSTOM_MODEL]
    assert inventory.resources[0].found_by == ("tag",)


def test_what_others_made_is_not_listed() -> None:
    with mock_aws():
        untagged = emulated_account(tag=False)
        untagged.session.bedrock().create_custom_model_deployment(
            modelDeploymentName="theirs", modelArn=untagged.model_arn
        )
        assert list_resources(untagged.session, ledger=None).resources == []


def test_nothing_is_deleted_without_confirmation(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger)
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=lambda _i, _p: False)
    assert {o.action for o in result.outcomes} == {"kept"}
    assert "DeleteCustomModelDeployment" not in account.emulator.calls
    assert kinds(list_resources(account.session, ledger=ledger))[:2] == [DEPLOYMENT, CUSTOM_MODEL]


def test_what_serves_a_model_is_deleted_before_the_model(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger)
    serve(account, ledger, mode="provisioned")
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    deleted = [(o.resource.kind, o.action) for o in result.outcomes if o.action == "deleted"]
    assert deleted == [(DEPLOYMENT, "deleted"), (PROVISIONED, "deleted"), (CUSTOM_MODEL, "deleted")]
    calls = [c for c in account.emulator.calls if c.startswith("Delete")]
    assert calls == ["DeleteCustomModelDeployment", "DeleteProvisionedModelThroughput", "DeleteCustomModel"]
    assert result.ok and result.after is not None
    assert kinds(result.after) == [S3_PREFIX, S3_PREFIX]  # data is kept unless asked for, and still listed


def test_the_ledger_records_the_deletions(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger)
    cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    assert [e.kind for e in ledger.live()] == [S3_PREFIX, S3_PREFIX]


def test_keep_model_removes_only_what_serves_it(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger)
    result = cleanup(account.session, CleanupRequest(keep_model=True), ledger=ledger, confirm=yes)
    actions = {o.resource.kind: (o.action, o.reason) for o in result.outcomes}
    assert actions[DEPLOYMENT] == ("deleted", None)
    assert actions[CUSTOM_MODEL][0] == "kept" and "kept as asked" in str(actions[CUSTOM_MODEL][1])
    assert result.after is not None and CUSTOM_MODEL in kinds(result.after)


def test_a_commitment_that_has_not_ended_keeps_the_throughput_and_its_model_with_the_reason(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    serve(account, ledger, commitment="OneMonth", commitment_confirmed=True)
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    actions = {o.resource.kind: (o.action, o.reason or "") for o in result.outcomes}
    assert actions[PROVISIONED][0] == "kept" and "commitment ends" in actions[PROVISIONED][1]
    assert "cannot be deleted before then" in actions[PROVISIONED][1]
    assert actions[CUSTOM_MODEL] == (
        "kept",
        f"served by committed provisioned throughput {result.before.resources[0].name}",
    )
    assert not [c for c in account.emulator.calls if c.startswith("Delete")]


def test_a_commitment_that_has_ended_is_deleted(account: EmulatedAccount, ledger: Ledger) -> None:
    serve(account, ledger, commitment="OneMonth", commitment_confirmed=True)
    for served in account.emulator.served.values():
        served.commitment = None  # the term is over: the service deletes it now
    later = datetime.now(UTC) + timedelta(days=40)
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes, now=later)
    assert [o.action for o in result.outcomes if o.resource.kind in (PROVISIONED, CUSTOM_MODEL)] == [
        "deleted",
        "deleted",
    ]


def test_a_refused_deletion_is_reported_and_the_model_it_serves_is_kept(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    serve(account, ledger)
    denied = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed here"}}
    account.session.bedrock().meta.events.register_first(
        "before-call.bedrock.DeleteCustomModelDeployment", lambda **_: (AWSResponse("", 403, {}, None), denied)
    )
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    actions = {o.resource.kind: (o.action, o.reason or "") for o in result.outcomes}
    assert actions[DEPLOYMENT] == ("failed", "AccessDeniedException: not allowed here")
    assert actions[CUSTOM_MODEL][0] == "kept" and "could not be deleted" in actions[CUSTOM_MODEL][1]
    assert "DeleteCustomModel" not in account.emulator.calls
    assert not result.ok


def test_include_data_deletes_the_data_and_output_prefixes_last(account: EmulatedAccount, ledger: Ledger) -> None:
    result = cleanup(account.session, CleanupRequest(include_data=True), ledger=ledger, confirm=yes)
    assert [(o.resource.kind, o.action) for o in result.outcomes] == [
        (CUSTOM_MODEL, "deleted"),
        (S3_PREFIX, "deleted"),
        (S3_PREFIX, "deleted"),
    ]
    left = account.session.s3().list_objects_v2(Bucket=account.bucket, Prefix="output/").get("KeyCount")
    assert left == 0 and result.after is not None and result.after.resources == []


def test_with_nothing_to_do_it_asks_nothing(ledger: Ledger) -> None:
    with mock_aws():
        untagged = emulated_account(tag=False)
        asked: list[bool] = []
        result = cleanup(
            untagged.session, CleanupRequest(), ledger=ledger, confirm=lambda _i, _p: asked.append(True) or True
        )
        assert (asked, result.outcomes, result.ok) == ([], [], True)


def test_given_the_outputs_it_lists_the_evaluation_files_under_the_output_prefix(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    from bedrock_ft.core.tf_outputs import parse_outputs, to_terraform_json

    outputs = parse_outputs(to_terraform_json(account.values), "test outputs")
    key = f"{outputs.output_prefix}/evaluate/run1/judge/tuned/dataset.jsonl"
    account.session.s3().put_object(Bucket=account.bucket, Key=key, Body=b"{}\n")
    inventory = list_resources(account.session, ledger=ledger, outputs=outputs)
    [evaluation] = [r for r in inventory.resources if r.arn.endswith("/evaluate/")]
    assert (evaluation.kind, evaluation.found_by, evaluation.objects) == (S3_PREFIX, ("outputs",), 1)
    assert not [r for r in list_resources(account.session, ledger=ledger).resources if r.arn.endswith("/evaluate/")]


def test_ctrl_c_while_deleting_says_what_is_gone_and_what_keeps_billing(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    from bedrock_ft.core.errors import Interrupted

    serve(account, ledger)
    serve(account, ledger, mode="provisioned")

    def interrupt(**_: object) -> None:
        raise KeyboardInterrupt

    account.session.bedrock().meta.events.register_first(
        "before-call.bedrock.DeleteProvisionedModelThroughput", interrupt
    )
    with pytest.raises(Interrupted) as stopped:
        cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    message = str(stopped.value)
    assert stopped.value.exit_code == 130
    assert "already deleted: " in message and "keeps billing" in message and "cleanup" in message


def test_a_running_batch_job_is_stopped_after_the_deployments_and_before_the_model(
    account: EmulatedAccount, ledger: Ledger
) -> None:
    from bedrock_ft.lifecycle.cleanup import BATCH_JOB

    serve(account, ledger)
    arn = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefabcdef"
    account.emulator.batch_jobs[arn] = {
        "jobArn": arn,
        "jobName": "bedrock-ft-batch-1",
        "modelId": account.model_arn,
        "roleArn": account.values["role_arn"],
        "status": "InProgress",
        "submitTime": datetime.now(UTC),
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": f"s3://{account.bucket}/in.jsonl"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://{account.bucket}/out/"}},
    }
    account.emulator.tags[arn] = [{"key": "created-by", "value": "bedrock-ft"}]
    result = cleanup(account.session, CleanupRequest(), ledger=ledger, confirm=yes)
    acted = [(o.resource.kind, o.action) for o in result.outcomes if o.action != "kept"]
    assert acted == [(DEPLOYMENT, "deleted"), (BATCH_JOB, "stopped"), (CUSTOM_MODEL, "deleted")]
    assert account.emulator.batch_jobs[arn]["status"] == "Stopped"
