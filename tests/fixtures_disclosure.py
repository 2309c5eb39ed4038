"""A drawn release for the disclosure tests: one three-option table, two periods and their
total, each municipality of 6-40 children, with its pooled unit."""

from __future__ import annotations

import numpy as np
import pandas as pd


def three_option_table(name: str, municipalities: int, seed: int,
                       probabilities: tuple[float, float, float]) -> pd.DataFrame:
    """Share cells of options x, y, z (drawn with ``probabilities``) in periods P1, P2 and
    Total, for municipalities M00, M01, ... and Alle."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(municipalities):
        for period in ("P1", "P2"):
            n = int(rng.integers(6, 40))
            split = rng.multinomial(n, list(probabilities))
            rows += [(f"M{m:02d}", period, o, int(c), n) for o, c in zip("xyz", split,
                                                                       strict=True)]
    frame = pd.DataFrame(rows, columns=["municipality", "column", "label", "count", "n"])
    total = frame.groupby(["municipality", "label"], as_index=False)[["count", "n"]].sum()
    frame = pd.concat([frame, total.assign(column="Total")], ignore_index=True)
    pooled = frame.groupby(["column", "label"], as_index=False)[["count", "n"]].sum()
    frame = pd.concat([frame, pooled.assign(municipality="Alle")], ignore_index=True)
    return frame.assign(table=name, code=frame["label"], kind="share",
                        value=frame["count"] / frame["n"])
