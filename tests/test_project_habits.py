"""The habits of a kept project: licence, citation, changelog, one version, pre-commit, the entry
points and the Jupyter kernel the notebooks name."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import dsr_analysis
from dsr_analysis import config

ROOT = config.PROJECT_ROOT
KERNEL = "dsr-analysis"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _beside_python(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


# -- licence, citation, changelog, version -------------------------------------------------


def test_the_licence_file_is_the_mit_licence_pyproject_names():
    # Either form: the table of today's pyproject.toml, or the SPDX string setuptools >= 77 wants.
    assert _pyproject()["project"]["license"] in ({"text": "MIT"}, "MIT")
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 The dsr-analysis authors" in text


def test_citation_cff_parses_and_carries_the_package_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    # The keys CFF 1.2.0 requires, and the ones a reader cites by.
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license", "date-released", "type"):
        assert citation.get(key), key
    assert citation["license"] == "MIT"
    assert all(author.get("name") or author.get("family-names")
               for author in citation["authors"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(citation["date-released"]))
    assert citation["version"] == dsr_analysis.__version__ == _pyproject()["project"]["version"]


def test_the_changelog_names_the_methods_of_every_stage_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert f"## [{dsr_analysis.__version__}]" in text
    # Every stage says what happened to each method, even "unchanged".
    stages = re.split(r"\n### Stage \d", text.split(f"## [{dsr_analysis.__version__}]")[1])[1:]
    assert len(stages) == 3
    for stage in stages:
        methods = stage.split("#### Methods")[1].split("####")[0]
        for method in ("Suppression", "Intervals", "Measures", "Assessment criteria",
                       "Synthetic data"):
            assert f"**{method}" in methods, method
    assert "docs/versioning.md" in text


def test_the_bump_policy_says_what_a_changed_method_bumps():
    text = (ROOT / "docs" / "versioning.md").read_text(encoding="utf-8")
    for bump in ("**major**", "**minor**", "**patch**"):
        assert bump in text
    assert "suppression rule" in text and "byte-identical" in text


# -- entry points -----------------------------------------------------------------------------


def test_python_dash_m_runs_the_dsr_command():
    result = subprocess.run([sys.executable, "-m", "dsr_analysis", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: dsr ")
    assert "reports" in result.stdout and "tables" in result.stdout
    # The console script's entry, so --project is read before the package's paths are fixed.
    assert "--project" in result.stdout


def test_dsr_version_prints_the_package_version():
    from click.testing import CliRunner

    from dsr_analysis.cli import main

    result = CliRunner().invoke(main, ["--version"], prog_name="dsr")
    assert result.exit_code == 0, result.output
    assert result.output == f"dsr, version {dsr_analysis.__version__}\n"
    # The installed metadata click reads is the same version (an editable install of this tree).
    assert importlib.metadata.version("dsr-analysis") == dsr_analysis.__version__
    result = subprocess.run([sys.executable, "-m", "dsr_analysis", "--version"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.stdout == f"dsr, version {dsr_analysis.__version__}\n", result.stderr


# -- pre-commit -------------------------------------------------------------------------------


def _hooks() -> dict[str, dict]:
    configuration = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return {hook["id"]: hook for repo in configuration["repos"] for hook in repo["hooks"]}


@pytest.mark.skipif(_beside_python("pre-commit") is None,
                    reason="pre-commit is not installed (pip install -e '.[test]')")
def test_the_pre_commit_config_is_valid():
    result = subprocess.run([_beside_python("pre-commit"), "validate-config",
                             ".pre-commit-config.yaml"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_strips_notebooks_and_runs_ruff_at_the_test_extra_s_pins():
    hooks = _hooks()
    assert set(hooks) == {"nbstripout", "ruff"}
    test_extra = _pyproject()["project"]["optional-dependencies"]["test"]
    for hook in hooks.values():
        # Local hooks: the machines reach PyPI, not the hooks' git repositories.
        assert hook["language"] == "python"
        (pin,) = hook["additional_dependencies"]
        assert pin in test_extra, f"{pin} is not the test extra's pin"
        name, version = pin.split("==")
        installed = importlib.metadata.version(name)
        assert installed == version, f"{name} {installed} installed, the hook pins {version}"


@pytest.mark.skipif(_beside_python("nbstripout") is None,
                    reason="nbstripout is not installed (pip install -e '.[test]')")
def test_the_committed_notebooks_are_as_the_nbstripout_hook_leaves_them(tmp_path):
    notebooks = sorted(ROOT.glob("notebooks/**/*.ipynb")) + sorted(
        ROOT.glob("tests/fixtures/**/*.ipynb"))
    copies = []
    for number, notebook in enumerate(notebooks):
        copies.append(tmp_path / f"{number}.ipynb")
        shutil.copyfile(notebook, copies[-1])
    entry = _hooks()["nbstripout"]["entry"].split()
    subprocess.run([_beside_python(entry[0]), *entry[1:], *map(str, copies)], check=True)
    changed = [str(n.relative_to(ROOT)) for n, c in zip(notebooks, copies, strict=True)
               if c.read_bytes() != n.read_bytes()]
    assert not changed, f"nbstripout would change {changed}"


# -- the Jupyter kernel -----------------------------------------------------------------------


def test_every_notebook_names_the_project_kernel():
    for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert spec == {"display_name": f"Python ({KERNEL})", "language": "python",
                        "name": KERNEL}, path.name


def test_make_setup_registers_the_kernel_the_notebooks_name():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"KERNEL := {KERNEL}\n" in makefile
    stamp_recipe = makefile.split("$(STAMP): pyproject.toml\n")[1].split("\n\n")[0]
    assert ("-m ipykernel install --sys-prefix --name $(KERNEL) "
            '--display-name "Python ($(KERNEL))"') in stamp_recipe


def test_the_kernel_registration_writes_a_spec_for_this_interpreter(tmp_path):
    # What make setup runs, into a scratch prefix instead of the venv.
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(tmp_path),
                    "--name", KERNEL, "--display-name", f"Python ({KERNEL})"],
                   check=True, capture_output=True)
    spec = json.loads((tmp_path / "share/jupyter/kernels" / KERNEL / "kernel.json").read_text())
    assert spec["display_name"] == f"Python ({KERNEL})"
    assert spec["argv"][0] == sys.executable


def test_builds_execute_in_their_own_interpreter_whatever_the_notebook_names():
    # The runner and the teaching build pass python3 explicitly, which jupyter_client starts
    # as the interpreter running dsr: the one whose packages the page keys record. So a build
    # works where the project's kernel is not registered (pip install -e . without make), and
    # never runs in another venv's interpreter that a kernel of the same name points to.
    from dsr_analysis.runner import execute
    from dsr_analysis.teaching import kernel

    assert execute.KERNEL_NAME == kernel.KERNEL_NAME == "python3"
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    assert manager.format_kernel_cmd()[0] == sys.executable
