"""Write seeds/rfm_segments.csv: every R-F-M cell (125) and its segment.

The segment follows the widely used R x F grid (M refines value, not the segment), with
`Lost` split off the coldest corner. Edit the seed by hand to remap single cells; rerun
this script only to restore the grid.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

GRID = [  # regular expression on "<r><f>" -> segment, first match wins
    (r"11", "Lost"),
    (r"[1-2][1-2]", "Hibernating"),
    (r"[1-2][3-4]", "At Risk"),
    (r"[1-2]5", "Cannot Lose Them"),
    (r"3[1-2]", "About to Sleep"),
    (r"33", "Need Attention"),
    (r"[3-4][4-5]", "Loyal Customers"),
    (r"41", "Promising"),
    (r"51", "New Customers"),
    (r"[4-5][2-3]", "Potential Loyalists"),
    (r"5[4-5]", "Champions"),
]


def segment(r: int, f: int) -> str:
    """The segment of recency score r and frequency score f."""
    for pattern, name in GRID:
        if re.fullmatch(pattern, f"{r}{f}"):
            return name
    raise ValueError(f"no segment for r={r} f={f}")


def main() -> None:
    path = Path(__file__).resolve().parents[1] / "seeds" / "rfm_segments.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["rfm_cell", "r_score", "f_score", "m_score", "rfm_segment"])
        for r in range(1, 6):
            for f in range(1, 6):
                for m in range(1, 6):
                    writer.writerow([f"{r}{f}{m}", r, f, m, segment(r, f)])


if __name__ == "__main__":
    main()
