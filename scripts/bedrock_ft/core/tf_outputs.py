"""Read the Terraform module's outputs: the contract between `terraform apply` and the scripts.

Two sources, one reader: a file holding ``terraform output -json`` (the setting ``tf_outputs``, or
``BEDROCK_FT_TF_OUTPUTS``) or a Terraform working directory where ``terraform -chdir=DIR output -json`` is run
(``tf_dir``, or ``BEDROCK_FT_TF_DIR``).

Every output the scripts read must have the type the module gives it (``OUTPUT_TYPES``): a list or a number where a
string belongs is a ConfigError naming the output, never a value passed on to AWS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

from bedrock_ft.core.bounded_json import JsonInputError, parse_json, read_json_document
from bedrock_ft.core.confined_files import FileRefused
from bedrock_ft.core.errors import ConfigError

ENV_OUTPUTS_FILE = "BEDROCK_FT_TF_OUTPUTS"
ENV_TF_DIR = "BEDROCK_FT_TF_DIR"

# The names the module's outputs.tf defines; the scripts depend on nothing else.
OUTPUT_NAMES = (
    "region",
    "account_id",
    "vpc_id",
    "subnet_ids",
    "availability_zones",
    "security_group_ids",
    "bucket_name",
    "bucket_arn",
    "role_arn",
    "kms_key_arn",
    "s3_endpoint_id",
    "operator_policy_arn",
    "data_prefix",
    "output_prefix",
    "evaluation_prefix",
)
# evaluation_prefix is optional: null while evaluation_jobs_enabled is false, absent from an older module's outputs.
NULLABLE_OUTPUTS = frozenset({"kms_key_arn", "operator_policy_arn", "evaluation_prefix"})
LIST_OUTPUTS = frozenset({"subnet_ids", "availability_zones", "security_group_ids"})
# Every other output the scripts read is a string (null where NULLABLE_OUTPUTS allows it).
# Key prefixes in the bucket, when the outputs do not name them (the module's defaults).
DEFAULT_DATA_PREFIX = "data"
DEFAULT_OUTPUT_PREFIX = "output"


@dataclass(frozen=True)
class TerraformOutputs:
    """The module's outputs, by name, and where they were read from (for error messages)."""

    values: Mapping[str, Any]
    source: str

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def require(self, *names: str) -> None:
        """Raise a ConfigError naming every output among ``names`` that is missing."""
        missing = [n for n in names if n not in self.values or (self.values[n] is None and n not in NULLABLE_OUTPUTS)]
        if missing:
            raise ConfigError(
                f"Terraform outputs from {self.source} lack {', '.join(missing)}",
                hint="apply the bedrock-ft module (or a module with the same outputs) and read its outputs again",
            )

    def __getitem__(self, name: str) -> Any:
        self.require(name)
        return self.values[name]

    @property
    def region(self) -> str:
        return str(self["region"])

    @property
    def account_id(self) -> str:
        return str(self["account_id"])

    @property
    def bucket_name(self) -> str:
        return str(self["bucket_name"])

    @property
    def role_arn(self) -> str:
        return str(self["role_arn"])

    @property
    def vpc_id(self) -> str:
        return str(self["vpc_id"])

    @property
    def subnet_ids(self) -> list[str]:
        return [str(s) for s in self["subnet_ids"]]

    @property
    def security_group_ids(self) -> list[str]:
        return [str(s) for s in self["security_group_ids"]]

    @property
    def data_prefix(self) -> str:
        """Where datasets go in the bucket (the service role reads the whole bucket; the operator writes here)."""
        return str(self.values.get("data_prefix") or DEFAULT_DATA_PREFIX).strip("/")

    @property
    def output_prefix(self) -> str:
        """Where jobs write their output (the only place the service role may write)."""
        return str(self.values.get("output_prefix") or DEFAULT_OUTPUT_PREFIX).strip("/")

    @property
    def evaluation_prefix(self) -> str | None:
        """Where evaluation (judge) jobs read their dataset and write their results, or None when the module does not
        let the service role run them (evaluation_jobs_enabled false, an older module, the sandbox)."""
        value = str(self.values.get("evaluation_prefix") or "").strip("/")
        return value or None

    @property
    def kms_key_arn(self) -> str | None:
        value = self.values.get("kms_key_arn")
        return str(value) if value else None


def parse_outputs(document: Any, source: str) -> TerraformOutputs:
    """Turn ``terraform output -json``'s document ({name: {value, type, sensitive}}) into TerraformOutputs.

    A plain {name: value} mapping is accepted too, so hand-written files work.
    """
    if not isinstance(document, dict):
        raise ConfigError(f"{source} is not a JSON object of Terraform outputs", hint="save `terraform output -json`")
    values: dict[str, Any] = {}
    for name, entry in document.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        else:
            values[name] = entry
    for name in OUTPUT_NAMES:
        if name in values:
            _check_type(name, values[name], source)
    return TerraformOutputs(values=values, source=source)


def _check_type(name: str, value: Any, source: str) -> None:
    """A ConfigError when the output ``name`` does not have the type the module gives it."""
    if name in LIST_OUTPUTS:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        wanted = "a list of strings"
    else:
        ok = isinstance(value, str) or (value is None and name in NULLABLE_OUTPUTS)
        wanted = "a string" + (" or null" if name in NULLABLE_OUTPUTS else "")
    if value is None and name not in NULLABLE_OUTPUTS:
        return  # a missing value: require() names it when a command needs it
    if not ok:
        raise ConfigError(
            f"Terraform output {name} in {source} is {_json_kind(value)}, not {wanted}",
            hint="read the outputs of the bedrock-ft module (`terraform output -json`); do not edit them by hand",
        )


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list" if all(isinstance(item, str) for item in value) else "a list holding non-strings"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "a string"


def read_outputs_file(path: str | os.PathLike[str]) -> TerraformOutputs:
    file = Path(path)
    try:
        document = read_json_document(file)
    except FileNotFoundError:
        raise ConfigError(
            f"Terraform outputs file {file} does not exist", hint="terraform output -json > FILE"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read Terraform outputs file {file}: {exc.strerror or exc}") from None
    except FileRefused as exc:
        raise ConfigError(f"Terraform outputs file: {exc.reason}", hint="terraform output -json > FILE") from None
    except JsonInputError as exc:
        raise ConfigError(f"{file} is not JSON: {exc.reason}", hint="save `terraform output -json`") from None
    return parse_outputs(document, str(file))


def read_outputs_dir(directory: str | os.PathLike[str], terraform: str = "terraform") -> TerraformOutputs:
    """Run ``terraform -chdir=DIR output -json`` and parse what it prints."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"Terraform directory {folder} does not exist")
    executable = shutil.which(terraform)
    if executable is None:
        raise ConfigError(
            f"`{terraform}` is not on PATH, so the outputs in {folder} cannot be read",
            hint="install Terraform, or save the outputs elsewhere with `terraform output -json > outputs.json` "
            "and give that file instead (tf_outputs)",
            setting="tf_outputs",
        )
    try:
        result = subprocess.run(
            [executable, f"-chdir={folder}", "output", "-json"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(f"`terraform output -json` in {folder} did not finish in 300 s") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        detail = lines[-1] if lines else f"exit {result.returncode}"
        raise ConfigError(
            f"`terraform output -json` failed in {folder}: {detail}",
            hint="run `terraform init && terraform apply` there first",
        )
    try:
        document = parse_json(result.stdout or "{}")
    except JsonInputError as exc:
        raise ConfigError(
            f"`terraform output -json` in {folder} printed something that is not JSON: {exc.reason}"
        ) from None
    if not document:
        raise ConfigError(f"Terraform in {folder} has no outputs", hint="run `terraform apply` there first")
    return parse_outputs(document, f"terraform output in {folder}")


@overload
def load_outputs(
    outputs_file: str | os.PathLike[str] | None = None,
    tf_dir: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    required: Literal[True] = True,
) -> TerraformOutputs: ...


@overload
def load_outputs(
    outputs_file: str | os.PathLike[str] | None = None,
    tf_dir: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    required: bool,
) -> TerraformOutputs | None: ...


def load_outputs(
    outputs_file: str | os.PathLike[str] | None = None,
    tf_dir: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    required: bool = True,
) -> TerraformOutputs | None:
    """Read the outputs from the file or directory given, else from the environment variables.

    Returns None when nothing names a source and ``required`` is false.
    """
    env = os.environ if environ is None else environ
    if outputs_file and tf_dir:
        raise ConfigError(
            "give either the Terraform outputs file or the Terraform folder, not both",
            settings=("tf_outputs", "tf_dir"),
        )
    if outputs_file:
        return read_outputs_file(outputs_file)
    if tf_dir:
        return read_outputs_dir(tf_dir)
    if env.get(ENV_OUTPUTS_FILE):
        return read_outputs_file(env[ENV_OUTPUTS_FILE])
    if env.get(ENV_TF_DIR):
        return read_outputs_dir(env[ENV_TF_DIR])
    if required:
        raise ConfigError(
            "no Terraform outputs given",
            hint=f"give the outputs file or the Terraform folder, or set {ENV_OUTPUTS_FILE} or {ENV_TF_DIR}",
            settings=("tf_outputs", "tf_dir"),
        )
    return None


def to_terraform_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``terraform output -json`` document for ``values`` (used by the sandbox and by tests)."""
    document: dict[str, Any] = {}
    for name, value in values.items():
        document[name] = {"sensitive": False, "type": _tf_type(value), "value": value}
    return document


def _tf_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return ["list", _tf_type(value[0]) if value else "string"]
    if isinstance(value, dict):
        return ["map", "string"]
    return "string"
