"""Long waits: poll with capped exponential backoff, report progress, honour a timeout, and explain Ctrl-C.

Bedrock has no waiters for custom models, deployments or provisioned throughput, so ``poll_until`` polls. Whatever it
waits for keeps running (and billing) when the wait ends early; the errors it raises say so, and how to carry on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bedrock_ft.core.errors import Interrupted, JobFailed

T = TypeVar("T")


class WaitTimedOut(JobFailed):
    """The resource did not reach its goal before the timeout; it keeps running."""


class ResourceFailed(JobFailed):
    """A deployment, provisioned throughput or custom model ended Failed."""


@dataclass(frozen=True)
class Backoff:
    """Delays between polls: ``initial``, doubled each time (``factor``), never over ``maximum`` seconds."""

    initial: float = 5.0
    maximum: float = 60.0
    factor: float = 2.0

    def delays(self) -> Callable[[], float]:
        state = {"next": self.initial}

        def step() -> float:
            delay = state["next"]
            state["next"] = min(delay * self.factor, self.maximum)
            return delay

        return step


def poll_until(
    fetch: Callable[[], T],
    *,
    state_of: Callable[[T], str],
    goal: tuple[str, ...],
    failed: tuple[str, ...],
    what: str,
    keeps_running: str,
    failure_message: Callable[[T], str | None] = lambda _: None,
    timeout: float | None = None,
    backoff: Backoff = Backoff(),
    on_progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``fetch`` until ``state_of`` its answer is in ``goal`` (returned) or in ``failed`` (ResourceFailed).

    ``what`` names the resource in messages ("deployment x"); ``keeps_running`` says what goes on costing when the
    wait stops early (timeout: WaitTimedOut; Ctrl-C: Interrupted). ``on_progress`` hears each new state.
    """
    start = clock()
    next_delay = backoff.delays()
    last_state: str | None = None
    try:
        while True:
            current = fetch()
            state = state_of(current)
            elapsed = clock() - start
            if on_progress is not None and state != last_state:
                on_progress(f"{what}: {state} ({elapsed:.0f} s)")
            last_state = state
            if state in goal:
                return current
            if state in failed:
                reason = failure_message(current) or "no failure message"
                raise ResourceFailed(f"{what} ended {state}: {reason}")
            if timeout is not None and elapsed >= timeout:
                raise WaitTimedOut(
                    f"{what} is still {state} after {elapsed:.0f} s (timeout {timeout:g} s)", hint=keeps_running
                )
            delay = next_delay()
            sleep(delay if timeout is None else max(0.0, min(delay, timeout - elapsed)))
    except KeyboardInterrupt:
        state_text = f" (last seen {last_state})" if last_state else ""
        raise Interrupted(f"interrupted while waiting for {what}{state_text}", hint=keeps_running) from None
