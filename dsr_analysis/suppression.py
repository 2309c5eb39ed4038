"""Statistical disclosure control of the published cells: primary and complementary suppression.

The published tables are one long frame of cells, one row per cell, keyed by ``table``,
``municipality``, ``column`` and ``label``. A share cell carries the children counted (``count``)
out of ``n``; a mean cell carries ``value`` over ``n``, so its *sum* ``value * n`` is the additive
quantity. ``n`` always stays visible.

1. **Primary suppression** hides a share whose count is 1 to k-1, and any share or mean whose
   n is below k (k = ``min_cell``; k = 1 turns suppression off).
2. **Complementary (secondary) suppression** hides further cells until no hidden cell can be
   recovered from the published cells and the linear relations a reader knows, listed by
   :func:`equations`: municipalities add up to "Alle", periods add up to "Total", the options of
   an exclusive question add up to n, and cells a report prints twice are one cell.

Complementary suppression runs in two stages. A cheap fixpoint first hides, for every equation
with exactly one hidden cell, its smallest non-zero published member. "Exactly one" is not enough
in a municipality x period x option cube: hidden cells can be pinned by a combination of
equations, or by the bounds 0 <= count <= n. So the second stage asks a linear programme what a
reader can deduce (the same attacker as :func:`audit_suppression`) and hides one more cell next to
each recoverable one, then returns to the first stage, until the attacker learns nothing.

Known limits: the attacker knows equalities and the bounds 0 <= count <= n and 0 <= sum; the
linear relaxation is used, so integrality and inequalities such as "a suppressed count is at
least 1" are not modelled. Published values are taken as exact (no rounding is modelled).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from dsr_analysis.config import DEFAULT_MIN_CELL
from dsr_analysis.errors import ConfigurationError, DsrError

ALL_MUNICIPALITIES = "Alle"
KEY = ["table", "municipality", "column", "label"]
KINDS = ("share", "mean")
EQUATION_COLUMNS = ["equation", "relation", "role", *KEY, "coef", "rhs"]

# Columns that reveal a hidden cell's number and are blanked with it; n (and a `denominator`)
# stay visible.
_BLANKED = ("count", "value", "sum")
_REQUIRED = (*KEY, "n", "count", "value", "kind")
# Slack for LP results: HiGHS answers within ~1e-7, and counts are integers.
_INTEGER_SLACK = 1e-6
_RELATIVE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class TableSpec:
    """What a reader knows about how a table's cells add up.

    Parameters
    ----------
    exclusive : bool
        Single-choice table: within one municipality and column the option counts add up to n
        (to the cell's ``denominator`` when the frame has one).
    additive_columns : mapping of str to list of str, optional
        For every label, the column named by the key equals the sum of the listed columns, e.g.
        ``{"Total": ["Periode 1", "Periode 2", "Periode 3"]}``. Means add up through their sums.
    same_as : str, optional
        The table prints cells of another table again; they are treated as one cell, so both are
        always suppressed alike.
    same_as_column : str, optional
        The column of ``same_as`` every column of this table repeats (e.g. ``"Total"``); ``None``
        means the columns match by name.

    Examples
    --------
    >>> TableSpec(exclusive=True, same_as="7-17", same_as_column="Total").same_as
    '7-17'
    """

    exclusive: bool = False
    additive_columns: Mapping[str, Sequence[str]] | None = None
    same_as: str | None = None
    same_as_column: str | None = None


def equations(cells: pd.DataFrame, specs: Mapping[str, TableSpec]) -> pd.DataFrame:
    """Return the linear relations between cells that a reader of the tables knows.

    Each equation says ``sum(coef * x) = rhs`` over the cells' additive quantities (the count of a
    share cell, ``value * n`` of a mean cell). A total has ``coef`` -1 and its parts +1 with
    ``rhs`` 0; the options of an exclusive table have ``coef`` +1 and ``rhs`` n. Cells that a
    report prints twice (``TableSpec.same_as``) appear under the key of the cell they repeat.

    Parameters
    ----------
    cells : DataFrame
        Published cells, one row per (table, municipality, column, label).
    specs : mapping of str to TableSpec
        One spec for every table in ``cells``.

    Returns
    -------
    DataFrame
        One row per member: ``equation`` (0, 1, ...), ``relation`` ("municipalities",
        "columns" or "exclusive"), ``role`` ("total" or "part"), the member's key, ``coef`` and
        the equation's ``rhs``. Sorted, so the same cells always give the same numbering.

    Examples
    --------
    >>> cells = pd.DataFrame({
    ...     "table": "T", "municipality": ["A", "B", "Alle"], "column": "Total",
    ...     "label": "yes", "n": [10, 10, 20], "count": [3, 6, 9],
    ...     "value": [0.3, 0.6, 0.45], "kind": "share"})
    >>> equations(cells, {"T": TableSpec()})[["equation", "role", "municipality", "coef"]]
       equation   role municipality  coef
    0         0   part            A     1
    1         0   part            B     1
    2         0  total         Alle    -1
    """
    nodes, _, system = _model(_sorted_cells(cells), specs)
    return _equation_frame(nodes, system)


def suppress(
    cells: pd.DataFrame, specs: Mapping[str, TableSpec], min_cell: int = DEFAULT_MIN_CELL
) -> pd.DataFrame:
    """Return the cells with primary and complementary suppression applied.

    Parameters
    ----------
    cells : DataFrame
        The full (unsuppressed) cells: ``table``, ``municipality``, ``column``, ``label``,
        ``n``, ``count``, ``value``, ``kind`` ("share" or "mean"); other columns are kept.
    specs : mapping of str to TableSpec
        One spec for every table in ``cells``.
    min_cell : int
        The threshold k; 1 publishes everything.

    Returns
    -------
    DataFrame
        A new frame sorted by key with a fresh index (so row order of the input does not
        matter). Hidden cells have ``count``, ``value`` (and ``sum`` if present) set to NaN.
        ``suppressed`` (bool) and ``suppression`` ("primary", "secondary" or "") say which cells
        are hidden and why; ``suppression`` is for analysts, not for publication, because it
        tells a reader which hidden counts are small.

    Raises
    ------
    ConfigurationError
        A table has no spec, or the cells break a relation their specs claim.
    DsrError
        Malformed cells, or a hidden cell that no further suppression can protect.

    Examples
    --------
    >>> cells = pd.DataFrame({
    ...     "table": "T", "municipality": "A", "column": "Total",
    ...     "label": ["yes", "no", "maybe"], "n": 20, "count": [3, 10, 7],
    ...     "value": [0.15, 0.5, 0.35], "kind": "share"})
    >>> out = suppress(cells, {"T": TableSpec(exclusive=True)})
    >>> out[["label", "suppression", "n", "count"]]
       label suppression   n  count
    0  maybe   secondary  20    NaN
    1     no              20   10.0
    2    yes     primary  20    NaN
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise DsrError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")
    frame = _sorted_cells(cells)
    reasons = np.full(len(frame), "", dtype=object)
    if min_cell > 1:
        nodes, row_node, system = _model(frame, specs)
        _check_equations_hold(system, nodes)
        node_reasons = _complemented(_primary_reasons(nodes, min_cell), nodes, system)
        reasons = node_reasons[row_node]
    return _with_suppression(frame, reasons)


def audit_suppression(
    cells_full: pd.DataFrame, cells_published: pd.DataFrame, specs: Mapping[str, TableSpec]
) -> pd.DataFrame:
    """Return what an attacker can deduce about every hidden cell.

    The attacker knows the published cells, the relations of :func:`equations`, and that a
    count lies in [0, n] (0 <= sum for a mean). For each hidden quantity a linear programme
    (HiGHS) finds its smallest and largest possible value.

    Parameters
    ----------
    cells_full : DataFrame
        The unsuppressed cells (the truth).
    cells_published : DataFrame
        The same cells as published; hidden cells are those with ``suppressed`` True or, when
        there is no such column, a missing ``value``.
    specs : mapping of str to TableSpec
        One spec for every table.

    Returns
    -------
    DataFrame
        One row per hidden cell, sorted by key: the key, ``kind``, ``n``, ``quantity``
        ("count" or "sum"), ``true``, ``min``, ``max`` and ``protected``. A count is protected
        when its range holds at least two integers, a sum when it is not pinned down; a cell
        with n = 0 discloses nothing and counts as protected.

    Examples
    --------
    >>> full = pd.DataFrame({
    ...     "table": "T", "municipality": ["A", "B", "Alle"], "column": "Total",
    ...     "label": "yes", "n": [10, 10, 20], "count": [3, 6, 9],
    ...     "value": [0.3, 0.6, 0.45], "kind": "share"})
    >>> leaky = full.assign(value=[np.nan, 0.6, 0.45], count=[np.nan, 6, 9])
    >>> audit_suppression(full, leaky, {"T": TableSpec()})[["municipality", "min", "max"]]
      municipality  min  max
    0            A  3.0  3.0
    """
    full = _sorted_cells(cells_full)
    published = _sorted_cells(cells_published, require_values=False)
    if not full[KEY].equals(published[KEY]):
        raise DsrError("the published cells must have exactly the keys of the full cells")
    nodes, row_node, system = _model(full, specs)
    _check_equations_hold(system, nodes)

    hidden_row = _hidden_rows(published)
    # A repeated cell is known as soon as one of its copies is published.
    hidden = np.ones(len(nodes), dtype=bool)
    np.logical_and.at(hidden, row_node, hidden_row)
    known = _published_quantities(published, row_node, hidden, nodes)

    lo = nodes["quantity"].to_numpy(dtype=float).copy()
    hi = lo.copy()
    free = hidden & (nodes["n"].to_numpy() > 0)
    containing = _containing(system, len(nodes))
    for component in _components(free, system):
        _widen_ranges(component, free, known, nodes, system, containing, lo, hi, True)

    rows = published.loc[hidden_row, KEY].copy()
    at = row_node[hidden_row]
    rows["kind"] = nodes["kind"].to_numpy()[at]
    rows["n"] = nodes["n"].to_numpy()[at]
    rows["quantity"] = np.where(rows["kind"] == "share", "count", "sum")
    rows["true"] = nodes["quantity"].to_numpy()[at]
    rows["min"] = np.where(hidden[at], lo[at], rows["true"])
    rows["max"] = np.where(hidden[at], hi[at], rows["true"])
    rows["protected"] = [
        n == 0 or (bool(h) and _is_protected(kind, a, b, t))
        for n, h, kind, a, b, t in zip(
            rows["n"], hidden[at], rows["kind"], rows["min"], rows["max"], rows["true"], strict=True
        )
    ]
    return rows.reset_index(drop=True)


# --- cells and their canonical keys ---------------------------------------------------------


def _sorted_cells(cells: pd.DataFrame, require_values: bool = True) -> pd.DataFrame:
    """Return a validated copy sorted by key with a fresh index."""
    missing = [column for column in _REQUIRED if column not in cells.columns]
    if missing:
        raise DsrError(f"the cells lack the column(s) {missing}")
    frame = cells.copy()
    for column in KEY:
        frame[column] = frame[column].astype(str)
    duplicated = frame.duplicated(KEY)
    if duplicated.any():
        first = tuple(frame.loc[duplicated, KEY].iloc[0])
        raise DsrError(f"{int(duplicated.sum())} duplicated cell key(s), e.g. {first}")
    bad_kind = ~frame["kind"].isin(KINDS)
    if bad_kind.any():
        raise DsrError(
            f"kind must be one of {KINDS}, found {sorted(set(frame.loc[bad_kind, 'kind']))}"
        )
    n = pd.to_numeric(frame["n"], errors="coerce")
    if n.isna().any() or (n < 0).any() or (n != n.round()).any():
        raise DsrError("n must be a whole number of at least 0 in every cell")
    if require_values:
        share = frame["kind"] == "share"
        lacking = (share & frame["count"].isna() & (n > 0)) | (
            ~share & frame["value"].isna() & (n > 0)
        )
        if lacking.any():
            first = tuple(frame.loc[lacking, KEY].iloc[0])
            raise DsrError(f"the full cells must carry their numbers; {first} has none")
    return frame.sort_values(KEY, kind="mergesort").reset_index(drop=True)


def _canonical_keys(frame: pd.DataFrame, specs: Mapping[str, TableSpec]) -> pd.DataFrame:
    """Return, aligned with ``frame``, the key of the cell each row repeats (its own if none)."""
    unknown = sorted(set(frame["table"]) - set(specs))
    if unknown:
        raise ConfigurationError(f"no TableSpec for table(s) {unknown}")

    def target(table: str, column: str) -> tuple[str, str]:
        seen = {table}
        while specs.get(table) is not None and specs[table].same_as is not None:
            spec = specs[table]
            column = spec.same_as_column if spec.same_as_column is not None else column
            table = spec.same_as
            if table in seen:
                raise ConfigurationError(f"same_as forms a cycle through table {table!r}")
            seen.add(table)
        return table, column

    pairs = {pair: target(*pair) for pair in zip(frame["table"], frame["column"], strict=True)}
    mapped = [pairs[pair] for pair in zip(frame["table"], frame["column"], strict=True)]
    return pd.DataFrame(
        {
            "table": [table for table, _ in mapped],
            "municipality": frame["municipality"].to_numpy(),
            "column": [column for _, column in mapped],
            "label": frame["label"].to_numpy(),
        },
        index=frame.index,
    )


def _nodes(frame: pd.DataFrame, canon: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Return one row per distinct cell (canonical key) and each frame row's node number."""
    n = frame["n"].to_numpy(dtype=float)
    share = (frame["kind"] == "share").to_numpy()
    count = frame["count"].to_numpy(dtype=float)
    total = frame["value"].to_numpy(dtype=float) * n
    quantity = np.nan_to_num(np.where(share, count, total), nan=0.0)
    bound = n.copy()
    if "denominator" in frame.columns:
        # Counts of registrations are bounded by registrations, not by children.
        denominator = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(dtype=float)
        bound = np.where(np.isnan(denominator), n, denominator)
    rows = pd.DataFrame(
        {
            **{column: canon[column].to_numpy() for column in KEY},
            "kind": frame["kind"].to_numpy(),
            "n": n.astype(int),
            "bound": bound,
            "quantity": quantity,
            "size": np.where(share, quantity, n),
        }
    )
    row_node = rows.groupby(KEY, sort=True).ngroup().to_numpy()
    nodes = rows.groupby(row_node, sort=True).first().reset_index(drop=True)

    same = (
        (rows["kind"].to_numpy() == nodes["kind"].to_numpy()[row_node])
        & (rows["n"].to_numpy() == nodes["n"].to_numpy()[row_node])
        & np.isclose(quantity, nodes["quantity"].to_numpy()[row_node], rtol=_RELATIVE_TOLERANCE)
    )
    if not same.all():
        first = int(np.flatnonzero(~same)[0])
        raise ConfigurationError(
            f"cell {tuple(frame.loc[first, KEY])} is declared (same_as) to repeat "
            f"{tuple(rows.loc[first, KEY])} but its numbers differ"
        )
    return nodes, row_node


# --- equations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Equation:
    """``sum(coefs * quantity[nodes]) = rhs`` over node numbers."""

    relation: str
    nodes: np.ndarray
    coefs: np.ndarray
    rhs: float


def _model(
    frame: pd.DataFrame, specs: Mapping[str, TableSpec]
) -> tuple[pd.DataFrame, np.ndarray, list[_Equation]]:
    """Return the distinct cells, each row's cell number and the equations between cells."""
    nodes, row_node = _nodes(frame, _canonical_keys(frame, specs))
    found = [
        *_municipality_equations(frame, row_node),
        *_column_equations(frame, row_node, specs),
        *_exclusive_equations(frame, row_node, specs),
    ]
    system, seen = [], set()
    for relation, members, coefs, rhs in found:
        combined: dict[int, int] = {}
        for node, coef in zip(members.tolist(), coefs.tolist(), strict=True):
            combined[node] = combined.get(node, 0) + coef
        # Parts first, then the total; within each, by key (node numbers follow the sorted keys).
        ordered = sorted(
            ((node, coef) for node, coef in combined.items() if coef != 0),
            key=lambda item: (item[1] < 0, item[0]),
        )
        signature = (tuple(ordered), rhs)
        if not ordered or signature in seen:
            continue  # a repeated table restates an equation already known
        seen.add(signature)
        system.append(
            _Equation(
                relation,
                np.array([node for node, _ in ordered], dtype=int),
                np.array([coef for _, coef in ordered], dtype=float),
                float(rhs),
            )
        )
    return nodes, row_node, system


def _equation_frame(nodes: pd.DataFrame, system: list[_Equation]) -> pd.DataFrame:
    """Return the equations as the long frame of :func:`equations`."""
    keys = nodes[KEY].to_numpy()
    records = [
        (
            number,
            equation.relation,
            "total" if coef < 0 else "part",
            *keys[node],
            int(coef),
            equation.rhs,
        )
        for number, equation in enumerate(system)
        for node, coef in zip(equation.nodes, equation.coefs, strict=True)
    ]
    result = pd.DataFrame.from_records(records, columns=EQUATION_COLUMNS)
    return result.astype({"equation": int, "coef": int, "rhs": float})


def _groups(frame: pd.DataFrame, by: list[str]) -> list[tuple[tuple, np.ndarray]]:
    """Return (group key, row positions) pairs in sorted key order."""
    indices = frame.groupby(by, sort=True).indices
    return [(key, indices[key]) for key in sorted(indices)]


def _one_kind(kinds: np.ndarray, what: str) -> None:
    if len(set(kinds.tolist())) > 1:
        raise ConfigurationError(f"{what} mixes share and mean cells, so they cannot add up")


def _municipality_equations(frame: pd.DataFrame, row_node: np.ndarray) -> list:
    """The "Alle" cell equals the sum of the municipalities, per table, column and label."""
    municipality = frame["municipality"].to_numpy()
    kinds = frame["kind"].to_numpy()
    everyone = set(municipality.tolist()) - {ALL_MUNICIPALITIES}
    if not everyone:
        return []
    found = []
    for key, rows in _groups(frame, ["table", "column", "label"]):
        present = set(municipality[rows].tolist())
        # Without every municipality the relation holds an unpublished term, so it tells nothing.
        if ALL_MUNICIPALITIES not in present or present - {ALL_MUNICIPALITIES} != everyone:
            continue
        _one_kind(kinds[rows], f"table {key[0]}, column {key[1]}, label {key[2]}")
        coefs = np.where(municipality[rows] == ALL_MUNICIPALITIES, -1, 1)
        found.append(("municipalities", row_node[rows], coefs, 0.0))
    return found


def _column_equations(
    frame: pd.DataFrame, row_node: np.ndarray, specs: Mapping[str, TableSpec]
) -> list:
    """A total column equals the sum of its part columns, for every municipality and label."""
    column = frame["column"].to_numpy()
    kinds = frame["kind"].to_numpy()
    found = []
    for key, rows in _groups(frame, ["table", "municipality", "label"]):
        additive = specs[key[0]].additive_columns
        if not additive:
            continue
        at = {column[row]: row for row in rows}
        for total, parts in sorted(additive.items()):
            if total not in at or any(part not in at for part in parts):
                continue
            members = np.array([at[total], *(at[part] for part in parts)])
            _one_kind(kinds[members], f"table {key[0]}, {key[1]}, label {key[2]}")
            coefs = np.array([-1] + [1] * len(parts))
            found.append(("columns", row_node[members], coefs, 0.0))
    return found


def _exclusive_equations(
    frame: pd.DataFrame, row_node: np.ndarray, specs: Mapping[str, TableSpec]
) -> list:
    """The option counts of a single-choice question add up to the published n."""
    totals = frame["n"].to_numpy(dtype=float)
    if "denominator" in frame.columns:
        # Counts of registrations add up to the registrations, not to the children.
        denominator = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(dtype=float)
        totals = np.where(np.isnan(denominator), totals, denominator)
    exclusive = frame["table"].map(lambda table: specs[table].exclusive).to_numpy(dtype=bool)
    shares = frame[exclusive & (frame["kind"] == "share").to_numpy()]
    found = []
    for key, rows in _groups(shares, ["table", "municipality", "column"]):
        positions = shares.index.to_numpy()[rows]
        if len(set(totals[positions].tolist())) != 1:
            raise ConfigurationError(
                f"exclusive table {key[0]}, {key[1]}, {key[2]}: the options have different n"
            )
        coefs = np.ones(len(positions), dtype=int)
        found.append(("exclusive", row_node[positions], coefs, float(totals[positions[0]])))
    return found


def _check_equations_hold(system: list[_Equation], nodes: pd.DataFrame) -> None:
    """Refuse specs that claim relations the cells do not satisfy."""
    quantity = nodes["quantity"].to_numpy(dtype=float)
    broken = []
    for equation in system:
        terms = equation.coefs * quantity[equation.nodes]
        scale = max(1.0, float(np.abs(terms).sum()), abs(equation.rhs))
        if abs(terms.sum() - equation.rhs) > _RELATIVE_TOLERANCE * scale:
            broken.append(tuple(nodes.loc[equation.nodes[0], KEY]))
    if broken:
        raise ConfigurationError(
            f"{len(broken)} relation(s) claimed by the table specs do not hold in the cells "
            f"(check exclusive / additive_columns / same_as), e.g. around {broken[0]}"
        )


# --- suppression ----------------------------------------------------------------------------


def _primary_reasons(nodes: pd.DataFrame, min_cell: int) -> np.ndarray:
    """Return "primary" for cells that are small in themselves, else ""."""
    n = nodes["n"].to_numpy()
    count = nodes["quantity"].to_numpy()
    share = (nodes["kind"] == "share").to_numpy()
    small = (n < min_cell) | (share & (count >= 1) & (count <= min_cell - 1))
    return np.where(small, "primary", "").astype(object)


def _complemented(reasons: np.ndarray, nodes: pd.DataFrame, system: list[_Equation]) -> np.ndarray:
    """Return the reasons with complementary suppressions added until nothing is recoverable."""
    reasons = reasons.copy()
    hidden = reasons != ""
    n = nodes["n"].to_numpy()
    quantity = nodes["quantity"].to_numpy(dtype=float)
    kinds = nodes["kind"].to_numpy()
    containing = _containing(system, len(nodes))

    def hide(node: int) -> None:
        hidden[node] = True
        reasons[node] = "secondary"

    # Every LP solution is a table the reader cannot rule out. Hiding more cells only widens
    # what they cannot rule out, so these ranges stay valid lower bounds as the pattern grows.
    lo, hi = quantity.copy(), quantity.copy()
    while True:
        _close_singletons(hidden, n, nodes, system, hide)
        free = hidden & (n > 0)
        additions = []
        for component in _components(free, system):
            _widen_ranges(component, free, quantity, nodes, system, containing, lo, hi, False)
            leaking = [
                node
                for node in component
                if not _is_protected(kinds[node], lo[node], hi[node], quantity[node])
            ]
            for node in leaking:
                near = [system[i] for i in containing[node]]
                if any(np.isin(additions, equation.nodes).any() for equation in near):
                    continue  # a complement chosen this round may already protect it
                choice = _best_complement(near, hidden, n, nodes)
                if choice is None:
                    touching = sorted({i for member in component for i in containing[member]})
                    choice = _best_complement([system[i] for i in touching], hidden, n, nodes)
                if choice is None:
                    raise DsrError(
                        f"hidden cell {tuple(nodes.loc[node, KEY])} can be recovered and no "
                        "further suppression can protect it"
                    )
                additions.append(choice)
        if not additions:
            return reasons
        for node in additions:
            hide(node)


def _containing(system: list[_Equation], count: int) -> list[list[int]]:
    """Return, for every cell, the numbers of the equations it is a member of."""
    containing: list[list[int]] = [[] for _ in range(count)]
    for index, equation in enumerate(system):
        for node in equation.nodes.tolist():
            containing[node].append(index)
    return containing


def _close_singletons(hidden, n, nodes, system, hide) -> None:
    """Hide a complement in every equation with exactly one hidden cell, until none is left."""
    changed = True
    while changed:
        changed = False
        for equation in system:
            # A hidden cell with n = 0 is known to be 0, so it does not protect its neighbours.
            free = hidden[equation.nodes] & (n[equation.nodes] > 0)
            if free.sum() != 1:
                continue
            choice = _best_complement([equation], hidden, n, nodes)
            if choice is not None:
                hide(choice)
                changed = True


def _best_complement(candidates_from, hidden, n, nodes) -> int | None:
    """Return the published cell that is cheapest to hide among the equations' members.

    Preference: a non-zero cell before a zero one (hiding a zero protects little), a part
    before a total, the smallest count (n for a mean), then the first key.
    """
    size = nodes["size"].to_numpy()
    best: tuple | None = None
    for equation in candidates_from:
        for node, coef in zip(equation.nodes, equation.coefs, strict=True):
            if hidden[node] or n[node] == 0:
                continue
            rank = (bool(size[node] == 0), bool(coef < 0), float(size[node]), int(node))
            if best is None or rank < best:
                best = rank
    return None if best is None else best[-1]


def _components(free: np.ndarray, system: list[_Equation]) -> list[list[int]]:
    """Return groups of unknown cells linked by equations, each sorted, in sorted order."""
    parent = {int(node): int(node) for node in np.flatnonzero(free)}

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for equation in system:
        members = [int(node) for node in equation.nodes if free[node]]
        for other in members[1:]:
            a, b = root(members[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for node in sorted(parent):
        groups.setdefault(root(node), []).append(node)
    return [groups[key] for key in sorted(groups)]


def _widen_ranges(component, free, known, nodes, system, containing, lo, hi, exhaustive):
    """Widen ``lo``/``hi`` (in place) to what a reader can deduce about ``component``'s cells.

    ``free`` marks the unknown cells; ``known`` holds the value of every other cell. ``lo`` and
    ``hi`` start as values known to be possible. With ``exhaustive`` every unknown gets its
    exact minimum and maximum; otherwise LPs stop as soon as an unknown is shown protected,
    which is cheap because each LP's solution widens the ranges of all unknowns at once.
    """
    position = {node: i for i, node in enumerate(component)}
    touching = sorted({i for node in component for i in containing[node]})
    a_eq = np.zeros((len(touching), len(component)))
    b_eq = np.zeros(len(touching))
    for row, index in enumerate(touching):
        equation = system[index]
        b_eq[row] = equation.rhs
        for node, coef in zip(equation.nodes.tolist(), equation.coefs.tolist(), strict=True):
            if free[node]:
                a_eq[row, position[node]] += coef
            else:
                b_eq[row] -= coef * known[node]
    kinds = nodes["kind"].to_numpy()[component]
    upper = nodes["bound"].to_numpy(dtype=float)[component]
    truth = nodes["quantity"].to_numpy(dtype=float)[component]
    bounds = [(0.0, ub if kind == "share" else None) for kind, ub in zip(kinds, upper, strict=True)]
    if not touching:
        lo[component] = 0.0
        hi[component] = np.where(kinds == "share", upper, math.inf)
        return

    def solve(objective: np.ndarray) -> None:
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status == 3:  # unbounded: only a sum can grow without limit
            grows = objective < 0
            hi[np.asarray(component)[grows]] = math.inf
            return
        if result.status != 0:
            raise ConfigurationError(
                f"the published cells are inconsistent with the table relations ({result.message})"
            )
        lo[component] = np.minimum(lo[component], result.x)
        hi[component] = np.maximum(hi[component], result.x)

    for i, node in enumerate(component):
        for sense in (-1.0, 1.0):  # maximise, then minimise
            if not exhaustive and _is_protected(kinds[i], lo[node], hi[node], truth[i]):
                break
            ceiling = upper[i] if kinds[i] == "share" else math.inf
            if (hi[node] >= ceiling) if sense < 0 else (lo[node] <= 0.0):
                continue  # already at its bound, so already exact
            objective = np.zeros(len(component))
            objective[i] = sense
            solve(objective)


def _is_protected(kind: str, low: float, high: float, true: float) -> bool:
    """Whether a reader is left with real doubt about a hidden quantity."""
    if kind == "share":
        # At least two integers must remain possible.
        return math.floor(high + _INTEGER_SLACK) - math.ceil(low - _INTEGER_SLACK) >= 1
    return high - low > _RELATIVE_TOLERANCE * max(1.0, abs(true))


def _with_suppression(frame: pd.DataFrame, reasons: np.ndarray) -> pd.DataFrame:
    """Return the frame with hidden numbers blanked and the suppression columns added."""
    out = frame.copy()
    hidden = reasons != ""
    for column in _BLANKED:
        if column in out.columns and hidden.any():
            out[column] = out[column].astype(float).where(~hidden)
    out["suppressed"] = hidden
    out["suppression"] = pd.Series(reasons, index=out.index, dtype=object)
    return out


# --- the attacker's view --------------------------------------------------------------------


def _hidden_rows(published: pd.DataFrame) -> np.ndarray:
    if "suppressed" in published.columns:
        return published["suppressed"].fillna(False).astype(bool).to_numpy()
    return published["value"].isna().to_numpy()


def _published_quantities(published, row_node, hidden, nodes) -> np.ndarray:
    """Return each cell's quantity as the reader sees it (0 for hidden cells with n = 0)."""
    n = published["n"].to_numpy(dtype=float)
    share = (published["kind"] == "share").to_numpy()
    count = published["count"].to_numpy(dtype=float)
    value = published["value"].to_numpy(dtype=float)
    seen = np.where(share, np.where(np.isnan(count), value * n, count), value * n)
    seen = np.nan_to_num(seen, nan=0.0)
    known = np.zeros(len(nodes))
    visible = ~_hidden_rows(published)
    known[row_node[visible]] = seen[visible]
    truth = nodes["quantity"].to_numpy(dtype=float)
    differs = ~hidden & ~np.isclose(known, truth, rtol=_RELATIVE_TOLERANCE, atol=1e-9)
    if differs.any():
        first = int(np.flatnonzero(differs)[0])
        raise DsrError(f"published cell {tuple(nodes.loc[first, KEY])} differs from the full cell")
    return known
