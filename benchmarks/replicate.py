"""Scale inputs: the bundled export replicated under more municipalities (never committed).

The issue's measurements (issue 12) were made this way, so the benchmark repeats them exactly:
municipality ``k`` of ``n`` is the ``k``-th of the 98 Danish municipalities
(``data/reference/danish_municipalities.csv``) and holds a copy of the rows of bundled
municipality ``k mod 4``; ``copies`` > 1 repeats each child that many times within it (fresh
child ids), so the number of children grows without new municipalities. Beside the export goes a
municipalities file naming the ``n`` as monitored, for ``dsr tables --units``.

    .venv/bin/python benchmarks/replicate.py 48            # build/benchmarks/replicated_48x1/
    .venv/bin/dsr tables --data build/benchmarks/replicated_48x1/export.csv \\
        --units build/benchmarks/replicated_48x1/municipalities.yml --out /tmp/t.csv
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "synthetic" / "monitoring_export.csv"
REFERENCE = ROOT / "data" / "reference" / "danish_municipalities.csv"
FOLDER = ROOT / "build" / "benchmarks"


def reference_municipalities() -> list[tuple[str, str]]:
    """(code, name) of the 98 municipalities, in the reference file's order."""
    with REFERENCE.open(encoding="utf-8") as handle:
        return [(row["code"], row["name"]) for row in csv.DictReader(handle)]


def replicated(n_municipalities: int, copies: int = 1, folder: Path | None = None) -> Path:
    """Write (once) the replicated export and its municipalities file; return their folder."""
    folder = folder or FOLDER / f"replicated_{n_municipalities}x{copies}"
    export, units = folder / "export.csv", folder / "municipalities.yml"
    if export.exists() and units.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    header, *records = list(csv.reader(io.StringIO(SOURCE.read_text(encoding="utf-8"))))
    child, municipality = header.index("child_id"), header.index("municipality")
    sources = sorted({record[municipality] for record in records})
    targets = reference_municipalities()[:n_municipalities]
    partial = export.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for k, (code, name) in enumerate(targets):
            own = [r for r in records if r[municipality] == sources[k % len(sources)]]
            for copy in range(copies):
                for record in own:
                    fresh = list(record)
                    fresh[municipality] = name
                    fresh[child] = f"K{code}-{record[child]}r{copy}"
                    writer.writerow(fresh)
    partial.replace(export)
    lines = ["municipalities:"]
    for code, name in targets:
        lines += [f"  - id: k{code}", f"    name: {name}", "    monitored: true"]
    units.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("municipalities", type=int)
    parser.add_argument("--copies", type=int, default=1)
    arguments = parser.parse_args()
    print(replicated(arguments.municipalities, arguments.copies))


if __name__ == "__main__":
    main()
