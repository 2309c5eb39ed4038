"""``python -m dsr_analysis``: the ``dsr`` command, for when the console script is not on PATH
(a venv that is not activated, or a kernel's interpreter)."""

from dsr_analysis.entry import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in the tests
    # The console script's own entry: it reads --project before the package's paths are fixed,
    # and names the program "dsr" in usage and error lines.
    main()
