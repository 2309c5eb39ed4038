"""The package's exceptions: one base class, a few kinds a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


class DsrError(Exception):
    """Base class of every error the package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located so an analyst can find and fix it.

    ``row`` is the spreadsheet row number as the analyst sees it (the header is row 1, so the
    first data row is row 2); ``None`` when the problem concerns the whole file or a column.
    ``value`` is shown only when it is safe to echo: never for identifiers or anything that may
    be a CPR number.
    """

    file: str
    row: int | None
    column: str | None
    expected: str
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        found = f"found {self.value!r}; " if self.value is not None else ""
        return f"{', '.join(where)}: {found}expected {self.expected}"


class InputValidationError(DsrError):
    """An input file broke one or more rules; ``problems`` lists them all (capped)."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [f"{self.total} problem(s) in the input:"]
        lines += [f"  - {problem}" for problem in self.problems]
        hidden = self.total - len(self.problems)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (fix these and run again)")
        return "\n".join(lines)


class ConfigurationError(DsrError):
    """A project data file (codebook, programme theory, municipalities) is inconsistent."""


class BuildError(DsrError):
    """One or more report units failed to build."""
