"""Benchmark: Tau-Argus against our small-cell suppression on the by-period tables 7-15 to 7-19.

Run from the project root (about ten seconds)::

    .venv/bin/pip install -e '.[bench]'        # pytauargus 0.6: Tau-Argus with HiGHS, no licence
    .venv/bin/python benchmarks/tau_argus.py [--patterns tau_argus_patterns.csv]

Prints, per table, the cells Tau-Argus hides (primary, secondary, total, and how many of them are
group sizes n), the same with every cell costing 1, the same with every n kept published (as our
package keeps them), the cells our package hides (:func:`ours_hidden`, the one function to point
at another engine), the ratio, and how many of Tau-Argus's hidden cells our attacker
(:func:`dsr_analysis.disclosure.attack.truth_findings`) still pins down. ``--patterns`` writes
Tau-Argus's patterns (:func:`tau_argus_pattern`, keyed like our cells) to a CSV.

What Tau-Argus is given. Our counts become microdata (one record per child counted, response 1)
that :func:`pytauargus.protect` (``run=False``) writes with its metadata; the benchmark writes
the same batch as ``protect`` with :func:`pytauargus.arb.micro_arb`, plus an a-priori file where
cells must stay published, and runs it with :func:`pytauargus.engine.run_batch`. Tau-Argus adds
every margin itself; the benchmark checks that each equals the cell we publish.

* 7-17 and 7-18 (single choice): one table municipality x period x option with all margins. Its
  municipality margin is "Alle", its period margin "Total" and its option margin the group size
  n, so Tau-Argus may hide an n, as our package also does.
* 7-15, 7-16 and 7-19 (multiple choice): an option's count is the children choosing it, so the
  options do not add up and their sum is published nowhere. Tau-Argus treats every cell it does
  not hide as published, so a 3-D table would hand its reader that unpublished option margin.
  The same table is therefore one municipality x period table (with both margins) per option,
  which is exactly the relations our package's reader knows (municipalities add up to "Alle",
  periods to "Total"), plus the municipality x period table of n. Tau-Argus's reader cannot be
  told that a count is at most its n (the tables are not linked by equations); ours knows it.

Protection settings.

* ``FREQ(5,10)``: a cell whose frequency is 1 to 4 is primary unsafe; an empty cell (zero) is
  safe, empty, and fixed at 0, so Tau-Argus never hides a zero.
* Protection interval +-1: Tau-Argus has no absolute setting for it. The frequency rule's second
  parameter is the *safety range* in per cent of the cell value, and the native engine
  (``CTable::SetProtectionLevelCell``) raises any protection level below ``MinLPL`` = 1 to 1. With
  a range under 25 % every unsafe count 1-4 gets lower = upper protection level 1: the reader's
  feasible interval must reach value - 1 and value + 1. The benchmark checks these levels.
* ``OPT(1,1)``: optimal suppression (Fischetti-Salazar, HiGHS). Its second argument is the time
  limit in *minutes*; the bare ``OPT(1)`` of pytauargus's examples means 0 minutes and returns
  the first feasible pattern, not an optimal one (7-18: 67 cells instead of 66). Each run's
  ``FullJJ.log`` says whether the solver proved optimality; the benchmark reports it.
* Cost: Tau-Argus's default, the cell value (it minimises the sum of the hidden counts); the
  column "TA unit" repeats the run with cost -2 (every cell costs 1, i.e. fewest cells).
* "TA n kept": every n gets the a-priori status P (protected: published, never a complement).
  A count equal to a published n whose other options are zeros cannot be protected then (zeros
  cannot be hidden), and Tau-Argus's solver fails: the benchmark prints "infeasible".
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsr_analysis import config, export, tables  # noqa: E402
from dsr_analysis.cells import POOLED_NAME, TOTAL_COLUMN  # noqa: E402
from dsr_analysis.codebook import default_codebook  # noqa: E402
from dsr_analysis.disclosure.attack import truth_findings  # noqa: E402
from dsr_analysis.disclosure.model import KEY, build_model  # noqa: E402
from dsr_analysis.disclosure.protect import (  # noqa: E402
    primary_nodes,
    protect,
    protection_levels,
)

SINGLE_CHOICE = ("7-17", "7-18")
MULTIPLE_CHOICE = ("7-15", "7-16", "7-19")
TABLES = ("7-15", "7-16", "7-17", "7-18", "7-19")
MIN_CELL = 5
SAFETY_RULE = f"FREQ({MIN_CELL},10)"
SUPPRESS = "OPT(1,1)"
COSTS = {"value": None, "unit": "-2"}
HIDDEN = ("U", "M")  # Tau-Argus statuses: U primary unsafe, M secondary; S safe, E empty
# Tau-Argus sees short ASCII codes, so nothing depends on how its fixed-width microdata and
# code lists treat labels with spaces, commas and Danish letters.
_TAU_TOTAL = "Total"
_N = "n"


def _codes(names, prefix: str) -> dict[str, str]:
    names = sorted(set(names))
    width = len(str(len(names)))
    return {name: f"{prefix}{i:0{width}d}" for i, name in enumerate(names, 1)}


def _solver_optimal(log: Path) -> bool | None:
    """Whether FullJJ proved its pattern optimal (its own test: upper - lower bound < 0.1)."""
    text = log.read_text() if log.exists() else ""
    found = re.findall(r"Objectvalues:\s*(\S+) and\s*(\S+)", text)
    return None if not found else all(float(u) - float(lo) < 0.1 for lo, u in found)


class Infeasible(RuntimeError):
    """Tau-Argus found no pattern that protects every unsafe cell."""


def _protect(inner: pd.DataFrame, dims: list[str], cost: str | None,
             keep: list[tuple[str, ...]] = ()) -> tuple[pd.DataFrame, bool]:
    """Run Tau-Argus on the inner cells (codes in ``dims``, ``count``); return every cell.

    ``keep`` names cells (codes, margins "Total") that Tau-Argus must publish: they get the
    a-priori status P (protected). The result has ``dims``, ``value``, ``status``, ``lower`` and
    ``upper`` (protection levels), and whether the solver proved its pattern optimal.
    """
    from pytauargus import protect
    from pytauargus.arb import micro_arb
    from pytauargus.batch import BatchError
    from pytauargus.engine import run_batch
    from pytauargus.result import TableResult

    inner = inner[inner["count"] > 0].sort_values(dims)
    if inner.empty:  # nothing to tabulate: every cell is an empty zero
        return pd.DataFrame(columns=[*dims, "value", "status", "lower", "upper"]), True
    micro = inner.loc[inner.index.repeat(inner["count"]), dims].assign(one=1)
    with tempfile.TemporaryDirectory(prefix="tau_argus_") as work, contextlib.chdir(work):
        # The solver writes FullJJ.log and its SCIP logs into the working directory.
        files = protect(micro.reset_index(drop=True), dims, response="one", workdir=work,
                        run=False).files
        apriori = Path(work) / "keep.hst"
        apriori.write_text("".join(",".join([*codes, "P"]) + "\n" for codes in keep))
        # The batch protect() writes, plus the a-priori file it has no argument for.
        micro_arb(arb_filename=files["arb"], asc_filename=files["asc"],
                  rda_filename=files["rda"], explanatory_vars=[dims], response_var="one",
                  cost_var=cost, safety_rules=SAFETY_RULE, suppress=SUPPRESS,
                  output_names=[files["tab1"]], output_type="5", output_options="SO+",
                  apriori=[str(apriori)] if keep else None)
        try:
            run_batch(files["arb"])
        except BatchError as error:
            if str(error).startswith("FullJJ failed"):
                raise Infeasible(str(error)) from error
            raise
        frame = TableResult(files["tab1"], dims, "value").dataframe()
        optimal = _solver_optimal(Path(work) / "FullJJ.log")
    frame = frame[[*dims, "value", "status", "lower", "upper"]]
    unsafe = frame["status"] == "U"
    if not ((frame.loc[unsafe, "lower"] == 1) & (frame.loc[unsafe, "upper"] == 1)).all():
        raise RuntimeError(f"Tau-Argus gave a protection interval other than +-1 ({SAFETY_RULE})")
    return frame, bool(optimal)


def _named(frame: pd.DataFrame, names: dict[str, dict[str, str]], totals: dict[str, str]):
    """Tau-Argus's codes back to our names ("Total" becomes the margin's name)."""
    out = frame.copy()
    for dim, mapping in names.items():
        back = {code: name for name, code in mapping.items()} | {_TAU_TOTAL: totals[dim]}
        out[dim] = out[dim].map(back)
    return out


def _status_of(grid: pd.DataFrame, tau: pd.DataFrame, on: list[str], truth: str) -> pd.Series:
    """Tau-Argus's status of every cell of ``grid``; cells it never saw are empty zeros."""
    merged = grid[[*on, truth]].merge(tau, on=on, how="left", validate="one_to_one")
    absent = merged["status"].isna()
    value = merged["value"].fillna(0)
    if (value != merged[truth]).any() or (merged.loc[absent, truth] != 0).any():
        first = merged.loc[value != merged[truth], on].head(1).to_dict("records")
        raise RuntimeError(f"a Tau-Argus margin differs from the published cell, e.g. {first}")
    return merged["status"].fillna("E").set_axis(grid.index)


_TOTALS = {"municipality": POOLED_NAME, "column": TOTAL_COLUMN, "label": _N}


def _coded(cells: pd.DataFrame, dims: list[str]) -> tuple[dict, pd.DataFrame]:
    """Tau-Argus's codes of each dimension, and the inner cells (no margins) in those codes."""
    names = {dim: _codes(cells.loc[cells[dim] != _TOTALS[dim], dim], dim[0]) for dim in dims}
    inner = cells[(cells["municipality"] != POOLED_NAME) & (cells["column"] != TOTAL_COLUMN)]
    return names, inner.assign(**{dim: inner[dim].map(names[dim]) for dim in dims})


def _group_codes(groups: pd.DataFrame, names: dict) -> list[tuple[str, ...]]:
    """The codes of every (municipality, column) group, margins as "Total"."""
    return [tuple(_TAU_TOTAL if row[dim] == _TOTALS[dim] else names[dim][row[dim]]
                  for dim in ("municipality", "column"))
            for row in groups.to_dict("records")]


def _single_choice(cells: pd.DataFrame, cost: str | None, keep_n: bool):
    dims = ["municipality", "column", "label"]
    names, coded = _coded(cells, dims)
    groups = cells.drop_duplicates(["municipality", "column"])[["municipality", "column", "n"]]
    keep = [(*codes, _TAU_TOTAL) for codes in _group_codes(groups, names)] if keep_n else []
    tau, optimal = _protect(coded, dims, cost, keep)
    tau = _named(tau, names, _TOTALS)
    status = _status_of(cells.assign(count=cells["count"].astype(int)), tau, dims, "count")
    n_status = _status_of(groups.assign(label=_N), tau, dims, "n")
    return _with_status(cells, status, groups.assign(n_status=n_status)), optimal


def _multiple_choice(cells: pd.DataFrame, cost: str | None, keep_n: bool):
    dims = ["municipality", "column"]
    names, coded = _coded(cells, dims)
    status = pd.Series("E", index=cells.index)
    all_optimal = True
    for label in sorted(cells["label"].unique()):
        tau, optimal = _protect(coded[coded["label"] == label], dims, cost)
        mine = cells[cells["label"] == label].assign(count=lambda c: c["count"].astype(int))
        status[mine.index] = _status_of(mine, _named(tau, names, _TOTALS), dims, "count")
        all_optimal &= optimal
    groups = cells.drop_duplicates(dims)[[*dims, "n"]]
    if keep_n:  # the option tables do not involve n, so keeping n is not protecting its table
        return _with_status(cells, status, groups.assign(n_status="P")), all_optimal
    n_inner = coded.drop_duplicates(dims).assign(count=lambda c: c["n"].astype(int))
    tau, optimal = _protect(n_inner, dims, cost)
    n_status = _status_of(groups, _named(tau, names, _TOTALS), dims, "n")
    return _with_status(cells, status, groups.assign(n_status=n_status)), all_optimal and optimal


def _with_status(cells: pd.DataFrame, status: pd.Series, groups: pd.DataFrame) -> pd.DataFrame:
    out = cells[[*KEY, "n", "count"]].assign(status=status)
    out = out.merge(groups[["municipality", "column", "n_status"]], on=["municipality", "column"],
                    how="left", validate="many_to_one")
    return out.assign(
        suppressed=out["status"].isin(HIDDEN),
        suppression=out["status"].map({"U": "primary", "M": "secondary"}).fillna(""),
        n_suppressed=out["n_status"].isin(HIDDEN),
    )


def tau_argus_pattern(table_id: str, cells_full: pd.DataFrame, cost: str = "value",
                      keep_n: bool = False) -> pd.DataFrame:
    """Tau-Argus's suppression pattern of one by-period table, keyed like our cells.

    Parameters
    ----------
    table_id : str
        One of :data:`TABLES`.
    cells_full : DataFrame
        Unsuppressed cells (:func:`dsr_analysis.tables.unsuppressed_cells`).
    cost : {"value", "unit"}
        Tau-Argus's cost of hiding a cell: its value (the default) or 1.
    keep_n : bool
        Publish every group size n, as our package does: n gets the a-priori status P
        (protected) in a single-choice table, and the n table of a multiple-choice one is not
        protected at all.

    Returns
    -------
    DataFrame
        One row per cell of the table: ``table, municipality, column, label, n, count``, Tau-Argus's
        ``status`` (S safe, U primary, M secondary, E empty, P kept), ``suppressed`` (bool),
        ``suppression`` ("primary", "secondary" or ""), and the same for the cell's group size:
        ``n_status`` and ``n_suppressed``. ``attrs["optimal"]`` says whether every OPT run
        proved its pattern optimal.

    Raises
    ------
    Infeasible
        No pattern protects every unsafe cell (possible with ``keep_n``: a zero cannot be hidden,
        so a count equal to a published n with zeros beside it stays known).
    """
    # Contrast rows (changes between periods) are computed from the cells, not counted.
    in_table = (cells_full["table"] == table_id) & (cells_full["kind"] != "difference")
    cells = cells_full[in_table].reset_index(drop=True)
    if table_id in SINGLE_CHOICE:
        pattern, optimal = _single_choice(cells, COSTS[cost], keep_n)
    elif table_id in MULTIPLE_CHOICE:
        pattern, optimal = _multiple_choice(cells, COSTS[cost], keep_n)
    else:
        raise ValueError(f"table {table_id!r} is not one of the by-period tables {TABLES}")
    pattern.attrs["optimal"] = optimal
    return pattern


def tau_counts(pattern: pd.DataFrame) -> dict[str, int]:
    """Cells Tau-Argus hides: option cells and group sizes, primary and secondary."""
    n_cells = pattern.drop_duplicates(["municipality", "column"])["n_status"]
    status = pd.concat([pattern["status"], n_cells])
    return {
        "cells": len(status),
        "primary": int((status == "U").sum()),
        "secondary": int((status == "M").sum()),
        "total": int(status.isin(HIDDEN).sum()),
        "n": int(n_cells.isin(HIDDEN).sum()),
    }


_OURS: dict[str, object] = {}


def _our_protection(cells_full: pd.DataFrame):
    """The package's model and protection of every table of ``cells_full`` (computed once)."""
    if _OURS.get("of") is not cells_full:
        specs = tables.suppression_specs(tables.load_tables_spec(), default_codebook())
        model = build_model(cells_full, specs)
        _OURS.update(of=cells_full, specs=specs, model=model,
                     protection=protect(model, MIN_CELL))
    return _OURS["specs"], _OURS["model"], _OURS["protection"]


def _table_nodes(model, specs, table_id: str) -> tuple[list[int], list[int]]:
    """Node numbers of the table's counts and of its group sizes n."""
    population = specs[table_id].population
    keys = model.nodes["key"]
    counts = [i for i, key in enumerate(keys) if key[0] == "c" and key[1] == table_id]
    groups = [i for i, key in enumerate(keys) if key[0] == "n" and key[1] == population]
    return counts, groups


def ours_hidden(table_id: str, cells_full: pd.DataFrame) -> dict[str, int]:
    """Cells our package hides in one table, counted as Tau-Argus counts them: the hidden
    counts plus the hidden group sizes n (its option margin), and our hidden rows.

    This is the engine of :func:`dsr_analysis.tables.published_cells_of`
    (:func:`dsr_analysis.disclosure.protect.protect` with the package's table specs,
    ``min_cell`` 5) run once on every table of ``cells_full``.
    """
    specs, model, protection = _our_protection(cells_full)
    counts, groups = _table_nodes(model, specs, table_id)
    hidden = protection.hidden
    in_table = (model.cells["table"] == table_id) & (model.cells["kind"] != "difference")
    rows = list(np.flatnonzero(in_table.to_numpy()))
    rows_hidden = sum(bool(hidden[list(model.value_nodes[r])].any()) for r in rows)
    return {
        "hidden": int(hidden[counts].sum()),
        "n": int(hidden[groups].sum()),
        "total": int(hidden[counts].sum() + hidden[groups].sum()),
        "zeros": int((hidden[counts] & (model.values[counts] == 0)).sum()),
        "rows": int(rows_hidden),
    }


def attacker_pins(table_id: str, cells_full: pd.DataFrame, pattern: pd.DataFrame) -> int:
    """Tau-Argus's unsafe cells that our attacker pins down inside their protection interval.

    Our attacker knows every relation of the package's model (counts within their group,
    groups within the registered children, the other tables published); Tau-Argus's pattern
    hides the table's counts and group sizes it marks.
    """
    specs, model, _ = _our_protection(cells_full)
    keys = model.nodes["key"]
    where = {key: i for i, key in enumerate(keys)}
    population = specs[table_id].population
    code = cells_full.set_index(KEY)["code"].astype(str).to_dict()
    hidden = np.zeros(len(keys), dtype=bool)
    for row in pattern.itertuples(index=False):
        if row.suppressed:
            option = code[(table_id, row.municipality, row.column, row.label)]
            hidden[where[("c", table_id, row.municipality, row.column, option)]] = True
        if row.n_suppressed:
            hidden[where[("n", population, row.municipality, row.column, "")]] = True
    # Only counts and group sizes are hidden, so the primaries among them are Tau-Argus's.
    primary = hidden & primary_nodes(model, MIN_CELL)
    findings = truth_findings(model, hidden, primary, protection_levels(model))
    return len(findings)


def _kept_n(table_id: str, cells_full: pd.DataFrame) -> pd.DataFrame | None:
    try:
        return tau_argus_pattern(table_id, cells_full, keep_n=True)
    except Infeasible:
        return None


def compare(cells_full: pd.DataFrame, table_ids=TABLES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row of figures per table, and Tau-Argus's patterns (default cost) of all of them."""
    rows, patterns = [], []
    for table_id in table_ids:
        pattern = tau_argus_pattern(table_id, cells_full)
        unit = tau_argus_pattern(table_id, cells_full, cost="unit")
        kept = _kept_n(table_id, cells_full)
        tau, ours = tau_counts(pattern), ours_hidden(table_id, cells_full)
        runs = [pattern, unit] + ([kept] if kept is not None else [])
        rows.append({
            "table": table_id,
            "choice": "single" if table_id in SINGLE_CHOICE else "multiple",
            "cells": tau["cells"],
            "ta_primary": tau["primary"],
            "ta_secondary": tau["secondary"],
            "ta_total": tau["total"],
            "ta_n": tau["n"],
            "ta_unit": tau_counts(unit)["total"],
            "ta_kept_n": None if kept is None else tau_counts(kept)["total"],
            "ours": ours["total"],
            "ours_rows": ours["rows"],
            "ours_zeros": ours["zeros"],
            "ratio": ours["total"] / tau["total"],
            "pinned": attacker_pins(table_id, cells_full, pattern),
            "pinned_kept_n": None if kept is None else attacker_pins(table_id, cells_full, kept),
            "optimal": all(run.attrs["optimal"] for run in runs),
        })
        patterns.append(pattern)
    return pd.DataFrame(rows), pd.concat(patterns, ignore_index=True)


def _report(figures: pd.DataFrame) -> str:
    """The figures as a text table with a total row."""
    total = {"table": "total", "choice": "", "optimal": figures["optimal"].all()}
    for column in figures.columns.drop(["table", "choice", "optimal", "ratio"]):
        values = figures[column]
        total[column] = None if values.isna().any() else int(values.sum())
    total["ratio"] = total["ours"] / total["ta_total"]
    rows = pd.DataFrame([*figures.to_dict("records"), total])

    def number(value) -> str:
        return "infeasible" if value is None or pd.isna(value) else str(int(value))

    shown = pd.DataFrame({
        "table": rows["table"],
        "choice": rows["choice"],
        "cells": rows["cells"].map(number),
        "TA prim": rows["ta_primary"].map(number),
        "TA sec": rows["ta_secondary"].map(number),
        "TA hidden (n)": [f"{t} ({n})"
                          for t, n in zip(rows["ta_total"], rows["ta_n"], strict=True)],
        "TA unit": rows["ta_unit"].map(number),
        "TA n kept": rows["ta_kept_n"].map(number),
        "ours (0s)": [f"{o} ({z})" for o, z in zip(rows["ours"], rows["ours_zeros"], strict=True)],
        "ours rows": rows["ours_rows"].map(number),
        "ours/TA": rows["ratio"].map("{:.2f}".format),
        "pinned": rows["pinned"].map(number),
        "pinned n kept": rows["pinned_kept_n"].map(lambda v: "-" if v is None or pd.isna(v)
                                                   else str(int(v))),
        "optimal": rows["optimal"].map({True: "yes", False: "NO"}),
    })
    return shown.to_string(index=False)


LEGEND = """\
cells          Tau-Argus's cells of the table: our cells plus one group size n per column.
TA prim/sec    cells Tau-Argus hides by the frequency rule / to protect them (n included).
TA hidden (n)  all cells Tau-Argus hides (of them group sizes n).
TA unit        the same with every cell costing 1 (fewest cells instead of fewest children).
TA n kept      cells Tau-Argus hides when every n must stay published (a-priori status P), as
               ours do; infeasible: no pattern can then protect every unsafe count.
ours (0s)      cells our package hides, counted as Tau-Argus counts: hidden counts plus hidden
               group sizes n (of them zeros: none, our engine never hides a zero either).
ours rows      published rows of the table whose value our package hides (a share is hidden
               when its count or its n is).
pinned         Tau-Argus's hidden cells that our attacker recovers, taking every n as published.
optimal        every OPT run proved its pattern optimal."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=Path, help="write Tau-Argus's patterns to this CSV")
    args = parser.parse_args(argv)
    try:
        import pytauargus
    except ImportError:
        print("pytauargus is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 1
    start = time.perf_counter()
    cells_full = tables.unsuppressed_cells(export.load_export(config.SYNTHETIC_EXPORT_PATH))
    figures, patterns = compare(cells_full)
    print(f"Tau-Argus (pytauargus {pytauargus.__version__}, {SAFETY_RULE}, {SUPPRESS}, cost = "
          f"cell value) against dsr-analysis (min_cell {MIN_CELL}), bundled synthetic export\n")
    print(_report(figures))
    print("\n" + LEGEND)
    if args.patterns:
        patterns.to_csv(args.patterns, index=False)
        print(f"\nTau-Argus's patterns: {args.patterns}")
    print(f"\n{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
