"""``python -m dsr_analysis``: the ``dsr`` command, for when the console script is not on PATH
(a venv that is not activated, or a kernel's interpreter)."""

from dsr_analysis.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in the tests
    # The prog name keeps usage and error lines saying "dsr", not "python -m dsr_analysis".
    main(prog_name="dsr")
