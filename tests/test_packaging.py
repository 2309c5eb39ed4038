"""The package installs like one: its data and notebooks ship inside it, and outputs go to a
project folder, never into the installed package (issue 13).

The slow test builds the wheel, installs it into a fresh venv outside the checkout and runs
``dsr tables`` and ``dsr reports`` there, as a user with ``pip install`` would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dsr_analysis import config
from dsr_analysis.entry import arguments_without_project

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"]


def _shipped_packages() -> set[str]:
    """Every package the wheel must hold: code packages and each data/notebook folder."""
    code = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "dsr_analysis").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    resources = {
        f"dsr_analysis.{top}" + "".join(f".{p}" for p in folder.relative_to(ROOT / top).parts)
        for top in ("data", "notebooks")
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir() and "__pycache__" not in folder.parts
        and ".ipynb_checkpoints" not in folder.parts
    }
    return code | resources


def test_pyproject_lists_every_package_and_folder():
    assert set(SETUPTOOLS["packages"]) == _shipped_packages()


def test_package_data_patterns_cover_every_resource_file():
    patterns = SETUPTOOLS["package-data"]
    for top in ("data", "notebooks"):
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or ".ipynb_checkpoints" in path.parts:
                continue
            package = "dsr_analysis." + ".".join((top, *path.parent.relative_to(ROOT / top).parts))
            assert any(path.match(p) for p in patterns.get(package, [])), path


def test_an_installed_package_reads_itself_and_writes_to_the_project(tmp_path, monkeypatch):
    # No pyproject.toml beside the package: it runs installed, and its resources are its own.
    package = tmp_path / "site-packages" / "dsr_analysis"
    package.mkdir(parents=True)
    assert config.checkout_root(package) is None
    assert config.resource_root(package) == package
    monkeypatch.delenv(config.PROJECT_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.project_root(package) == tmp_path.resolve()
    monkeypatch.setenv(config.PROJECT_ENVIRONMENT_VARIABLE, str(tmp_path / "x"))
    assert config.project_root(package) == (tmp_path / "x").resolve()


def test_the_checkout_is_both_roots_by_default():
    assert config.checkout_root() == ROOT
    if not os.environ.get(config.PROJECT_ENVIRONMENT_VARIABLE):
        assert config.PROJECT_ROOT == ROOT


def test_project_is_taken_only_before_the_command():
    assert arguments_without_project(["--project", "p", "reports"]) == (["reports"], "p")
    assert arguments_without_project(["reports", "--project", "p"])[1] is None


def _dsr(arguments: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    code = "import sys; from dsr_analysis.entry import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_dsr_project_writes_the_release_into_that_folder(tmp_path):
    result = _dsr(["--project", str(tmp_path), "tables"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reports" / "tables.csv").is_file()
    assert str(tmp_path) in result.stdout


def test_a_missing_project_folder_is_one_line(tmp_path):
    result = _dsr(["--project", str(tmp_path / "nowhere"), "tables"], cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --project") and "Traceback" not in result.stderr


def test_project_after_the_command_is_refused_with_a_hint(tmp_path):
    code = "from dsr_analysis.cli import main; main(['--project', 'x', 'tables'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "first option" in result.stderr


@pytest.mark.slow
def test_the_built_wheel_runs_tables_and_reports_outside_the_checkout(tmp_path):
    wheels, venv, project = tmp_path / "wheels", tmp_path / "venv", tmp_path / "project"
    project.mkdir()
    # Nothing of the checkout may leak in: no PYTHONPATH (pip would take the checkout for an
    # installed copy and skip the wheel), and the wheel is built from a copy of the sources
    # (setuptools would otherwise leave build/ and egg-info in the checkout).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DSR_PROJECT")}
    sources = tmp_path / "sources"
    shutil.copytree(ROOT, sources, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "reports", "*.egg-info", "__pycache__", ".*cache*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(sources)], check=True, cwd=tmp_path, env=env, timeout=600)
    (wheel,) = wheels.glob("dsr_analysis-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   env=env, timeout=1200)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"

    def dsr(*arguments: str) -> subprocess.CompletedProcess:
        result = subprocess.run([str(venv / "bin" / "dsr"), *arguments], cwd=project, env=env,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result

    located = subprocess.run([str(python), "-c", "import dsr_analysis.config as c; "
                              "print(c.RESOURCE_ROOT); print(c.PROJECT_ROOT)"], cwd=project,
                             env=env, capture_output=True, text=True)
    assert located.returncode == 0, located.stderr
    resources, outputs = located.stdout.split()
    assert "site-packages" in resources and Path(outputs) == project.resolve()
    dsr("tables")
    checkout = _dsr(["--project", str(tmp_path), "tables"], cwd=ROOT)
    assert checkout.returncode == 0, checkout.stderr
    # The same release from the wheel as from the checkout, byte for byte.
    assert (project / "reports/tables.csv").read_bytes() == (
        tmp_path / "reports/tables.csv").read_bytes()
    dsr("reports")
    assert (project / "reports" / "index.html").is_file()
    assert (project / "reports" / "vive2023" / "index.html").is_file()
    assert (project / "reports" / "odense" / "03_immediate.html").is_file()
    assert not any(Path(resources).rglob("*.html")), "wrote into the installed package"
