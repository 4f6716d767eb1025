"""Which checkov the review runs: never one inside the reviewed material, whoever names it; the report says which
ran and why, a skipped checkov is reported as skipped, and --require-checkov makes a skip a failure."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bedrock_ft.cli import main
from bedrock_ft.core.errors import ConfigError
from bedrock_ft.review import checkov_runner, review
from bedrock_ft.review.checkov_runner import find_checkov
from bedrock_ft.review.findings import ScannerState

from .conftest import GOOD_POLICIES, TERRAFORM

MODULE_TF = 'resource "aws_s3_bucket" "data" {\n  bucket = "x"\n}\n'


def _program(path: Path, body: str = "echo '{}'", interpreter: str = "/bin/sh") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{interpreter}\n{body}\n")
    path.chmod(0o755)
    return path


def _module(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(MODULE_TF)
    return root


def _planted(module: Path, marker: Path) -> Path:
    """A checkov inside the module under review that would leave ``marker`` behind if it ever ran."""
    return _program(module / ".venv-checkov" / "bin" / "checkov", f"touch {marker}\necho '{{}}'")


@pytest.fixture
def no_checkov_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BEDROCK_FT_CHECKOV", raising=False)
    monkeypatch.delenv("BEDROCK_FT_REQUIRE_CHECKOV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setattr(checkov_runner, "installation_candidates", lambda: [])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- the order of the lookup


def test_explicit_path_wins_over_the_environment_variable(tmp_path: Path) -> None:
    explicit = _program(tmp_path / "a" / "checkov")
    environment = _program(tmp_path / "b" / "checkov")
    choice = find_checkov(str(explicit), environ={"BEDROCK_FT_CHECKOV": str(environment), "PATH": ""}, installation=[])
    assert (choice.executable, choice.source) == (str(explicit), "explicit")


def test_environment_variable_wins_over_path(tmp_path: Path) -> None:
    environment = _program(tmp_path / "b" / "checkov")
    on_path = _program(tmp_path / "bin" / "checkov")
    choice = find_checkov(
        environ={"BEDROCK_FT_CHECKOV": str(environment), "PATH": str(on_path.parent)}, installation=[]
    )
    assert (choice.executable, choice.source) == (str(environment), "environment")


def test_path_wins_over_the_tools_own_installation(tmp_path: Path) -> None:
    on_path = _program(tmp_path / "bin" / "checkov")
    installed = _program(tmp_path / "install" / "checkov")
    choice = find_checkov(environ={"PATH": str(on_path.parent)}, installation=[installed])
    assert (choice.executable, choice.source) == (str(on_path), "path")


def test_tools_own_installation_is_the_last_resort(tmp_path: Path) -> None:
    installed = _program(tmp_path / "install" / "checkov")
    choice = find_checkov(environ={"PATH": ""}, installation=[installed])
    assert (choice.executable, choice.source) == (str(installed), "installation")


def test_installation_candidates_are_beside_the_interpreter_never_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    candidates = checkov_runner.installation_candidates()
    assert candidates and not any(c.resolve().is_relative_to(tmp_path.resolve()) for c in candidates)


def test_a_venv_checkov_in_the_current_folder_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _program(tmp_path / ".venv-checkov" / "bin" / "checkov")
    monkeypatch.chdir(tmp_path)
    choice = find_checkov(environ={"PATH": ""}, installation=[])
    assert choice.executable is None and "no checkov executable found" in choice.reason


# ---------------------------------------------------------------- nothing inside the reviewed tree runs


def test_explicit_path_inside_the_reviewed_folder_is_refused(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    planted = _program(module / "tools" / "checkov")
    with pytest.raises(ConfigError, match=r"refusing to run checkov .*inside .*under review") as caught:
        find_checkov(str(planted), environ={"PATH": ""}, reviewed=[module], installation=[])
    assert caught.value.settings == ("checkov",)


def test_environment_path_inside_the_reviewed_folder_is_refused(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    planted = _program(module / "tools" / "checkov")
    with pytest.raises(ConfigError, match="BEDROCK_FT_CHECKOV"):
        find_checkov(environ={"BEDROCK_FT_CHECKOV": str(planted), "PATH": ""}, reviewed=[module], installation=[])


def test_a_link_from_outside_into_the_reviewed_folder_is_refused(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    planted = _program(module / "tools" / "checkov")
    link = tmp_path / "bin" / "checkov"
    link.parent.mkdir()
    link.symlink_to(planted)
    with pytest.raises(ConfigError, match="inside"):
        find_checkov(str(link), environ={"PATH": ""}, reviewed=[module], installation=[])


def test_a_script_whose_interpreter_is_inside_the_reviewed_folder_is_refused(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    interpreter = _program(module / ".venv" / "bin" / "python")
    script = _program(tmp_path / "bin" / "checkov", interpreter=str(interpreter))
    with pytest.raises(ConfigError, match=r"runs .*python, which is inside"):
        find_checkov(str(script), environ={"PATH": ""}, reviewed=[module], installation=[])


def test_a_path_candidate_inside_the_reviewed_folder_is_passed_over_and_named(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    planted = _program(module / "bin" / "checkov")
    installed = _program(tmp_path / "install" / "checkov")
    choice = find_checkov(environ={"PATH": str(planted.parent)}, reviewed=[module], installation=[installed])
    assert choice.executable == str(installed)
    assert len(choice.refused) == 1 and str(planted) in choice.refused[0]


def test_review_of_a_folder_never_runs_the_checkov_planted_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(tmp_path / "module")
    marker = tmp_path / "ran"
    _planted(module, marker)
    monkeypatch.chdir(module)
    code, out, _ = run(capsys, ".", "--fail-on", "medium")
    assert not marker.exists()
    assert code == 0 and "scanner: checkov: SKIPPED" in out


def test_review_refuses_an_explicit_checkov_planted_in_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    module = _module(tmp_path / "module")
    marker = tmp_path / "ran"
    planted = _planted(module, marker)
    code, _, err = run(capsys, str(module), "--checkov", str(planted))
    assert code == 4 and "refusing to run checkov" in err and "(--checkov)" in err and "Traceback" not in err
    assert not marker.exists()


def test_a_checkov_beside_the_tools_installation_inside_the_reviewed_folder_is_skipped(
    tmp_path: Path, no_checkov_anywhere: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(tmp_path / "module")
    marker = tmp_path / "ran"
    planted = _planted(module, marker)
    monkeypatch.setattr(checkov_runner, "installation_candidates", lambda: [planted])
    report = review([module], use_parliament=False)
    scanner = report.scanner("checkov")
    assert scanner is not None and scanner.state is ScannerState.SKIPPED
    assert "outside the reviewed material" in scanner.reason and str(planted) in scanner.refused[0]
    assert not marker.exists()


def test_a_plans_folder_counts_as_reviewed(tmp_path: Path) -> None:
    plan = tmp_path / "work" / "plan.json"
    plan.parent.mkdir()
    plan.write_text('{"planned_values": {}}')
    planted = _program(tmp_path / "work" / ".venv-checkov" / "bin" / "checkov")
    with pytest.raises(ConfigError, match="refusing"):
        review(plans=[plan], checkov=str(planted), use_parliament=False)


# ---------------------------------------------------------------- the report says which ran, and what was skipped


def test_text_report_names_the_checkov_that_ran_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _program(tmp_path / "tools" / "checkov")
    monkeypatch.setenv("BEDROCK_FT_CHECKOV", str(tool))
    code, out, _ = run(capsys, str(_module(tmp_path / "module")))
    assert code == 0
    assert f"scanner: checkov: ran {tool} (from $BEDROCK_FT_CHECKOV)" in out


def test_json_report_names_the_checkov_that_ran_and_its_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = _program(tmp_path / "tools" / "checkov")
    _, out, _ = run(capsys, str(_module(tmp_path / "module")), "--checkov", str(tool), "--output", "json")
    checkov = next(s for s in json.loads(out)["scanners"] if s["name"] == "checkov")
    assert checkov == {
        "name": "checkov",
        "state": "ran",
        "reason": "given explicitly",
        "executable": str(tool),
        "source": "explicit",
        "refused": [],
    }


def test_sarif_report_lists_a_skipped_checkov_as_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    _, out, _ = run(capsys, str(_module(tmp_path / "module")), "--output", "sarif")
    run_ = json.loads(out)["runs"][0]
    assert run_["properties"]["skipped"] == ["checkov"]
    warnings = [
        n["message"]["text"] for n in run_["invocations"][0]["toolExecutionNotifications"] if n["level"] == "warning"
    ]
    assert any("checkov: SKIPPED" in text for text in warnings)


def test_skipped_checkov_is_not_reported_as_just_no_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    _, out, _ = run(capsys, str(_module(tmp_path / "module")))
    last = out.strip().splitlines()[-1]
    assert last != "no findings" and "SKIPPED (not checked): checkov" in last


def test_json_report_lists_skipped_scanners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    _, out, _ = run(capsys, str(_module(tmp_path / "module")), "--output", "json")
    assert "checkov" in json.loads(out)["skipped"]


def test_no_checkov_flag_is_reported_as_skipped(tmp_path: Path) -> None:
    report = review([_module(tmp_path / "module")], use_checkov=False, use_parliament=False)
    scanner = report.scanner("checkov")
    assert scanner is not None and scanner.state is ScannerState.SKIPPED


def test_checkov_on_policy_files_only_is_not_applicable_rather_than_skipped() -> None:
    report = review(policies=[GOOD_POLICIES / "trust.json"], use_parliament=False)
    scanner = report.scanner("checkov")
    assert scanner is not None and scanner.state is ScannerState.NOT_APPLICABLE
    assert "checkov" not in [s.name for s in report.skipped()]


# ---------------------------------------------------------------- --require-checkov


def test_require_checkov_fails_with_exit_4_when_checkov_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    code, _, err = run(capsys, str(_module(tmp_path / "module")), "--require-checkov")
    assert code == 4 and "checkov is required but was skipped" in err and "Traceback" not in err


def test_require_checkov_environment_variable_fails_when_checkov_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_FT_REQUIRE_CHECKOV", "1")
    code, _, _ = run(capsys, str(_module(tmp_path / "module")))
    assert code == 4


def test_require_checkov_fails_when_checkov_is_turned_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    code, _, _ = run(capsys, str(_module(tmp_path / "module")), "--require-checkov", "--no-checkov")
    assert code == 4


def test_require_checkov_passes_when_checkov_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    tool = _program(tmp_path / "tools" / "checkov")
    code, _, _ = run(capsys, str(_module(tmp_path / "module")), "--require-checkov", "--checkov", str(tool))
    assert code == 0


def test_require_checkov_passes_for_policy_files_where_checkov_does_not_apply(
    capsys: pytest.CaptureFixture[str], no_checkov_anywhere: None
) -> None:
    code, _, _ = run(capsys, "--policy", str(GOOD_POLICIES / "trust.json"), "--require-checkov")
    assert code == 0


# ---------------------------------------------------------------- checkov never reads the module's own config


def _module_with_config(tmp_path: Path, config: str) -> Path:
    module = tmp_path / "module"
    module.mkdir()
    shutil.copy(TERRAFORM / "ckv_bft_5_bad.tf.fixture", module / "main.tf")
    (module / ".checkov.yaml").write_text(config)
    return module


def test_a_checkov_config_in_the_module_cannot_skip_the_custom_checks(tmp_path: Path, checkov_executable: str) -> None:
    module = _module_with_config(tmp_path, "skip-check:\n  - CKV_BFT_5\nsoft-fail: true\n")
    report = review([module], checkov=checkov_executable, use_parliament=False)
    assert any(f.rule_id == "CKV_BFT_5" for f in report.findings)


def test_a_checkov_config_in_the_module_cannot_load_check_code_from_it(tmp_path: Path, checkov_executable: str) -> None:
    marker = tmp_path / "ran"
    module = _module_with_config(tmp_path, "external-checks-dir:\n  - evil\n")
    (module / "evil").mkdir()
    (module / "evil" / "__init__.py").write_text("")
    (module / "evil" / "Evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    review([module], checkov=checkov_executable, use_parliament=False)
    assert not marker.exists()


def test_checkov_is_shown_only_regular_terraform_files(tmp_path: Path) -> None:
    module = _module(tmp_path / "module")
    (module / ".checkov.yaml").write_text("soft-fail: true\n")
    (module / "notes.txt").write_text("x")
    outside = tmp_path / "outside.tf"
    outside.write_text(MODULE_TF)
    (module / "linked.tf").symlink_to(outside)
    (module / "tests").mkdir()
    (module / "tests" / "t.tf").write_text(MODULE_TF)
    (module / "sub").mkdir()
    (module / "sub" / "s.tf").write_text(MODULE_TF)
    copy = tmp_path / "copy"
    copy.mkdir()
    checkov_runner._terraform_copy(module, copy)
    copied = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert copied == ["main.tf", os.path.join("sub", "s.tf")]
