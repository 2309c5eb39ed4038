"""The audit of a release: everything published, read as an attacker reads it.

A release is a tables file (``tables.csv``, published cells) and the pages made from it. The
audit checks, without the children's data:

- the tables: no published count or group size between 1 and k-1, and no hidden number a
  reader can narrow below its protection interval with every relation of the model
  (:func:`dsr_analysis.disclosure.attack.release_findings`, integer programming included);
- what is derived: a value, an interval bound or a contrast is published only when every
  number it is computed from is, since it would otherwise give that number away;
- the pages: every number a table on a page prints is a number of the release, a hidden cell
  shows the mark and nothing else, and every cell a figure draws is published (hidden ones
  only as placeholders);
- across two releases of different data cut-offs (:func:`differencing_findings`): what one
  release shows of a group that can no longer change is carried into the other, and back,
  until nothing new is learnt; a small number pinned that way is a finding.

``dsr audit`` runs it on a folder; ``dsr reports`` runs it on the staged pages before anything
is published.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

from dsr_analysis.disclosure.attack import release_findings
from dsr_analysis.disclosure.model import KEY, TableSpec, build_model

#: Columns of a finding.
FINDING_COLUMNS = ["where", "key", "problem"]


def _finding(where: str, key, problem: str) -> dict:
    return {"where": where, "key": key, "problem": problem}


def table_findings(cells: pd.DataFrame, specs: Mapping[str, TableSpec],
                   min_cell: int) -> pd.DataFrame:
    """What the published cells give away (see the module docstring): one row per finding.

    Cells of tables without a spec (Copenhagen's trial) are checked for small published
    numbers only; their derived estimates are the trial's own concern.
    """
    rows = []
    modelled = cells[cells["table"].isin(list(specs))]
    other = cells[~cells["table"].isin(list(specs))]
    if min_cell > 1 and len(modelled):
        model = build_model(modelled.drop(columns=["suppressed"]), specs, complete=False)
        for found in release_findings(model, min_cell).itertuples(index=False):
            rows.append(_finding("tables", found.key, found.problem))
        rows += _derived_findings(model)
        rows += _stray_denominators(model)
    if min_cell > 1 and len(other):
        rows += _small_published(other, min_cell)
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _stray_denominators(model) -> list[dict]:
    """Published denominators the model has no node for that are not the published n: a
    number no protection looked at (a hidden n written into ``denominator`` was one)."""
    cells = model.cells
    if "denominator" not in cells:
        return []
    shown = pd.to_numeric(cells["denominator"], errors="coerce")
    n = pd.to_numeric(cells["n"], errors="coerce")
    stray = (model.denominator_node < 0) & shown.notna().to_numpy() & ~(shown == n).to_numpy()
    return [
        _finding("tables", tuple(cells.iloc[r][KEY]),
                 f"a published denominator of {shown.iloc[r]:g} that no protection covers")
        for r in np.flatnonzero(stray)
    ]


def _derived_findings(model) -> list[dict]:
    """Published values or intervals that depend on a hidden number."""
    known = ~np.isnan(model.values)
    cells = model.cells
    value_shown = cells["value"].notna().to_numpy()
    bound_shown = np.zeros(len(cells), bool)
    for bound in ("ci_low", "ci_high"):
        if bound in cells:
            bound_shown |= cells[bound].notna().to_numpy()
    value_open = _any_unknown(model.value_nodes, known)
    interval_open = _any_unknown(model.interval_nodes, known)
    keys = list(cells[KEY].itertuples(index=False, name=None))
    rows = []
    for r in np.flatnonzero((value_shown & value_open) | (bound_shown & interval_open)):
        if value_shown[r] and value_open[r]:
            rows.append(_finding("tables", keys[r],
                                 "a published value depends on a hidden number"))
        if bound_shown[r] and interval_open[r]:
            rows.append(_finding("tables", keys[r], "a published interval depends on a hidden "
                                                    "number"))
    return rows


def _any_unknown(nodes_of_rows: list[tuple[int, ...]], known: np.ndarray) -> np.ndarray:
    """For every row, whether any of its nodes is unknown."""
    lengths = np.fromiter((len(nodes) for nodes in nodes_of_rows), int, len(nodes_of_rows))
    flat = np.fromiter((node for nodes in nodes_of_rows for node in nodes), int, lengths.sum())
    row_of = np.repeat(np.arange(len(nodes_of_rows)), lengths)
    unknown = np.bincount(row_of, weights=~known[flat], minlength=len(nodes_of_rows))
    return unknown > 0


def _small_published(cells: pd.DataFrame, min_cell: int) -> list[dict]:
    """Published counts (of shares and count tables), group sizes and denominators between
    1 and k - 1."""
    rows = []
    for column, what, where in (
        ("count", "count", cells["kind"].isin(["share", "count"])),
        ("n", "group size", ~cells["suppressed"].astype(bool)),
        ("denominator", "denominator", cells["denominator"].notna()
         if "denominator" in cells else pd.Series(False, index=cells.index)),
    ):
        if column not in cells:
            continue
        values = pd.to_numeric(cells[column], errors="coerce")
        for r in np.flatnonzero((values.between(1, min_cell - 1) & where).to_numpy()):
            rows.append(_finding("tables", tuple(cells.iloc[r][KEY]),
                                 f"a published {what} of {values.iloc[r]:g} (below {min_cell})"))
    return rows


# --------------------------------------------------------------------------------- pages --


class _PageReader(HTMLParser):
    """The table cells and figures of a page: what it prints and what it draws."""

    #: Sections whose tables print published cells (not the municipalities' facts).
    CELL_SECTIONS = ("indicator", "other-table")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, str]] = []  # (class, text) of every <td> of the cells
        self.figures: list[tuple[str, str]] = []  # (data-cells, data-hidden-cells)
        self._td: list[str] | None = None
        self._class = ""
        self._sections: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section":
            classes = (attributes.get("class") or "").split()
            self._sections.append(any(c in self.CELL_SECTIONS for c in classes))
        elif tag == "td" and any(self._sections):
            self._td, self._class = [], attributes.get("class") or ""
        elif tag == "figure" and "data-cells" in attributes:
            self.figures.append((attributes.get("data-cells") or "",
                                 attributes.get("data-hidden-cells") or ""))

    def handle_endtag(self, tag):
        if tag == "section" and self._sections:
            self._sections.pop()
        elif tag == "td" and self._td is not None:
            self.cells.append((self._class, "".join(self._td).strip()))
            self._td = None

    def handle_data(self, data):
        if self._td is not None:
            self._td.append(data)


_NUMBER = re.compile(r"[−\-+]?\d[\d.,]*")


def _numbers(text: str) -> list[str]:
    return [m.group(0).strip(".,") for m in _NUMBER.finditer(text)]


def page_findings(folder: Path, cells: pd.DataFrame, mark_words: tuple[str, ...],
                  texts: Callable[[pd.DataFrame], Iterable[str]],
                  skip: Iterable[Path] = ()) -> pd.DataFrame:
    """What the pages in ``folder`` show beyond the release ``cells``.

    ``texts`` gives every text the pages' tables may print for the cells (as the pages format
    them, in every edition); ``mark_words`` are the hidden-cell marks of the editions. Pages
    under a folder in ``skip`` (another report set's, with a release of its own) are not read.
    """
    skip = [Path(s) for s in skip]
    rows = []
    published = {
        "|".join(map(str, key)): bool(hidden)
        for key, hidden in zip(cells[KEY].itertuples(index=False, name=None),
                               cells["suppressed"], strict=True)
    }
    allowed = {number for text in texts(cells) for number in _numbers(text)}
    for page in sorted(Path(folder).rglob("*.html")):
        if page.name.startswith(".") or any(page.is_relative_to(s) for s in skip):
            continue
        reader = _PageReader()
        reader.feed(page.read_text(encoding="utf-8"))
        where = str(page.relative_to(folder))
        for klass, text in reader.cells:
            if "hidden-cell" in klass and text not in mark_words:
                rows.append(_finding(where, text, "a hidden cell shows something besides its mark"))
            for number in _numbers(text):
                if number not in allowed:
                    rows.append(_finding(where, text, "a table prints a number the release "
                                                      "does not have"))
        for drawn, hidden in reader.figures:
            hidden_keys = {html.unescape(k) for k in hidden.split(";") if k}
            for key in (html.unescape(k) for k in drawn.split(";") if k):
                if key not in published:
                    rows.append(_finding(where, key, "a figure draws a cell the release lacks"))
                elif published[key] and key not in hidden_keys:
                    rows.append(_finding(where, key, "a figure draws a hidden cell as a value"))
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


# ---------------------------------------------------------------------------- differencing --


def differencing_findings(
    old: pd.DataFrame,
    new: pd.DataFrame,
    closed: set[tuple[str, str]],
    specs: Mapping[str, TableSpec],
    min_cell: int,
) -> pd.DataFrame:
    """Small numbers a reader pins by putting two releases side by side.

    ``closed`` lists the (table, column) pairs whose groups cannot have changed between the
    releases (periods that ended before the older release's cut-off). A number one release
    shows, or one its attacker pins exactly, becomes known in the other; the attack repeats
    until nothing new is learnt. Findings are reported for the newer release, and only those
    the pair gives away: what the newer release gives away by itself is
    :func:`table_findings`' to report.
    """
    old, new = _numbers_only(old), _numbers_only(new)
    alone = new.copy()
    shared = _closed_keys(old, new, closed)
    learnt_any = False
    for _ in range(10):
        learnt = _carry(old, new, shared) + _carry(new, old, shared)
        learnt += _pinned_into(old, new, shared, specs, min_cell)
        learnt += _pinned_into(new, old, shared, specs, min_cell)
        if not learnt:
            break
        learnt_any = True
    if not learnt_any:  # neither release tells the other anything
        return pd.DataFrame(columns=FINDING_COLUMNS)
    found = table_findings(new, specs, min_cell)
    own = set(_pairs(table_findings(alone, specs, min_cell)))
    added = [pair not in own for pair in _pairs(found)]
    return found[added].reset_index(drop=True).assign(where="differencing")


def _pairs(findings: pd.DataFrame) -> list[tuple]:
    return list(zip(findings["key"], findings["problem"], strict=True))


def _numbers_only(cells: pd.DataFrame) -> pd.DataFrame:
    out = cells.reset_index(drop=True).copy()
    for column in ("n", "count", "value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out


def _closed_keys(old, new, closed) -> list[tuple]:
    in_closed = new[[(t, c) in closed for t, c in zip(new["table"], new["column"], strict=True)]]
    keys = set(map(tuple, old[KEY].to_numpy())) & set(map(tuple, in_closed[KEY].to_numpy()))
    return sorted(keys)


def _rows(frame: pd.DataFrame) -> dict[tuple, int]:
    return {key: i for i, key in enumerate(frame[KEY].itertuples(index=False, name=None))}


def _carry(source, target, shared) -> int:
    """Copy what ``source`` shows of a closed cell into ``target`` where it is hidden."""
    at_source, at_target = _rows(source), _rows(target)
    learnt = 0
    for key in shared:
        a, b = at_source[key], at_target[key]
        for column in ("count", "n"):
            if pd.notna(source.at[a, column]) and pd.isna(target.at[b, column]):
                target.at[b, column] = source.at[a, column]
                learnt += 1
    return learnt


def _pinned_into(source, target, shared, specs, min_cell) -> int:
    """Counts of closed cells that ``source``'s attacker pins exactly, written into both."""
    from dsr_analysis.disclosure.attack import feasible_ranges

    modelled = source[source["table"].isin(list(specs))].reset_index(drop=True)
    model = build_model(modelled.drop(columns=["suppressed"]), specs, complete=False)
    known = ~np.isnan(model.values)
    if known.all():
        return 0
    # Only a node pinned exactly matters: any two tables a thousandth apart settle a node.
    ranges = feasible_ranges(model, known, integer=True,
                             enough=np.full(len(model.nodes), 1e-3))
    exact = ranges[ranges["exact"] & ((ranges["high"] - ranges["low"]).abs() < 1e-6)]
    pinned = dict(zip(exact["node"], exact["low"], strict=True))
    at_source, at_target, at_model = _rows(source), _rows(target), _rows(model.cells)
    learnt = 0
    for key in shared:
        row = at_source[key]
        if source.at[row, "kind"] != "share" or pd.notna(source.at[row, "count"]):
            continue
        # The model's own node of the row: a table printed twice shares its first's nodes.
        node = model.count_node[at_model[key]] if key in at_model else -1
        if node in pinned:
            source.at[row, "count"] = pinned[node]
            if pd.isna(target.at[at_target[key], "count"]):
                target.at[at_target[key], "count"] = pinned[node]
            learnt += 1
    return learnt
