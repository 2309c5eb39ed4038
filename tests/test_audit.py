"""``dsr audit`` and the check ``dsr reports`` runs before it publishes anything."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fixtures.report_set import CELLS, pinned_build, tiny_settings

from dsr_analysis import config
from dsr_analysis.audit_command import audit_command, audit_folder
from dsr_analysis.cells import read_cells, write_cells
from dsr_analysis.disclosure.audit import page_findings
from dsr_analysis.release import read_release, release_cells, write_release


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The bundled release as ``dsr tables`` writes it, in a folder of its own."""
    folder = tmp_path_factory.mktemp("release")
    cells, facts = release_cells()
    write_release(cells, facts, folder / "tables.csv")
    return folder


def leaky(cells: pd.DataFrame) -> pd.DataFrame:
    """The release with Kolding's hidden cells of 7-17 published as a small count."""
    out = cells.copy()
    rows = (out["table"] == "7-17") & (out["municipality"] == "Kolding") & out["suppressed"]
    # Publishing the values a reader could use: a count of 1-4 becomes visible.
    out.loc[rows, "count"] = 3
    out.loc[rows, "value"] = 3 / out.loc[rows, "n"]
    out.loc[rows, "suppressed"] = False
    return out


def test_the_bundled_release_has_no_findings(release):
    findings, checked = audit_folder(release)
    assert findings.empty, findings.to_string()
    assert checked["hidden"] > 500


def test_a_published_small_count_is_a_finding(release, tmp_path):
    cells, facts = read_release(release)
    write_release(leaky(cells), facts, tmp_path / "tables.csv")
    findings, _ = audit_folder(tmp_path)
    assert findings["problem"].str.contains("published count of 3").any()
    result = CliRunner().invoke(audit_command, [str(tmp_path)])
    assert result.exit_code == 1 and "FINDING" in result.output
    assert "Traceback" not in result.output


def test_no_hidden_group_size_is_published_as_a_denominator(release):
    # The monitoring writes n into `denominator` too; a release once hid n and kept it there
    # (332 cells, among them a primary n of 3: Odense, 7-9).
    cells, _ = read_release(release)
    assert not (cells["n"].isna() & cells["denominator"].notna()).any()


def test_a_published_small_denominator_is_a_finding(release, tmp_path):
    cells, facts = read_release(release)
    hidden_n = cells.index[cells["n"].isna() & (cells["table"] == "7-9")][:1]
    cells.loc[hidden_n, "denominator"] = 3
    write_release(cells, facts, tmp_path / "tables.csv")
    findings, _ = audit_folder(tmp_path)
    assert findings["problem"].str.contains("published denominator of 3 that no protection").any()


def test_the_command_says_what_it_checked(release):
    result = CliRunner().invoke(audit_command, [str(release)])
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output and "hidden" in result.output


def test_a_page_may_print_only_the_release(release, tmp_path):
    cells, _ = read_release(release)
    page = tmp_path / "kolding" / "01_effort.html"
    page.parent.mkdir()
    good = "<section class='indicator'><table><tr><td>61 %</td><td class='hidden-cell'>skjult</td>"
    page.write_text(good + "</tr></table></section>", encoding="utf-8")

    def texts(frame):
        return ["61 %"]

    assert page_findings(tmp_path, cells, ("skjult",), texts).empty
    page.write_text(good + "<td>37 %</td></tr></table></section>", encoding="utf-8")
    found = page_findings(tmp_path, cells, ("skjult",), texts)
    assert "does not have" in found["problem"].iloc[0]
    page.write_text("<section class='indicator'><table><tr><td class='hidden-cell'>3</td></tr>"
                    "</table></section>", encoding="utf-8")
    assert "besides its mark" in page_findings(tmp_path, cells, ("skjult",), texts)["problem"][0]


def test_a_figure_may_draw_a_hidden_cell_only_as_a_placeholder(release, tmp_path):
    cells, _ = read_release(release)
    hidden = cells[cells["suppressed"]].iloc[0]
    key = "|".join(str(hidden[c]) for c in ("table", "municipality", "column", "label"))
    page = tmp_path / "p.html"
    page.write_text(f"<figure data-cells='{key}' data-hidden-cells='{key}'></figure>",
                    encoding="utf-8")
    assert page_findings(tmp_path, cells, ("skjult",), lambda f: []).empty
    page.write_text(f"<figure data-cells='{key}'></figure>", encoding="utf-8")
    found = page_findings(tmp_path, cells, ("skjult",), lambda f: [])
    assert found["problem"].str.contains("hidden cell as a value").any()


def test_reports_publishes_nothing_when_the_audit_finds_a_leak(tmp_path):
    settings = tiny_settings(tmp_path)
    cells = read_cells(CELLS)
    write_cells(leaky(cells), tmp_path / "leaky.csv")
    summary = pinned_build(["kolding"], jobs=1, cells_path=tmp_path / "leaky.csv",
                           settings=settings, progress=False)
    assert summary.problems and any("published count of 3" in p for p in summary.problems)
    assert not list(settings.reports_dir.rglob("*.html"))


def test_reports_refuses_a_tables_file_made_without_suppression(tmp_path):
    from dsr_analysis.errors import BuildError

    cells = read_cells(CELLS).assign(min_cell=1)
    write_cells(cells, tmp_path / "open.csv")
    with pytest.raises(BuildError, match="minimum cell size 1, not 5"):
        pinned_build(["kolding"], cells_path=tmp_path / "open.csv",
                     settings=tiny_settings(tmp_path), progress=False)
    unmarked = tmp_path / "unmarked.csv"
    write_cells(read_cells(CELLS).drop(columns=["min_cell"]), unmarked)
    with pytest.raises(BuildError, match="does not say"):
        pinned_build(["kolding"], cells_path=unmarked, settings=tiny_settings(tmp_path),
                     progress=False)


def test_differencing_against_an_earlier_cutoff_finds_nothing_when_kept(tmp_path):
    """Two releases of the bundled data, the earlier cut at the end of period 2."""
    from dsr_analysis.export import load_export

    export = load_export(config.SYNTHETIC_EXPORT_PATH)
    early = export[export["registration_date"] <= "2011-10-31"]
    path = tmp_path / "early.csv"
    early.drop(columns=["synthetic"]).assign(
        registration_date=early["registration_date"].dt.strftime("%Y-%m-%d")
    ).to_csv(path, index=False)
    old_cells, old_facts = release_cells(path)
    write_release(old_cells, old_facts, tmp_path / "old" / "tables.csv")
    new_cells, new_facts = release_cells(previous=tmp_path / "old" / "tables.csv")
    write_release(new_cells, new_facts, tmp_path / "new" / "tables.csv")
    findings, _ = audit_folder(tmp_path / "new", against=tmp_path / "old")
    assert findings.empty, findings.to_string()
    assert np.isfinite(pd.to_numeric(new_cells["n"], errors="coerce")).any()
    shutil.rmtree(tmp_path / "old")
