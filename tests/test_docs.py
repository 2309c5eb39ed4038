"""The documentation site (mkdocs.yml, docs/): every module has its API page, every page is in the
navigation, and the site builds strictly and loads nothing from the internet."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dsr_analysis import config

ROOT = config.PROJECT_ROOT
DOCS = ROOT / "docs"
PACKAGE = ROOT / "dsr_analysis"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may carry tags (!ENV, !relative) plain YAML does not know."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def _nav_files(nav) -> list[str]:
    files = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        files += _nav_files(value) if isinstance(value, list) else [value]
    return files


def _documented() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "api").glob("*.md"))
    return set(re.findall(r"^::: (dsr_analysis[\w.]*)$", text, flags=re.MULTILINE))


def test_every_module_has_its_place_in_the_api_reference():
    # Sub-packages document their modules with them (show_submodules); top-level modules are
    # listed one by one. A new module goes on the page of its group (docs/api/*.md).
    documented = _documented()
    expected = {f"dsr_analysis.{p.stem}" for p in PACKAGE.glob("*.py")
                if not p.stem.startswith("_")}
    expected |= {f"dsr_analysis.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    missing = sorted(expected - documented)
    assert not missing, f"not in any docs/api/*.md page: {missing}"
    assert not sorted(documented - expected), "a page names a module that is gone"


def test_every_page_is_in_the_navigation_and_every_navigation_entry_exists():
    nav = _nav_files(_mkdocs_config()["nav"])
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert set(nav) == pages
    # The README is the home page and the changelog a page, included rather than copied.
    assert '--8<-- "README.md"' in (DOCS / "index.md").read_text(encoding="utf-8")
    assert '--8<-- "CHANGELOG.md"' in (DOCS / "changelog.md").read_text(encoding="utf-8")


def test_the_site_is_built_strictly_into_the_ignored_build_folder():
    mkdocs = _mkdocs_config()
    assert mkdocs["strict"] is True and mkdocs["site_dir"] == "build/site"
    assert mkdocs["theme"]["font"] is False
    assert "build/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "mkdocs build --strict" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make docs" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_doctest_fence_leaves_examples_sections_to_the_numpy_parser():
    # The extension imports griffe, which the docs extra brings (make docs), not make test.
    pytest.importorskip("griffe")
    sys.path.insert(0, str(DOCS))
    try:
        from griffe_doctests import fence_doctests
    finally:
        sys.path.remove(str(DOCS))
    text = "Summary.\n\n    >>> f()\n    1\n\nExamples\n--------\n>>> g()\n2\n"
    assert fence_doctests(text) == (
        "Summary.\n\n    ```pycon\n    >>> f()\n    1\n    ```\n\nExamples\n--------\n"
        ">>> g()\n2\n")
    # A doctest already fenced stays as it is.
    fenced = "```python\n>>> h()\n```"
    assert fence_doctests(fenced) == fenced


def _mkdocs() -> str | None:
    beside = Path(sys.executable).with_name("mkdocs")
    return str(beside) if beside.exists() else shutil.which("mkdocs")


# Attributes that make a browser fetch something to render the page (plain links do not).
_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=["']?(https?:)?//"""
    r"""|<link\b(?=[^>]*\brel=["']?(?:stylesheet|preload|prefetch|icon|modulepreload|manifest))"""
    r"""[^>]*\bhref=["']?(https?:)?//"""
    r"""|@import\s+(?:url\()?["']?(https?:)?//|url\(["']?(https?:)?//""",
    re.IGNORECASE,
)


@pytest.mark.slow
@pytest.mark.skipif(_mkdocs() is None, reason="mkdocs is not installed (make docs installs it)")
def test_the_site_builds_without_a_warning_and_loads_nothing_from_the_internet(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [_mkdocs(), "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
        capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 17 and (site / "api" / "disclosure.html").exists()
    # The README is the home page, with its first heading.
    assert "Reproducible evaluation of" in (site / "index.html").read_text(encoding="utf-8")
    external = [
        (str(path.relative_to(site)), match.group(0))
        for path in [*pages, *site.rglob("*.css"), *site.rglob("*.js")]
        for match in _RESOURCE.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not external, external[:5]
    # Search works from file:// (the offline plugin's inlined index and the vendored shim).
    assert (site / "search" / "search_index.js").exists()
    assert (site / "assets" / "javascripts" / "iframe-worker-shim.js").exists()
