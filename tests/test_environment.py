"""environment.yml (conda) and pyproject.toml (pip, the README and CI) name the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml

from dsr_analysis import config

NOT_PACKAGES = {"python", "pip"}


def _name(requirement: str) -> str:
    # conda-forge spells some names with "_" where PyPI uses "-" (jupyter_client).
    name = re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _pyproject_packages() -> set[str]:
    project = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for name, extra in project.get("optional-dependencies", {}).items():
        # `bench` (benchmarks/tau_argus.py) is opt-in for pip users and not part of the conda env.
        if name != "bench":
            requirements += extra
    return {_name(r) for r in requirements}


def _conda_packages() -> set[str]:
    environment = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    names = {_name(d) for d in environment["dependencies"] if isinstance(d, str)}
    return names - NOT_PACKAGES


def test_environment_yml_and_pyproject_name_the_same_packages():
    pip_only = _pyproject_packages() - _conda_packages()
    conda_only = _conda_packages() - _pyproject_packages()
    assert not pip_only and not conda_only, f"pip only: {pip_only}; conda only: {conda_only}"


def test_conda_environment_installs_this_package_editable():
    environment = yaml.safe_load((config.PROJECT_ROOT / "environment.yml").read_text())
    pip_section = [d for d in environment["dependencies"] if isinstance(d, dict)]
    assert pip_section and "-e ." in pip_section[0]["pip"]
