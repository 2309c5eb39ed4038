"""dsr pseudonymise: keyed, stable pseudonyms; the key stays in its file; the output validates."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs.make_corpus import CHILD_IDS, base_rows, csv_text, danish_excel, excel_value
from click.testing import CliRunner
from openpyxl import Workbook

from dsr_analysis import config
from dsr_analysis.cli import main
from dsr_analysis.export import load_export
from dsr_analysis.pseudonymise import KEY_BYTES, pseudonym, read_key

CORPUS = Path(__file__).parent / "bad_inputs"
PSEUDONYM = re.compile(r"P(-[0-9a-f]{4}){5}")


def run(*arguments: str):
    return CliRunner().invoke(main, ["pseudonymise", *map(str, arguments)])


def new_key(folder: Path, name: str = "dsr.key") -> Path:
    path = folder / name
    result = run("--new-key", path)
    assert result.exit_code == 0, result.output
    return path


def pseudonymise(export: Path, key: Path, out: Path):
    result = run(export, "--key-file", key, "--out", out)
    assert result.exit_code == 0, result.output
    return result


def ids_of(path: Path) -> pd.Series:
    return load_export(path)["child_id"]


@pytest.fixture
def key(tmp_path) -> Path:
    return new_key(tmp_path)


class TestKeyFile:
    def test_a_new_key_is_32_random_bytes_in_hex_for_its_owner_only(self, tmp_path):
        first, second = new_key(tmp_path, "a.key"), new_key(tmp_path, "b.key")
        text = first.read_text(encoding="ascii")
        assert re.fullmatch(r"[0-9a-f]{64}\n", text)
        assert len(read_key(first)) == KEY_BYTES
        assert read_key(first) != read_key(second)
        assert stat.S_IMODE(first.stat().st_mode) == 0o600

    def test_a_key_is_never_overwritten(self, key):
        before = key.read_bytes()
        result = run("--new-key", key)
        assert result.exit_code == 1
        assert "exists already" in result.output
        assert key.read_bytes() == before

    def test_the_new_key_is_not_printed(self, tmp_path):
        path = tmp_path / "k"
        result = run("--new-key", path)
        assert path.read_text().strip() not in result.output

    @pytest.mark.parametrize(
        "content, fragment",
        [
            (None, "there is none"),
            ("", "expected a key of at least 64 hex digits"),
            ("ab" * 31, "expected a key of at least 64 hex digits"),  # 31 bytes: too short
            ("not a key at all, but long enough to be one if it were hex digits!!", "hex"),
        ],
    )
    def test_an_unusable_key_file_is_a_one_line_error(self, tmp_path, content, fragment):
        path = tmp_path / "k"
        if content is not None:
            path.write_text(content)
        out = tmp_path / "out.csv"
        result = run(CORPUS / "valid.csv", "--key-file", path, "--out", out)
        assert result.exit_code == 1
        assert fragment in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output
        assert not out.exists()
        if content:
            assert content not in result.output

    def test_a_key_readable_by_others_is_warned_about(self, key, tmp_path):
        os.chmod(key, 0o644)
        result = run(CORPUS / "valid.csv", "--key-file", key, "--out", tmp_path / "out.csv")
        assert result.exit_code == 0
        assert "warning: other users can read the key file" in result.output


class TestPseudonyms:
    def test_same_key_same_ids_and_another_key_unrelated_ids(self, tmp_path, key):
        other = new_key(tmp_path, "other.key")
        for name, secret in (("a.csv", key), ("b.csv", key), ("c.csv", other)):
            pseudonymise(CORPUS / "valid.csv", secret, tmp_path / name)
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
        mine, theirs = ids_of(tmp_path / "a.csv"), ids_of(tmp_path / "c.csv")
        assert set(mine).isdisjoint(set(theirs))
        assert mine.nunique() == theirs.nunique() == len(CHILD_IDS)

    def test_a_pseudonym_is_no_plain_hash_of_the_id(self, tmp_path, key):
        out = tmp_path / "out.csv"
        pseudonymise(CORPUS / "valid.csv", key, out)
        text = out.read_text().replace("-", "")
        for child in CHILD_IDS:
            for digest in (hashlib.sha256(child.encode()).hexdigest(),
                           hashlib.sha256(child.encode()).hexdigest().upper()):
                assert digest[:8] not in text
            assert child not in text

    def test_a_later_export_links_to_an_earlier_one(self, tmp_path, key):
        rows = base_rows()
        (tmp_path / "spring.csv").write_text(csv_text(rows[:4]))
        (tmp_path / "autumn.csv").write_text(csv_text(rows))
        pseudonymise(tmp_path / "spring.csv", key, tmp_path / "spring_p.csv")
        pseudonymise(tmp_path / "autumn.csv", key, tmp_path / "autumn_p.csv")
        spring = load_export(tmp_path / "spring_p.csv")
        autumn = load_export(tmp_path / "autumn_p.csv")
        merged = spring.merge(autumn, on=["child_id", "wave"], suffixes=("", "_later"))
        assert len(merged) == len(spring)
        assert (merged["registration_date"] == merged["registration_date_later"]).all()

    def test_waves_still_link_and_the_output_validates(self, tmp_path, key):
        out = tmp_path / "out.csv"
        pseudonymise(config.SYNTHETIC_EXPORT_PATH, key, out)
        before, after = load_export(config.SYNTHETIC_EXPORT_PATH), load_export(out)
        assert after["child_id"].str.fullmatch(PSEUDONYM.pattern).all()
        mapping = dict(zip(before["child_id"], (pseudonym(read_key(key), c)
                                                for c in before["child_id"]), strict=True))
        assert len(set(mapping.values())) == len(mapping)
        expected = before.assign(child_id=before["child_id"].map(mapping))
        key_columns = ["municipality", "child_id", "wave"]
        expected = expected.sort_values(key_columns, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(after, expected)


class TestOutputFile:
    @pytest.mark.parametrize(
        "name, text, encoding",
        [
            ("comma.csv", csv_text(base_rows()), "utf-8"),
            ("danish.csv", csv_text(danish_excel(base_rows()), delimiter=";"), "cp1252"),
            ("bom.csv", csv_text(base_rows(), delimiter=";"), "utf-8-sig"),
            ("unix_no_last_newline.csv", csv_text(base_rows()).replace("\r\n", "\n")[:-1],
             "utf-8"),
        ],
    )
    def test_only_the_child_ids_change(self, tmp_path, key, name, text, encoding):
        source, out = tmp_path / name, tmp_path / f"p_{name}"
        source.write_bytes(text.encode(encoding))
        pseudonymise(source, key, out)
        secret = read_key(key)
        expected = text
        for child in CHILD_IDS:
            expected = expected.replace(child, pseudonym(secret, child))
        assert out.read_bytes() == expected.encode(encoding)

    def test_the_bundled_export_keeps_every_other_byte(self, tmp_path, key):
        out = tmp_path / "out.csv"
        pseudonymise(config.SYNTHETIC_EXPORT_PATH, key, out)
        original = config.SYNTHETIC_EXPORT_PATH.read_text().splitlines()
        written = out.read_text().splitlines()
        assert [line.split(",", 1)[1] for line in written] == [
            line.split(",", 1)[1] for line in original
        ]

    def test_a_workbook_gives_a_workbook_with_the_same_pseudonyms(self, tmp_path, key):
        rows = base_rows()
        workbook = Workbook()
        workbook.active.append(list(rows[0]))
        for row in rows:
            workbook.active.append([excel_value(c, v) for c, v in row.items()])
        workbook.save(tmp_path / "export.xlsx")
        (tmp_path / "export.csv").write_text(csv_text(rows))
        pseudonymise(tmp_path / "export.xlsx", key, tmp_path / "out.xlsx")
        pseudonymise(tmp_path / "export.csv", key, tmp_path / "out.csv")
        pd.testing.assert_frame_equal(
            load_export(tmp_path / "out.xlsx"), load_export(tmp_path / "out.csv")
        )

    def test_the_key_appears_in_no_output_and_no_file_written(self, tmp_path, key):
        secret = read_key(key)
        forms = [secret.hex(), secret.hex().upper(), secret]
        out = tmp_path / "result" / "out.csv"
        result = pseudonymise(config.SYNTHETIC_EXPORT_PATH, key, out)
        streams = result.output + result.stderr
        assert not any(form in streams for form in forms[:2])
        written = [path for path in tmp_path.rglob("*") if path.is_file() and path != key]
        assert written == [out]
        data = out.read_bytes()
        assert not any(form.encode() in data for form in forms[:2]) and forms[2] not in data

    @pytest.mark.parametrize(
        "name", ["missing_column.csv", "cpr_numbers.csv", "utf16_unicode_text.csv", "empty.csv"]
    )
    def test_a_bad_export_is_refused_and_nothing_written(self, tmp_path, key, name):
        out = tmp_path / "out.csv"
        result = run(CORPUS / name, "--key-file", key, "--out", out)
        assert result.exit_code == 1
        assert result.output.startswith("error: ")
        assert "Traceback" not in result.output
        assert not any(child in result.output for child in CHILD_IDS)
        assert not out.exists()

    def test_the_export_itself_is_never_overwritten(self, tmp_path, key):
        source = tmp_path / "export.csv"
        source.write_text(csv_text(base_rows()))
        before = source.read_bytes()
        result = run(source, "--key-file", key, "--out", source)
        assert result.exit_code == 1 and "is the export itself" in result.output
        assert source.read_bytes() == before

    def test_the_output_keeps_the_exports_format(self, tmp_path, key):
        result = run(CORPUS / "valid.csv", "--key-file", key, "--out", tmp_path / "out.xlsx")
        assert result.exit_code == 1 and "expected a CSV file" in result.output

    def test_usage(self, tmp_path, key):
        assert run(CORPUS / "valid.csv").exit_code == 2
        assert run("--new-key", tmp_path / "k2", "--key-file", key).exit_code == 2
