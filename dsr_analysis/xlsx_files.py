"""Excel workbooks as bytes that depend on their contents only.

openpyxl stamps the time of saving into the workbook's properties and every zip entry, so
two saves of the same workbook differ. Here both are fixed, so the same inputs give a
byte-identical file (the package's rule for everything it writes).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(workbook) -> bytes:
    """``workbook`` saved as .xlsx bytes with fixed times (same workbook, same bytes).

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> def made():
    ...     book = Workbook()
    ...     book.active["A1"] = "x"
    ...     return workbook_bytes(book)
    >>> made() == made()
    True
    """
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "dsr-analysis"
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    # ExcelWriter.save closes the archive; Workbook.save would set the time of saving.
    ExcelWriter(workbook, archive).save()
    return _with_fixed_times(raw.getvalue())


def _with_fixed_times(data: bytes) -> bytes:
    """The zip ``data`` with every entry dated :data:`_ZIP_TIME`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, allowZip64=True
    ) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
