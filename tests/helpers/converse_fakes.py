"""A fake Converse behind botocore's event hooks: requests are still validated against the service model.

``FakeConverse(session, answer)`` makes the session's bedrock-runtime client (with botocore's own retries off, so a
test sees every throttling answer) answer each Converse call with ``answer(params)``: a string, or a ClientError code
to answer with, or an exception to raise. Every request's parameters are kept in ``requests``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.config import Config

from bedrock_ft.job.session import AwsSession


class Refusal:
    """An answer that is an AWS error with this code."""

    def __init__(self, code: str, message: str = "refused", status: int = 400) -> None:
        self.code, self.message, self.status = code, message, status


Answerer = Callable[[dict[str, Any]], "str | Refusal | BaseException"]


class FakeConverse:
    def __init__(self, session: AwsSession, answer: Answerer) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        client = session._session.client(
            "bedrock-runtime",
            region_name=session.region or "us-east-1",
            config=Config(retries={"total_max_attempts": 1}),
        )
        session._clients["bedrock-runtime"] = client
        client.meta.events.register("before-parameter-build.bedrock-runtime.Converse", self._keep)
        client.meta.events.register("before-call.bedrock-runtime.Converse", self._respond)

    def _keep(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["fake_params"] = dict(params)

    def _respond(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = context["fake_params"]
        with self._lock:
            self.requests.append(params)
        result = self.answer(params)
        if isinstance(result, BaseException):
            raise result
        meta = {"HTTPStatusCode": 200, "RequestId": "fake", "HTTPHeaders": {}, "RetryAttempts": 0}
        if isinstance(result, Refusal):
            meta["HTTPStatusCode"] = result.status
            parsed = {"Error": {"Code": result.code, "Message": result.message}, "ResponseMetadata": meta}
            return AWSResponse("https://fake", result.status, {}, None), parsed
        parsed = {
            "output": {"message": {"role": "assistant", "content": [{"text": result}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 10, "outputTokens": 2, "totalTokens": 12},
            "metrics": {"latencyMs": 7},
            "ResponseMetadata": meta,
        }
        return AWSResponse("https://fake", 200, {}, None), parsed

    def calls_to(self, model_id: str) -> int:
        return sum(1 for r in self.requests if r["modelId"] == model_id)
