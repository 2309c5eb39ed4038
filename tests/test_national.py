"""The national synthetic export (``dsr data --national``): sizes, validity, determinism, cache.

Full-size exports (300,000 children) are generated only by the benchmark; here the settings
are either a hand-written two-municipality file or the national file scaled down.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dsr_analysis import config, national
from dsr_analysis.cli import main
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.export import load_export
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.national_settings import load_national_settings, scaled

TWO = """\
seed: 7
municipalities:
  - {id: laeso, name: Læsø, code: 825, region: Nordjylland, monitored: true,
     children: 3, profiles: {Faaborg-Midtfyn: 1}}
  - {id: aarhus, name: Aarhus, code: 751, region: Midtjylland, monitored: true,
     children: 5, profiles: {Odense: 3, Kolding: 1}}
"""


@pytest.fixture
def two(tmp_path) -> Path:
    path = tmp_path / "two.yml"
    path.write_text(TWO, encoding="utf-8")
    return path


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def children_by_municipality(path: Path) -> Counter:
    return Counter(r["municipality"] for r in rows_of(path) if r["wave"] == "1")


def bundled_course_texts() -> dict[str, set[tuple[str, ...]]]:
    """Per bundled municipality, its courses as tuples of row texts after id and municipality."""
    courses = national.bundled_courses()
    return {name: {rows for rows, _ in c} for name, c in courses.by_municipality.items()}


class TestSettings:
    def test_the_national_file_has_the_98_reference_municipalities_and_300000_children(self):
        settings = load_national_settings()
        with (config.REFERENCE_DIR / "danish_municipalities.csv").open(encoding="utf-8") as f:
            reference = [(int(r["code"]), r["name"]) for r in csv.DictReader(f)]
        assert [(m.code, m.name) for m in settings.municipalities] == reference
        assert settings.children == 300_000
        sizes = sorted(m.children for m in settings.municipalities)
        # Many small, a few large: the median is far below the mean, and some are tiny.
        assert sizes[49] < 300_000 / 98 and sizes[-1] > 10 * sizes[49] and sizes[0] < 100

    def test_scaling_gives_one_child_each_and_shares_the_rest_by_largest_remainder(self, two):
        settings = load_national_settings(two)  # 3 and 5
        # 1 each, then 14 shared: 3/8 * 14 = 5.25 and 5/8 * 14 = 8.75, the spare one to 0.75.
        assert [m.children for m in scaled(settings, 16).municipalities] == [6, 10]
        # 1 each, then 2 shared: 0.75 and 1.25; floors 0 + 1, the spare one to Læsø's 0.75.
        assert [m.children for m in scaled(settings, 4).municipalities] == [2, 2]
        # 1 each, then 3 shared: 1.125 and 1.875 -> 1 + 1, the spare one to Aarhus's 0.875.
        assert [m.children for m in scaled(settings, 5).municipalities] == [2, 3]
        assert [m.children for m in scaled(settings, 2).municipalities] == [1, 1]
        with pytest.raises(ConfigurationError, match="at least 2 .one per municipality., not 1"):
            scaled(settings, 1)

    @pytest.mark.parametrize(("change", "message"), [
        ("children: 3", "entry 1 (Læsø): 'children' must be a whole number >= 1, not 0"),
        ("profiles: {Faaborg-Midtfyn: 1}", "profile 'Faaborg-Midtfyn' has weight 0"),
        ("code: 825", "entry 1 (Læsø): 'code' must be a whole number >= 1, not 'x'"),
        ("monitored: true,\n     children: 3", "entry 1 (Læsø): 'monitored' must be true"),
    ])
    def test_a_bad_setting_is_named_by_file_entry_and_key(self, two, change, message):
        bad = {"children: 3": "children: 0",
               "profiles: {Faaborg-Midtfyn: 1}": "profiles: {Faaborg-Midtfyn: 0}",
               "code: 825": "code: x",
               "monitored: true,\n     children: 3": "monitored: false,\n     children: 3"}
        two.write_text(TWO.replace(change, bad[change], 1), encoding="utf-8")
        with pytest.raises(ConfigurationError) as error:
            load_national_settings(two)
        assert str(error.value).startswith("two.yml: ") and message in str(error.value)

    def test_an_unknown_profile_is_refused_with_the_known_ones(self, two, tmp_path):
        two.write_text(TWO.replace("Faaborg-Midtfyn: 1", "Aabenraa: 1"), encoding="utf-8")
        with pytest.raises(ConfigurationError, match="'Aabenraa' is not in the bundled export; "
                           "expected one of Faaborg-Midtfyn, Frederikshavn, Kolding, Odense"):
            national.write_national_export(tmp_path / "x.csv", two)


class TestExport:
    def test_sizes_ids_and_flag_follow_the_settings(self, two, tmp_path):
        out, written = national.write_national_export(tmp_path / "x.csv", two)
        assert written
        rows = rows_of(out)
        assert children_by_municipality(out) == {"Læsø": 3, "Aarhus": 5}
        starts = [r["child_id"] for r in rows if r["wave"] == "1"]
        assert starts == [f"N825-{i:05d}" for i in (1, 2, 3)] + [
            f"N751-{i:05d}" for i in (1, 2, 3, 4, 5)]
        assert {r["synthetic"] for r in rows} == {"1"}

    def test_every_course_is_a_whole_course_of_a_profile_municipality(self, two, tmp_path):
        out, _ = national.write_national_export(tmp_path / "x.csv", two)
        header = out.read_text(encoding="utf-8").splitlines()[0]
        assert header == config.SYNTHETIC_EXPORT_PATH.read_text(encoding="utf-8").splitlines()[0]
        courses: dict[tuple[str, str], list[str]] = {}
        for line in out.read_text(encoding="utf-8").splitlines()[1:]:
            child, municipality, rest = line.split(",", 2)
            courses.setdefault((municipality, child), []).append(rest)
        bundled = bundled_course_texts()
        allowed = {"Læsø": bundled["Faaborg-Midtfyn"],
                   "Aarhus": bundled["Odense"] | bundled["Kolding"]}
        for (municipality, _), rows in courses.items():
            assert tuple(rows) in allowed[municipality]

    def test_start_dates_follow_the_child_numbers(self, two, tmp_path):
        out, _ = national.write_national_export(tmp_path / "x.csv", two)
        for name in ("Læsø", "Aarhus"):
            dates = [r["registration_date"] for r in rows_of(out)
                     if r["wave"] == "1" and r["municipality"] == name]
            assert dates == sorted(dates)

    def test_the_scaled_national_export_passes_validation_with_its_units(self, tmp_path):
        out, _ = national.write_national_export(tmp_path / "n.csv", children=400)
        names = [e["name"] for e in load_municipalities(config.NATIONAL_SETTINGS_PATH)]
        export = load_export(out, municipalities=names)
        assert export["municipality"].nunique() == 98
        assert export["synthetic"].all()
        assert export.loc[export["wave"] == 1, "child_id"].nunique() == 400
        sizes = scaled(load_national_settings(), 400).municipalities
        counts = export.loc[export["wave"] == 1, "municipality"].value_counts()
        assert {m.name: m.children for m in sizes} == counts.to_dict()

    def test_municipalities_of_the_same_size_band_differ(self, tmp_path):
        out, _ = national.write_national_export(tmp_path / "n.csv", children=30_000)
        rows = rows_of(out)
        by = {}
        for r in rows:
            if r["wave"] == "1":
                by.setdefault(r["municipality"], []).append(r["initiative"])
        shares = {name: sum(v == "1" for v in values) / len(values)
                  for name, values in by.items() if len(values) > 500}
        assert len(shares) > 5 and max(shares.values()) - min(shares.values()) > 0.02


class TestDeterminism:
    def test_splitmix64_matches_the_reference_output(self):
        # SplitMix64 (Steele, Lea & Flood 2014) from state 0: first output 0xE220A8397B1DCDAF.
        assert int(national.splitmix64(np.array([0], dtype=np.uint64))[0]) == 0xE220A8397B1DCDAF

    def test_two_runs_give_the_same_bytes_whatever_the_hash_seed(self, tmp_path):
        digests = []
        for number, hash_seed in enumerate(("1", "2")):
            out = tmp_path / f"run{number}.csv"
            code = ("from dsr_analysis.national import write_national_export as w; "
                    f"w({str(out)!r}, children=300)")
            env = dict(os.environ, PYTHONHASHSEED=hash_seed)
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
        assert digests[0] == digests[1]

    def test_another_seed_gives_other_children_of_the_same_sizes(self, two, tmp_path):
        first, _ = national.write_national_export(tmp_path / "a.csv", two)
        other, _ = national.write_national_export(tmp_path / "b.csv", two, seed=8)
        assert first.read_bytes() != other.read_bytes()
        assert children_by_municipality(first) == children_by_municipality(other)


class TestCache:
    def test_an_unchanged_request_reuses_the_file(self, two, tmp_path):
        out, written = national.write_national_export(tmp_path / "x.csv", two)
        before = out.stat().st_mtime_ns
        assert national.write_national_export(out, two) == (out, False)
        assert out.stat().st_mtime_ns == before
        record = json.loads(national.stamp_path(out).read_text(encoding="utf-8"))
        assert record["export_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    @pytest.mark.parametrize("change", ["settings", "export", "version", "children", "force"])
    def test_a_changed_input_or_a_damaged_file_regenerates(self, two, tmp_path, monkeypatch,
                                                           change):
        out, _ = national.write_national_export(tmp_path / "x.csv", two)
        original = out.read_bytes()
        arguments = {}
        if change == "settings":
            two.write_text(TWO.replace("children: 3", "children: 4"), encoding="utf-8")
        elif change == "export":
            out.write_bytes(original[:-10])
        elif change == "version":
            monkeypatch.setattr(national, "GENERATOR_VERSION", "test")
        elif change == "children":
            arguments["children"] = 8
        else:
            arguments["force"] = True
        assert national.write_national_export(out, two, **arguments) == (out, True)
        if change in ("export", "version", "force", "children"):
            assert out.read_bytes() == original  # 8 children = the file's 3 + 5
        if change != "force":
            assert national.write_national_export(out, two, **arguments)[1] is False


class TestCommand:
    def test_dsr_data_national_writes_to_out_then_reuses_it(self, tmp_path):
        out = tmp_path / "sub" / "national.csv"
        arguments = ["data", "--national", "--children", "200", "--out", str(out)]
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
        assert f"wrote national SYNTHETIC export {out}" in result.output
        assert sum(children_by_municipality(out).values()) == 200
        again = CliRunner().invoke(main, arguments)
        assert again.exit_code == 0 and "up to date" in again.output

    def test_a_bad_settings_file_is_one_error_line_and_a_non_zero_exit(self, two, tmp_path):
        two.write_text(TWO.replace("children: 3", "children: -1"), encoding="utf-8")
        result = CliRunner().invoke(main, ["data", "--national", "--settings", str(two),
                                           "--out", str(tmp_path / "x.csv")])
        assert result.exit_code == 1
        assert "error: two.yml: entry 1 (Læsø): 'children'" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "x.csv").exists()

    def test_the_default_output_is_under_build_and_never_committed(self):
        assert config.NATIONAL_EXPORT_PATH.is_relative_to(config.BUILD_DIR)
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", str(config.NATIONAL_EXPORT_PATH)],
            cwd=config.PROJECT_ROOT, check=False,
        )
        assert ignored.returncode == 0
