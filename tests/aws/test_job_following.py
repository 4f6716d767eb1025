"""status / wait / stop / list against moto's bedrock, with the job's status set in moto's backend."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import JobFailed
from bedrock_ft.job.jobs import get_job, list_tool_jobs, stop_job, wait_for_job
from bedrock_ft.job.requests import SubmitRequest
from bedrock_ft.job.submit import submit_job
from helpers.aws_fixtures import MODEL, Account, set_status


def submitted(account: Account) -> str:
    job = SubmitRequest(base_model=MODEL, training_data=account.training_uri, skip_preflight=True)
    return str(submit_job(account.session, account.outputs, job).job_arn)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_an_arn_is_resolved_to_the_job_name(account: Account) -> None:
    arn = submitted(account)
    assert get_job(account.client("bedrock"), arn).arn == arn


def test_wait_returns_when_the_job_completes(account: Account) -> None:
    arn = submitted(account)
    set_status(arn, "Completed")
    assert wait_for_job(account.client("bedrock"), arn).status == "Completed"


def test_wait_raises_with_the_failure_message_when_the_job_fails(account: Account) -> None:
    arn = submitted(account)
    set_status(arn, "Failed", "Could not validate GetObject permissions")
    with pytest.raises(JobFailed, match="Could not validate GetObject permissions"):
        wait_for_job(account.client("bedrock"), arn)


def test_wait_raises_when_the_job_is_stopped(account: Account) -> None:
    arn = submitted(account)
    set_status(arn, "Stopped", "stopped by the user")
    with pytest.raises(JobFailed, match="Stopped"):
        wait_for_job(account.client("bedrock"), arn)


def test_wait_gives_up_at_the_timeout(account: Account) -> None:
    arn = submitted(account)
    clock = FakeClock()
    with pytest.raises(JobFailed, match="still InProgress"):
        wait_for_job(account.client("bedrock"), arn, timeout=100, initial_delay=10, sleep=clock.sleep, clock=clock)
    assert clock.now == 100


def test_wait_backs_off_exponentially_up_to_a_cap(account: Account) -> None:
    arn = submitted(account)
    clock = FakeClock()
    with pytest.raises(JobFailed):
        wait_for_job(
            account.client("bedrock"),
            arn,
            timeout=1000,
            initial_delay=10,
            max_delay=60,
            sleep=clock.sleep,
            clock=clock,
        )
    assert clock.sleeps[:6] == [10, 20, 40, 60, 60, 60]


def test_wait_reports_each_change_once(account: Account) -> None:
    arn = submitted(account)
    seen = []
    clock = FakeClock()

    def complete_later(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            set_status(arn, "Completed")

    wait_for_job(
        account.client("bedrock"), arn, on_poll=lambda s: seen.append(s.status), sleep=complete_later, clock=clock
    )
    assert seen == ["InProgress", "Completed"]


def test_stop_stops_the_job(account: Account) -> None:
    arn = submitted(account)
    assert stop_job(account.client("bedrock"), arn).status == "Stopped"


def test_list_shows_only_the_jobs_this_tool_started(account: Account) -> None:
    arn = submitted(account)
    account.client("bedrock").create_model_customization_job(
        jobName="someone-elses",
        customModelName="theirs",
        roleArn=account.values["role_arn"],
        baseModelIdentifier=MODEL,
        trainingDataConfig={"s3Uri": account.training_uri},
        outputDataConfig={"s3Uri": f"s3://{account.bucket}/output/"},
        hyperParameters={},
    )
    jobs, method = list_tool_jobs(account.client("bedrock"))
    assert [j.arn for j in jobs] == [arn]
    assert method == "tag"
