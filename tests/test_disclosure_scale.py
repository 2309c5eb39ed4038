"""Disclosure control at scale: the shortcuts give what the exhaustive computation gives.

The audit's attacker stops solving for a hidden number's ends once two tables consistent with
the release already put it far enough apart; the tests compare it with the exhaustive ranges
on hand-made releases with and without a leak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures_disclosure import three_option_table

from dsr_analysis.disclosure.attack import feasible_ranges, release_findings
from dsr_analysis.disclosure.audit import table_findings
from dsr_analysis.disclosure.model import TableSpec, build_model
from dsr_analysis.disclosure.release import suppress

K = 5
SPEC = {"T": TableSpec(population="p", exclusive=True,
                       additive_columns={"Total": ["P1", "P2"]})}


def release(municipalities: int = 8, seed: int = 3) -> pd.DataFrame:
    """Two periods and their total of a three-option table, municipalities of 6-40 children."""
    return three_option_table("T", municipalities, seed, (0.6, 0.3, 0.1))


def attacker_model(published: pd.DataFrame):
    return build_model(published.drop(columns=["suppressed"]), SPEC, complete=False)


@pytest.fixture(scope="module")
def published():
    return suppress(release(), SPEC, K)


def test_the_release_has_hidden_cells_and_no_findings(published):
    assert published["suppressed"].sum() > 20
    assert table_findings(published, SPEC, K).empty


@pytest.mark.parametrize("integer", [True, False])
def test_settled_ranges_agree_with_exhaustive_ones(published, integer):
    model = attacker_model(published)
    known = ~np.isnan(model.values)
    full = feasible_ranges(model, known, integer)
    enough = np.full(len(model.nodes), 3.0)
    quick = feasible_ranges(model, known, integer, enough)
    assert full["exact"].all()
    assert quick["node"].tolist() == full["node"].tolist()
    assert not quick["exact"].all(), "no program was skipped"
    sure = quick["exact"].to_numpy()
    pd.testing.assert_frame_equal(quick[sure], full[sure])
    # A settled node's ends lie inside its true range and are at least `enough` apart.
    inner = quick[~sure]
    outer = full[~sure]
    assert (inner["low"].to_numpy() >= outer["low"].to_numpy() - 1e-6).all()
    assert (inner["high"].to_numpy() <= outer["high"].to_numpy() + 1e-6).all()
    assert (inner["high"] - inner["low"] >= 3.0).all()


def test_integer_ranges_reached_by_tables_found_need_no_integer_program(published, monkeypatch):
    """Where whole-numbered tables already reach both rounded ends of a linear range, the
    integer programs are skipped; they would have given the same ranges."""
    from dsr_analysis.disclosure import attack

    model = attacker_model(leaked(published))
    known = ~np.isnan(model.values)
    calls = []
    real = attack._attained

    def counted(seen, ends):
        settled = real(seen, ends)
        calls.append(int(settled.sum()))
        return settled

    monkeypatch.setattr(attack, "_attained", counted)
    quick = feasible_ranges(model, known, integer=True)
    assert sum(calls) > 0, "no integer program was skipped"
    monkeypatch.setattr(attack, "_attained", lambda seen, ends: np.zeros(len(seen.low), bool))
    every = feasible_ranges(model, known, integer=True)
    np.testing.assert_allclose(quick[["low", "high"]], every[["low", "high"]], atol=1e-6)
    assert not release_findings(model, K).empty


def test_only_whole_numbered_tables_at_both_ends_settle_an_integer_range():
    from dsr_analysis.disclosure.attack import _attained, _Seen

    seen = _Seen(np.array([True, True, True]), integer=True)
    seen.add(np.array([1.0, 2.0, 2.0]))
    seen.add(np.array([0.0, 1.0, 1.5]))    # not whole-numbered: says nothing of any member
    seen.add(np.array([3.0, 2.0, 2.0]))
    ends = (np.array([0.0, 1.0, 2.0]), np.array([3.0, 3.0, 2.0]))
    # The first reaches 0 only in the fractional table; the second never reaches 1 or 3.
    assert _attained(seen, ends).tolist() == [False, False, True]
    assert _attained(seen, (np.array([1.0, 2.0, 2.0]), np.array([3.0, 2.0, 2.0]))).all()
    seen = _Seen(np.array([True]), integer=True)
    seen.add(np.array([1.5]))
    assert not _attained(seen, (np.array([1.0]), np.array([2.0])))[0]


def leaked(published: pd.DataFrame) -> pd.DataFrame:
    """The release with one hidden small count's partners published again."""
    cells = release()
    small = published[published["suppression"] == "primary"].iloc[0]
    out = published.copy()
    again = ((out["municipality"] == small["municipality"]) & (out["label"] != small["label"])
             & (out["column"] == small["column"])) | (
        (out["municipality"] != small["municipality"]) & (out["label"] == small["label"])
        & (out["column"] == small["column"]))
    for column in ("count", "n", "value"):
        out.loc[again, column] = cells.loc[again, column]
    out.loc[again, "suppressed"] = False
    return out


def test_a_leak_is_found_with_the_same_findings_as_the_exhaustive_attacker(published):
    model = attacker_model(leaked(published))
    found = release_findings(model, K)
    assert not found.empty
    # The exhaustive attacker: every range solved for both ends.
    from dsr_analysis.disclosure import attack

    exhaustive = attack._settling_widths
    try:
        attack._settling_widths = lambda model, min_cell: None
        every = release_findings(model, K)
    finally:
        attack._settling_widths = exhaustive
    pd.testing.assert_frame_equal(found, every)


def test_a_published_value_over_a_hidden_number_is_a_finding(published):
    out = published.copy()
    hidden = out.index[out["suppressed"]][:2]
    out.loc[hidden, "value"] = 0.5
    found = table_findings(out, SPEC, K)
    assert (found["problem"] == "a published value depends on a hidden number").sum() == 2


# ------------------------------------------------------------------- the family cache --


def two_tables(bump: int = 0) -> pd.DataFrame:
    """Tables T and U, independent of each other; ``bump`` moves one child in U."""
    t = release(6, seed=5)
    u = release(6, seed=8).assign(table="U")
    where = (u["municipality"].isin(["M02", "Alle"])) & (u["column"].isin(["P1", "Total"]))
    u.loc[where & (u["label"] == "x"), "count"] += bump
    u.loc[where & (u["label"] == "y"), "count"] -= bump
    u["value"] = u["count"] / u["n"]
    return pd.concat([t, u], ignore_index=True)


TWO_SPECS = {**SPEC, "U": TableSpec(population="q", exclusive=True,
                                     additive_columns={"Total": ["P1", "P2"]})}


def protected(cells, cache):
    from dsr_analysis.disclosure.protect import protect

    model = build_model(cells, TWO_SPECS)
    return model, protect(model, K, cache=cache)


def test_a_cache_hit_gives_the_pattern_of_a_fresh_solve(tmp_path):
    from dsr_analysis.disclosure.cache import FamilyCache

    cells = two_tables()
    model, fresh = protected(cells, None)
    cache = FamilyCache(tmp_path)
    _, first = protected(cells, cache)
    assert cache.hits == 0 and cache.misses > 1
    again = FamilyCache(tmp_path)
    _, second = protected(cells, again)
    assert again.misses == 0 and again.hits == cache.misses
    assert (first.hidden == fresh.hidden).all() and (second.hidden == fresh.hidden).all()


def test_a_changed_table_re_solves_only_its_own_families(tmp_path):
    from dsr_analysis.disclosure.cache import FamilyCache

    def families(cells):
        counted = FamilyCache(tmp_path / "count" / str(len(cells)))
        protected(cells, counted)
        return counted.misses

    cells = two_tables(bump=1)
    in_t, in_u = families(cells[cells["table"] == "T"]), families(cells[cells["table"] == "U"])
    assert in_t >= 1 and in_u >= 1
    protected(two_tables(), FamilyCache(tmp_path / "shared"))
    cache = FamilyCache(tmp_path / "shared")
    _, pattern = protected(cells, cache)
    _, fresh = protected(cells, None)
    assert (pattern.hidden == fresh.hidden).all()
    # T's families are read back; U's (the changed table's) are solved again.
    assert (cache.hits, cache.misses) == (in_t, in_u)


def test_a_cache_entry_that_does_not_hide_the_primaries_is_not_used(tmp_path):
    from dsr_analysis.disclosure.cache import FamilyCache

    cells = two_tables()
    cache = FamilyCache(tmp_path)
    _, fresh = protected(cells, cache)
    for entry in tmp_path.rglob("*.json"):
        entry.write_text("[]", encoding="utf-8")   # an empty pattern: hides nothing
    _, again = protected(cells, FamilyCache(tmp_path))
    assert (again.hidden == fresh.hidden).all()


def test_the_cache_can_be_turned_off_or_moved(monkeypatch, tmp_path):
    from dsr_analysis.disclosure.cache import DEFAULT_FOLDER, default_cache

    monkeypatch.setenv("DSR_SUPPRESSION_CACHE", "off")
    assert default_cache() is None
    monkeypatch.setenv("DSR_SUPPRESSION_CACHE", str(tmp_path))
    assert default_cache().folder == tmp_path
    monkeypatch.delenv("DSR_SUPPRESSION_CACHE")
    assert default_cache().folder == DEFAULT_FOLDER
