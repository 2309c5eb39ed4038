"""Internal consistency of the transcribed NIRAS (2012) tables and the municipalities file.

These tests pin the hand transcription in data/reference/niras_2012_tables.csv (see
data/reference/README.md) and the structure of data/municipalities.yml.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLES_CSV = ROOT / "data" / "reference" / "niras_2012_tables.csv"
MUNICIPALITIES_YML = ROOT / "data" / "municipalities.yml"

COLUMNS = ["table", "column", "label", "value", "n", "unit"]
PERIODS = ["Periode 1", "Periode 2", "Periode 3"]
TABLE_ORDER = [f"7-{i}" for i in range(1, 29) if i not in (20, 21, 23, 24, 26, 27)] + ["4-2"]
BY_PERIOD = ["7-14", "7-15", "7-16", "7-17", "7-18", "7-19", "4-2"]
FIGURE_TABLES = ["7-22", "7-25", "7-28"]
# Tables where each column is a single-choice distribution (the shares of a column should add to 1).
SINGLE_CHOICE = ["7-1", "7-4", "7-5", "7-6", "7-9", "7-10", "7-13", "7-17", "7-18", *FIGURE_TABLES]
EXPECTED_ROWS = {
    "7-1": 7,
    "7-2": 14,
    "7-3": 6,
    "7-4": 6,
    "7-5": 3,
    "7-6": 6,
    "7-7": 7,
    "7-8": 6,
    "7-9": 7,
    "7-10": 2,
    "7-11": 7,
    "7-12": 6,
    "7-13": 2,
    "7-14": 4,
    "7-15": 56,
    "7-16": 24,
    "7-17": 24,
    "7-18": 24,
    "7-19": 28,
    "7-22": 15,
    "7-25": 10,
    "7-28": 15,
    "4-2": 4,
}
FIGURE_SERIES = {
    "7-22": {
        "Pædagogisk personale og socialrådgivere": 84,
        "Forældre og pædagogisk personale": 77,
        "Forældre og socialrådgivere": 18,
    },
    "7-25": {
        "Vurdering af forældrene inddraget": 101,
        "Vurdering af forældrenes indstilling til samarbejdet": 90,
    },
    "7-28": {
        "hjem og daginstitution": 81,
        "hjem og socialforvaltning": 25,
        "dagtilbud og socialforvaltning": 34,
    },
}
DEVELOPMENT = [
    "Stor negativ udvikling",
    "Mindre negativ udvikling",
    "Status quo",
    "Mindre positiv udvikling",
    "Stor positiv udvikling",
]
# Every printed percentage is rounded to a whole percent, so each row is off by at most half a
# percentage point and a column of k rows can miss 100 % by at most 0.5 * k points. This is the
# tightest tolerance rounding alone guarantees (the worst case in the data is Table 7-17, period 2:
# 98 % over 6 rows, allowed 3 %). A small epsilon absorbs float noise.
HALF_POINT = 0.005
EPS = 1e-9


@pytest.fixture(scope="module")
def tables() -> pd.DataFrame:
    return pd.read_csv(TABLES_CSV, encoding="utf-8", keep_default_na=False)


@pytest.fixture(scope="module")
def municipalities() -> list[dict]:
    with MUNICIPALITIES_YML.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["municipalities"]


def _rounded_percent(count: int, n: int) -> int:
    return int((Decimal(100 * count) / Decimal(n)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _possible_counts(percent: int, n: int) -> list[int]:
    """Integer counts k (0..n) that NIRAS would print as `percent` for base n."""
    return [k for k in range(n + 1) if _rounded_percent(k, n) == percent]


# --- file format -----------------------------------------------------------------------------


def test_csv_format_utf8_lf_header():
    raw = TABLES_CSV.read_bytes()
    text = raw.decode("utf-8")  # raises if not UTF-8
    assert "\r" not in text, "CSV must use LF line endings"
    assert text.endswith("\n")
    assert text.splitlines()[0] == ",".join(COLUMNS)


def test_columns_units_and_types(tables):
    assert list(tables.columns) == COLUMNS
    assert set(tables["unit"]) == {"share", "mean_years"}
    assert pd.api.types.is_integer_dtype(tables["n"])
    assert (tables["n"] > 0).all()
    assert pd.api.types.is_float_dtype(tables["value"])
    assert not tables.isna().any().any()
    assert (tables["label"].str.strip() == tables["label"]).all()
    assert not tables["label"].str.contains(r"\s{2,}|\n").any()


def test_tables_present_in_order_with_expected_row_counts(tables):
    order = list(dict.fromkeys(tables["table"]))
    assert order == TABLE_ORDER
    # each table forms one contiguous block
    blocks = (tables["table"] != tables["table"].shift()).sum()
    assert blocks == len(TABLE_ORDER)
    assert tables.groupby("table").size().to_dict() == EXPECTED_ROWS
    assert not tables.duplicated(["table", "column", "label"]).any()


def test_no_printed_total_rows(tables):
    assert not tables["label"].str.startswith("I alt").any()


# --- values ----------------------------------------------------------------------------------


def test_shares_between_zero_and_one(tables):
    shares = tables.loc[tables["unit"] == "share", "value"]
    assert shares.between(0, 1).all()


def test_shares_have_whole_percent_precision(tables):
    shares = tables.loc[tables["unit"] == "share", "value"] * 100
    assert (shares - shares.round()).abs().max() < 1e-6


def test_mean_ages_only_in_age_tables(tables):
    means = tables[tables["unit"] == "mean_years"]
    assert set(means["table"]) == {"7-14", "4-2"}
    assert set(means["label"]) == {"Gennemsnitsalder"}
    assert means["value"].between(0, 7).all()


@pytest.mark.parametrize("table", SINGLE_CHOICE)
def test_single_choice_columns_sum_to_one(tables, table):
    part = tables[tables["table"] == table]
    for column, group in part.groupby("column", sort=False):
        tolerance = HALF_POINT * len(group) + EPS
        assert abs(group["value"].sum() - 1) <= tolerance, (table, column, group["value"].sum())


def test_every_share_is_reachable_from_an_integer_count(tables):
    """value * n must be a near-integer: some count k <= n rounds to the printed percentage."""
    shares = tables[tables["unit"] == "share"]
    bad = [
        (r.table, r.column, r.label)
        for r in shares.itertuples()
        if not _possible_counts(round(r.value * 100), int(r.n))
    ]
    assert not bad


@pytest.mark.parametrize("table", SINGLE_CHOICE)
def test_single_choice_counts_can_add_up_to_n(tables, table):
    part = tables[tables["table"] == table]
    for column, group in part.groupby("column", sort=False):
        n = int(group["n"].iloc[0])
        sums = {0}
        for value in group["value"]:
            options = _possible_counts(round(value * 100), n)
            sums = {s + k for s in sums for k in options if s + k <= n}
        assert n in sums, (table, column)


# --- n ---------------------------------------------------------------------------------------


def test_n_constant_within_each_table_column(tables):
    assert (tables.groupby(["table", "column"])["n"].nunique() == 1).all()


@pytest.mark.parametrize("table", ["7-15", "7-16", "7-17", "7-18", "7-19"])
def test_period_n_are_73_73_74_and_add_up(tables, table):
    part = tables[tables["table"] == table]
    n = part.groupby("column")["n"].first()
    assert [n[p] for p in PERIODS] == [73, 73, 74]
    assert n["Total"] == sum(n[p] for p in PERIODS) == 220


@pytest.mark.parametrize("table", ["7-14", "4-2"])
def test_mean_age_period_n_add_up(tables, table):
    n = tables[tables["table"] == table].set_index("column")["n"]
    assert [n[p] for p in PERIODS] == [70, 70, 74]
    assert n["Total"] == sum(n[p] for p in PERIODS) == 214


def test_single_column_n(tables):
    n = tables[tables["column"] == "Total"].groupby("table")["n"].first()
    expected = {
        "7-1": 214,
        "7-2": 220,
        "7-3": 220,
        "7-4": 220,
        "7-5": 220,
        "7-6": 220,
        "7-7": 220,
        "7-8": 220,
        "7-9": 31,
        "7-10": 23,
        "7-11": 220,
        "7-12": 220,
        "7-13": 212,
    }
    assert {t: int(n[t]) for t in expected} == expected


def test_figure_series_labels_and_n(tables):
    for table, series in FIGURE_SERIES.items():
        part = tables[tables["table"] == table]
        assert list(dict.fromkeys(part["column"])) == list(series)
        assert part.groupby("column")["n"].first().to_dict() == series
        for _, group in part.groupby("column", sort=False):
            assert list(group["label"]) == DEVELOPMENT


# --- cross-table consistency ----------------------------------------------------------------


@pytest.mark.parametrize("table", BY_PERIOD)
def test_period_weighted_mean_matches_total(tables, table):
    """The n-weighted mean of the periods reproduces the Total within rounding (<= 1 point)."""
    part = tables[tables["table"] == table]
    # Periods and Total are each rounded to two decimals (whole percent / 0.01 year): at most
    # 0.005 off on either side, so 0.01 in total.
    tolerance = 0.01
    for label, group in part.groupby("label", sort=False):
        g = group.set_index("column")
        weighted = sum(g.loc[p, "value"] * g.loc[p, "n"] for p in PERIODS) / g.loc["Total", "n"]
        assert abs(weighted - g.loc["Total", "value"]) <= tolerance + EPS, (table, label)


@pytest.mark.parametrize(
    ("single", "by_period"),
    [("7-2", "7-15"), ("7-3", "7-16"), ("7-4", "7-17"), ("7-6", "7-18"), ("7-7", "7-19")],
)
def test_single_column_tables_equal_total_of_period_tables(tables, single, by_period):
    a = tables[tables["table"] == single].reset_index(drop=True)
    is_total = (tables["table"] == by_period) & (tables["column"] == "Total")
    b = tables[is_total].reset_index(drop=True)
    assert len(a) == len(b)
    assert (a["value"] == b["value"]).all()
    assert (a["n"] == b["n"]).all()
    if single != "7-3":  # 7-16 prints two answer options with "Skriv hvilken" (see README)
        assert list(a["label"]) == list(b["label"])


def test_table_4_2_duplicates_7_14(tables):
    cols = ["column", "label", "value", "n", "unit"]
    a = tables.loc[tables["table"] == "7-14", cols].reset_index(drop=True)
    b = tables.loc[tables["table"] == "4-2", cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_age_rows(tables):
    ages = ["<1", "1 år", "2 år", "3 år", "4 år", "5 år", "6 år"]
    for table in ("7-1", "7-9"):
        assert list(tables.loc[tables["table"] == table, "label"]) == ages
    labels_7_15 = set(tables.loc[tables["table"] == "7-15", "label"])
    assert "Barnet har tale/hørevanskeligheder" in labels_7_15


# --- municipalities --------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_unique(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate keys {duplicates}", node.start_mark
        )
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique)


def test_municipalities_yaml_has_no_duplicate_keys():
    with MUNICIPALITIES_YML.open(encoding="utf-8") as fh:
        yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader subclass


def test_municipalities_ids(municipalities):
    ids = [m["id"] for m in municipalities]
    assert len(ids) == len(set(ids))
    # NIRAS's five project municipalities and Copenhagen's trial (the file may hold more).
    assert set(ids) >= {
        "faaborg-midtfyn",
        "frederikshavn",
        "kolding",
        "mariagerfjord",
        "odense",
        "kobenhavn",
    }
    names = {m["id"]: m["name"] for m in municipalities}
    assert names["faaborg-midtfyn"] == "Faaborg-Midtfyn"
    assert names["kobenhavn"] == "København"


def test_municipalities_required_fields(municipalities):
    for m in municipalities:
        required = ("id", "name", "monitored", "trial", "description", "description_en")
        for key in (*required, "source", "notes"):
            assert key in m, (m.get("id"), key)
        assert isinstance(m["monitored"], bool)
        assert isinstance(m["trial"], bool)
        assert m["description"].strip() and m["description_en"].strip()


def test_monitoring_flags(municipalities):
    by_id = {m["id"]: m for m in municipalities}
    monitored = {i for i, m in by_id.items() if m["monitored"]}
    # NIRAS ch. 6.3.1: four of the five project municipalities monitored, Mariagerfjord did not
    # (a municipality added to the file may monitor too).
    assert monitored >= {"faaborg-midtfyn", "frederikshavn", "kolding", "odense"}
    assert by_id["mariagerfjord"]["monitored"] is False
    assert by_id["kobenhavn"]["trial"] is True
    assert [i for i, m in by_id.items() if m["trial"]] == ["kobenhavn"]
    # Figure 6-1 text: 226 registrations, Faaborg-Midtfyn the lowest with 23
    assert by_id["faaborg-midtfyn"]["monitoring"]["registered_children"] == 23


def test_niras_municipalities_match_table_1_1(municipalities):
    by_id = {m["id"]: m for m in municipalities}
    expected = {  # institutions, social workers (Table 1-1)
        "mariagerfjord": (5, 5),
        "kolding": (4, 4),
        "frederikshavn": (3, 3),
        "faaborg-midtfyn": (3, 1),
        "odense": (4, 1),
    }
    for mid, (inst, sw) in expected.items():
        assert by_id[mid]["institutions"]["count"] == inst
        assert by_id[mid]["social_workers"]["count"] == sw
    # 19 institutions in total (NIRAS ch. 1.1)
    assert sum(by_id[m]["institutions"]["count"] for m in expected) == 19


def test_copenhagen_trial_figures_are_numbers(municipalities):
    cph = next(m for m in municipalities if m["id"] == "kobenhavn")
    t = cph["trial_details"]
    assert t["institutions"]["value"] == 82
    assert (t["children_intervention"]["value"], t["children_control"]["value"]) == (5352, 4475)
    assert cph["costs"]["yearly_cost_mio_dkk"]["value"] == pytest.approx(5.8)
    assert cph["expansion"]["institutions"]["value"] == 112
    for section in ("trial_details", "costs", "expansion"):
        for key, fact in cph[section].items():
            if isinstance(fact, dict) and "value" in fact:
                assert isinstance(fact["value"], (int, float)), (section, key)
                assert ".txt" in fact["source"], (section, key)
