"""Helpers of the AWS units (the fixtures that use them are in tests/aws/conftest.py and tests/sandbox/conftest.py)."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import pickle
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_ft.core.tf_outputs import TerraformOutputs, parse_outputs, to_terraform_json
from bedrock_ft.job.session import AwsSession

REGION = "us-east-1"
MODEL = "amazon.nova-lite-v1:0:300k"


@dataclass
class Account:
    """One mocked account with the module's infrastructure and a small uploaded vision dataset."""

    session: AwsSession
    values: dict[str, Any]

    @property
    def outputs(self) -> TerraformOutputs:
        return parse_outputs(to_terraform_json(self.values), "test outputs")

    def with_outputs(self, **changes: Any) -> TerraformOutputs:
        return parse_outputs(to_terraform_json({**self.values, **changes}), "test outputs")

    @property
    def bucket(self) -> str:
        return str(self.values["bucket_name"])

    @property
    def training_uri(self) -> str:
        return f"s3://{self.bucket}/data/sample/train.jsonl"

    @property
    def validation_uri(self) -> str:
        return f"s3://{self.bucket}/data/sample/validation.jsonl"

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def put_records(self, key: str, records: list[dict[str, Any]]) -> None:
        body = "".join(json.dumps(r) + "\n" for r in records).encode()
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)


def set_status(job: str, status: str, message: str = "boom") -> None:
    """Set a job's status (and failure message) in moto's backend: moto never moves a job on by itself."""
    from moto.bedrock.models import bedrock_backends

    from bedrock_ft.job.jobs import job_name_from

    stored = bedrock_backends["123456789012"][REGION].model_customization_jobs[job_name_from(job)]
    stored.status = status
    stored.failure_message = message


def vision_record(image_uri: str, owner: str = "123456789012") -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You review web pages."}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"text": "Review this page."},
                    {"image": {"format": "png", "source": {"s3Location": {"uri": image_uri, "bucketOwner": owner}}}},
                ],
            },
            {"role": "assistant", "content": [{"text": "The button has no label."}]},
        ],
    }


def write_manifest(
    folder: Path,
    bucket: str,
    *,
    base: str = "data/sample/x",
    data_prefix: str = "data/sample/x",
    base_model: str | None = MODEL,
) -> dict[str, Any]:
    """Write OUT/manifest.json for the files in ``folder`` as generate would: keys, sizes, hashes and the digest."""
    from bedrock_ft.core.s3_uris import join_key
    from bedrock_ft.data.generate import dataset_digest, dataset_prefix, images_prefix

    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        relative = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        files[relative] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        if relative.endswith(".jsonl"):
            files[relative]["records"] = data.count(b"\n")
    kind = {"base_model": base_model, "record_format": "bedrock-conversation-2024", "customization_type": "FINE_TUNING"}
    digest = dataset_digest(files, **kind)
    prefix = dataset_prefix(base, digest)
    for relative, facts in files.items():
        facts["key"] = join_key(data_prefix if relative.startswith("images/") else prefix, relative)
    manifest = {
        "tool": "bedrock-ft",
        "created": datetime.now(UTC).isoformat(),
        **kind,
        "digest": digest,
        "bucket": bucket,
        "prefix": prefix,
        "images_prefix": images_prefix(data_prefix),
        "bucket_owner": "123456789012",
        "counts": {"train": 1, "validation": 1, "images": sum(k.startswith("images/") for k in files)},
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


# -- the emulator's state, saved once and put back before every test ------------------------------------------------


def _private_key_from_der(der: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(der, password=None)


class _BackendPickler(pickle.Pickler):
    """pickle, plus the private keys moto's KMS keys hold (cryptography's keys do not pickle): saved as DER."""

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

        if isinstance(obj, typing.get_args(PrivateKeyTypes)):
            der = obj.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _private_key_from_der, (der,)
        return NotImplemented


Place = tuple[Any, str, str]  # (moto BackendDict, account ID, region or partition)


def _backend_dict_own_attributes() -> frozenset[str]:
    from moto.core.base_backend import BackendDict

    return frozenset(vars(BackendDict(object, "none")))


_BACKEND_DICT_OWN = _backend_dict_own_attributes()


@dataclass(frozen=True)
class EmulatorSnapshot:
    """Every backend moto (in-process) holds at one moment, pickled together so references between them survive.

    ``restore()`` makes the emulator hold exactly that state again: each saved backend is replaced by a fresh copy
    of itself, and a backend created since (another service, region or account) is dropped, so moto builds it
    anew, empty, when it is next used. Building the module's infrastructure costs about a second; putting it back
    costs a few hundredths, so the fixtures build it once and restore it before each test. A test keeps any object
    it changes to itself: a resource it deletes, a policy it rewrites, a job it starts are gone for the next test.
    """

    places: tuple[Place, ...]
    # Also saved: what a service keeps beside its backends, on its BackendDict (S3's bucket_accounts, the bucket
    # namespace shared by every account: a bucket a test made would otherwise stay "already taken").
    shared: tuple[tuple[Any, tuple[str, ...]], ...]
    pickled: bytes

    @classmethod
    def take(cls) -> EmulatorSnapshot:
        from moto.core.base_backend import BackendDict

        places: list[Place] = []
        backends: list[Any] = []
        shared: list[tuple[Any, tuple[str, ...]]] = []
        shared_values: list[Any] = []
        for backend_dict in BackendDict._instances:
            names = tuple(sorted(set(vars(backend_dict)) - _BACKEND_DICT_OWN))
            shared.append((backend_dict, names))
            shared_values.append([getattr(backend_dict, name) for name in names])
            for account_id, per_account in backend_dict.items():
                for region, backend in per_account.items():
                    places.append((backend_dict, account_id, region))
                    backends.append(backend)
        buffer = io.BytesIO()
        _BackendPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((backends, shared_values))
        return cls(places=tuple(places), shared=tuple(shared), pickled=buffer.getvalue())

    def restore(self) -> None:
        """Put the saved state back (inside the mock_aws the snapshot was taken in, or a later one)."""
        from moto.core.base_backend import BackendDict

        saved = {(id(backend_dict), account_id, region) for backend_dict, account_id, region in self.places}
        # Unpickling a megabyte of small objects sets off full garbage collections that can take ten times as long
        # as the unpickling itself (the replaced backends are collected later, at an ordinary collection).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for backend_dict in list(BackendDict._instances):
                for account_id, per_account in list(backend_dict.items()):
                    for region in list(per_account):
                        if (id(backend_dict), account_id, region) not in saved:
                            # made since the snapshot: moto's own reset clears what the backend holds elsewhere
                            # (S3 its buckets' names), then it goes, for moto to build anew when next used
                            per_account[region].reset()
                            del per_account[region]
            backends, shared_values = pickle.loads(self.pickled)
            for (backend_dict, names), values in zip(self.shared, shared_values, strict=True):
                for name, value in zip(names, values, strict=True):
                    setattr(backend_dict, name, value)
            for (backend_dict, account_id, region), backend in zip(self.places, backends, strict=True):
                # backend_dict[account_id] creates the account's entry (and registers the dict with moto) when a
                # new mock_aws started empty; dict.__setitem__ keeps AccountSpecificBackend from building one first.
                dict.__setitem__(backend_dict[account_id], region, backend)
        finally:
            if collecting:
                gc.enable()


def build_emulated_account(*, sample_data: bool = True) -> tuple[dict[str, Any], EmulatorSnapshot]:
    """Inside an active mock_aws: the module's infrastructure as the sandbox creates it (no flow logs), plus a
    small vision dataset under data/sample/ when ``sample_data``; its outputs and the emulator's state."""
    from bedrock_ft.job.session import make_session
    from bedrock_ft.sandbox.infrastructure import create_infrastructure

    session = make_session(REGION)
    values = create_infrastructure(session, flow_logs=False)
    if sample_data:
        acct = Account(session=session, values=values)
        s3 = session.client("s3")
        for i in range(3):
            s3.put_object(Bucket=acct.bucket, Key=f"data/sample/images/{i}.png", Body=b"png")
        acct.put_records(
            "data/sample/train.jsonl",
            [vision_record(f"s3://{acct.bucket}/data/sample/images/{i}.png") for i in range(3)],
        )
        acct.put_records(
            "data/sample/validation.jsonl", [vision_record(f"s3://{acct.bucket}/data/sample/images/0.png")]
        )
    return values, EmulatorSnapshot.take()
