"""Keyed pseudonyms for the child ids of an export (``dsr pseudonymise``).

A municipality's data manager replaces each ``child_id`` by ``HMAC-SHA256(key, child_id)``
before the export leaves the municipality. With the same secret key a child gets the same
pseudonym in every wave and every later export, so the analysis still links them; without
the key nobody can compute a pseudonym from a serial number, as anyone could from a plain
hash of it. The key is read from a file made once (``dsr pseudonymise --new-key``) and never
written, printed or logged anywhere else.

A pseudonym is ``P-`` and the first 80 bits of the HMAC as five groups of four hex digits, for
example ``P-3f9a-0b1c-77e2-d405-9a6b``: never six digits in a row, so it can never look like a
CPR number to the export's own screening. Two children of a million share a pseudonym with
probability below 10^-12 (80 bits, birthday bound n^2 / 2^81); a collision is checked for and
refused anyway.

The output has the input's format: a CSV keeps its encoding (UTF-8, with a BOM if it had one,
or cp1252), separator and line ends, and only the ``child_id`` cells change (fields are quoted
only where needed, as Excel does); a workbook keeps its cells, the first sheet's ``child_id``
column replaced.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import io
import os
import secrets
import stat
from pathlib import Path

import click

from dsr_analysis.cli_options import fail
from dsr_analysis.errors import DsrError
from dsr_analysis.files import atomic_write_bytes

# openpyxl and the export reader (pandas, the rules) are imported by the functions that use
# them: `dsr` imports this module for every command, --help included.

KEY_BYTES = 32
"""A new key's length: 256 bits, as long as a SHA-256 digest."""

PREFIX = "P"
GROUPS = 5
"""Groups of four hex digits in a pseudonym: 5 x 16 = 80 bits of the HMAC."""


class PseudonymisationError(DsrError):
    """A key file or an output that ``dsr pseudonymise`` cannot use."""


def pseudonym(key: bytes, child_id: str) -> str:
    """The child id's keyed pseudonym.

    >>> pseudonym(bytes(32), "ID7731")
    'P-8dc2-5392-5245-646c-db58'
    >>> pseudonym(bytes(32), "ID7731") == pseudonym(bytes(32), " ID7731 ".strip())
    True
    """
    digest = hmac.new(key, child_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return "-".join([PREFIX, *(digest[4 * i : 4 * i + 4] for i in range(GROUPS))])


def write_new_key(path: Path) -> None:
    """Write a new random key (hex) to ``path``, readable by its owner only; never overwrite.

    Raises
    ------
    PseudonymisationError
        If ``path`` exists already or cannot be created.
    """
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PseudonymisationError(
            f"{path} exists already; a key is made once and then kept: use it, or name "
            "another file"
        ) from None
    except OSError as error:
        message = f"cannot create the key file {path}: {error.strerror}"
        raise PseudonymisationError(message) from None
    try:
        os.fchmod(handle, 0o600)  # whatever the umask
        os.write(handle, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
        os.fsync(handle)
    finally:
        os.close(handle)


def read_key(path: Path) -> bytes:
    """The key in ``path``: at least 32 bytes written as hex digits, as --new-key writes it.

    The message of an unusable key file says what is wrong, never what the file holds.

    Raises
    ------
    PseudonymisationError
        If the file is missing, unreadable, not hex digits, or too short.
    """
    make = f"make one once with: dsr pseudonymise --new-key {path}"
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise PseudonymisationError(f"key file {path}: there is none; {make}") from None
    except (OSError, UnicodeDecodeError):
        raise PseudonymisationError(
            f"key file {path}: cannot be read as a key (hex digits written by "
            "dsr pseudonymise --new-key)"
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise PseudonymisationError(
            f"key file {path}: expected a key of at least {2 * KEY_BYTES} hex digits, as "
            f"dsr pseudonymise --new-key writes it; this file holds none; {make}"
        )
    return key


def key_is_private(path: Path) -> bool:
    """Whether no one but the owner may read the key file (always true where modes do not
    apply)."""
    return os.name != "posix" or not stat.S_IMODE(path.stat().st_mode) & 0o077


class Pseudonyms:
    """Pseudonyms handed out in one run, refusing two ids that share one."""

    def __init__(self, key: bytes):
        self._key = key
        self._given: dict[str, str] = {}
        self._owner: dict[str, str] = {}

    def __call__(self, child_id: str) -> str:
        if child_id not in self._given:
            made = pseudonym(self._key, child_id)
            if made in self._owner:
                raise PseudonymisationError(
                    "two child ids got the same pseudonym (a chance below one in 10^12); "
                    "nothing was written"
                )
            self._given[child_id], self._owner[made] = made, child_id
        return self._given[child_id]

    def __len__(self) -> int:
        return len(self._given)


def pseudonymised_csv(data: bytes, file: str, pseudonyms: Pseudonyms) -> bytes:
    """The CSV ``data`` with each ``child_id`` cell replaced, otherwise written as read.

    The text is decoded and encoded as it streams through, so a large file is held about
    twice (as read and as written), not as Python text.
    """
    from dsr_analysis import export
    from dsr_analysis.validate import ID_COLUMN

    text, encoding = export.decoded(data, file)
    delimiter, ending = export.header_delimiter(text, file), line_end(text)
    last_line_ended = text.endswith(("\n", "\r"))
    del text
    if encoding == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8"
    source = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    records = csv.reader(source, delimiter=delimiter)
    target = io.BytesIO()
    stream = io.TextIOWrapper(target, encoding=encoding, newline="", write_through=True)
    writer = csv.writer(stream, delimiter=delimiter, lineterminator=ending)
    header = next(records)
    writer.writerow(header)
    position = [name.strip() for name in header].index(ID_COLUMN)
    for record in records:
        if position < len(record) and record[position].strip():
            record[position] = pseudonyms(record[position].strip())
        writer.writerow(record)
    stream.flush()
    written = target.getvalue()
    return written if last_line_ended else written[: -len(ending.encode(encoding))]


def line_end(text: str) -> str:
    r"""The text's line end, as its first line ends.

    >>> line_end("a;b\r\n1;2\r\n"), line_end("a;b\n"), line_end("a;b")
    ('\r\n', '\n', '\n')
    """
    first = text.find("\n")
    if first > 0 and text[first - 1] == "\r":
        return "\r\n"
    if first < 0 and "\r" in text:
        return "\r"
    return "\n"


def pseudonymised_xlsx(path: Path, pseudonyms: Pseudonyms) -> bytes:
    """The workbook with the first sheet's ``child_id`` cells replaced."""
    from openpyxl import load_workbook

    from dsr_analysis import export
    from dsr_analysis.validate import ID_COLUMN

    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [export.cell_text(cell.value).strip() for cell in sheet[1]]
    column = header.index(ID_COLUMN) + 1
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row, column)
        child_id = export.cell_text(cell.value).strip()
        if child_id:
            cell.value = pseudonyms(child_id)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pseudonymise_export(path: Path, key: bytes, out: Path) -> tuple[int, int]:
    """Write ``path`` with pseudonymised child ids to ``out``; return (rows, children).

    The export is validated first (as ``dsr tables`` would), so a file with problems, or a
    CPR number in any cell, is refused and nothing is written; the output validates too.

    Raises
    ------
    DsrError
        If the export has problems, or ``out`` is the export itself or of another format.
    """
    from dsr_analysis import export

    excel = path.suffix.lower() == export.EXCEL_SUFFIX
    if excel != (out.suffix.lower() == export.EXCEL_SUFFIX):
        kind = "an .xlsx workbook" if excel else "a CSV file"
        raise PseudonymisationError(f"--out {out}: expected {kind}, as the export is")
    if out.resolve() == path.resolve():
        raise PseudonymisationError(
            f"--out {out} is the export itself; write the pseudonymised copy to another file"
        )
    rows = len(export.load_export(path))
    pseudonyms = Pseudonyms(key)
    if excel:
        data = pseudonymised_xlsx(path, pseudonyms)
    else:
        data = pseudonymised_csv(path.read_bytes(), path.name, pseudonyms)
    atomic_write_bytes(out, data)
    return rows, len(pseudonyms)


@click.command("pseudonymise")
@click.argument("export_path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="The secret key (made once with --new-key); the same file every time.")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the pseudonymised export (same format as EXPORT).")
@click.option("--new-key", "new_key_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Make a new secret key in this file (never overwrites one) and stop.")
def pseudonymise_command(
    export_path: Path | None, key_file: Path | None, out_path: Path | None,
    new_key_path: Path | None,
) -> None:
    """Replace the child ids of EXPORT by keyed pseudonyms (HMAC-SHA256), or make a key.

    \b
    dsr pseudonymise --new-key K               once: make the secret key K
    dsr pseudonymise EXPORT --key-file K --out OUT
    """
    try:
        if new_key_path is not None:
            if export_path or key_file or out_path:
                raise click.UsageError("--new-key makes a key only; give it alone")
            write_new_key(new_key_path)
            click.echo(f"wrote a new key to {new_key_path} (readable by you only); keep it "
                       "safe and use the same key for every export")
            return
        if export_path is None or key_file is None or out_path is None:
            raise click.UsageError("give EXPORT, --key-file and --out (or --new-key alone)")
        key = read_key(key_file)
        if not key_is_private(key_file):
            click.echo(f"warning: other users can read the key file {key_file}; "
                       f"make it private: chmod 600 {key_file}", err=True)
        rows, children = pseudonymise_export(export_path, key, out_path)
    except DsrError as error:
        fail(error)
    click.echo(f"wrote {rows} registrations of {children} children, child ids pseudonymised, "
               f"to {out_path}")
