"""The waits of deploy (and cleanup): backoff, progress, timeout, failure and Ctrl-C, with a fake clock."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import Interrupted
from bedrock_ft.lifecycle.waiting import Backoff, ResourceFailed, WaitTimedOut, poll_until


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def states(*values: str) -> object:
    answers = iter(values)
    return lambda: next(answers)


def wait(fetch: object, clock: Clock, **kwargs: object) -> str:
    return poll_until(  # type: ignore[no-any-return]
        fetch,  # type: ignore[arg-type]
        state_of=lambda s: s,
        goal=("Active",),
        failed=("Failed",),
        what="deployment d",
        keeps_running="d keeps running",
        sleep=clock.sleep,
        clock=lambda: clock.now,
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_delay_doubles_up_to_its_cap() -> None:
    clock = Clock()
    wait(states(*["Creating"] * 6, "Active"), clock, backoff=Backoff(initial=5, maximum=30))
    assert clock.sleeps == [5, 10, 20, 30, 30, 30]


def test_progress_hears_each_new_state_once() -> None:
    heard: list[str] = []
    wait(states("Creating", "Creating", "Updating", "Active"), Clock(), on_progress=heard.append, backoff=Backoff(1, 1))
    assert [line.split(":")[1].split("(")[0].strip() for line in heard] == ["Creating", "Updating", "Active"]


def test_a_failed_state_raises_with_the_failure_message() -> None:
    with pytest.raises(ResourceFailed, match="ended Failed: no capacity"):
        poll_until(
            states("Creating", "Failed"),
            state_of=lambda s: s,
            goal=("Active",),
            failed=("Failed",),
            failure_message=lambda _: "no capacity",
            what="deployment d",
            keeps_running="",
            sleep=lambda _: None,
        )


def test_the_last_sleep_is_cut_to_the_timeout() -> None:
    clock = Clock()
    with pytest.raises(WaitTimedOut) as late:
        wait(lambda: "Creating", clock, timeout=12, backoff=Backoff(initial=5, maximum=60))
    assert clock.sleeps == [5, 7]
    assert late.value.hint == "d keeps running" and late.value.exit_code == 6


def test_ctrl_c_becomes_exit_130_saying_what_keeps_running() -> None:
    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        poll_until(
            lambda: "Creating",
            state_of=lambda s: s,
            goal=("Active",),
            failed=(),
            what="deployment d",
            keeps_running="d keeps running",
            sleep=interrupt,
        )
    assert stopped.value.exit_code == 130
    assert str(stopped.value) == "interrupted while waiting for deployment d (last seen Creating) (d keeps running)"
