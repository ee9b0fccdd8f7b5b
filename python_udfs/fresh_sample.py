"""Draw the fresh evaluation sample: `python -m python_udfs.fresh_sample ../shared/data`.

Real descriptions the labelled set (data/labelled_descriptions.csv) does not hold, so the
keyword rules were not written from them: 150 drawn uniformly over distinct descriptions and
150 drawn with probability proportional to their goods revenue (what a revenue figure by
category weighs). Writes data/fresh_sample_unlabelled.csv (`description`, `stratum`,
`revenue`) for a labeller who does not see the classifier's output; the labelled copy is
data/fresh_labelled.csv and `python -m python_udfs.evaluate --fresh` scores it.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from python_udfs import classify as clf

DATA = clf.LABELLED_CSV.parent
PER_STRATUM = 150
SEED = 20261201


def out_path(round_: int) -> Path:
    return DATA / (
        "fresh_sample_unlabelled.csv" if round_ == 1 else f"fresh{round_}_sample_unlabelled.csv"
    )


def round_files(before: int) -> list[Path]:
    """The samples of the rounds before `before` (drawn and labelled: neither may be drawn
    again)."""
    files = []
    for n in range(1, before):
        files += [
            DATA / ("fresh_labelled.csv" if n == 1 else f"fresh{n}_labelled.csv"),
            out_path(n),
        ]
    return [f for f in files if f.exists()]


TRAIN_BATCH_CSV = DATA / "train3_unlabelled.csv"
# rows of the labelled set when each round (and the training batch, drawn with round 3) was
# drawn: round 1 joined before round 2 was drawn; round 2 and the batch after round 3
LABELLED_AT_DRAW = {1: 1_524, 2: 1_824, 3: 1_824}


def key(description: str) -> str:
    """The labelled set's key: upper-case letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", description.upper())


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # an ordering, not security


def read_lines(folder: Path) -> pd.DataFrame:
    """Description, quantity and price of every line of the two UCI files."""
    ii = pd.read_parquet(folder / "online_retail_ii_2009_2010.parquet")
    ii = ii.rename(columns={"Price": "UnitPrice"})[["Description", "Quantity", "UnitPrice"]]
    one = pd.read_csv(
        folder / "online_retail_2010_2011.csv.gz",
        usecols=["Description", "Quantity", "UnitPrice"],
        encoding="latin-1",
        dtype={"Description": str},
    )
    lines = pd.concat([ii, one], ignore_index=True)
    lines["Description"] = lines.Description.astype("string").str.strip()
    return lines[lines.Description.notna() & (lines.Description != "")]


def keyed(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The lines with their `key` (keyless ones dropped), and per key its most frequent
    spelling."""
    lines = lines.assign(key=lines.Description.map(key))
    lines = lines[lines.key != ""]
    spelling = (
        lines.groupby(["key", "Description"]).size().reset_index(name="n")
        .sort_values(["key", "n", "Description"], ascending=[True, False, True])
        .drop_duplicates("key")
        .set_index("key")["Description"]
    )  # fmt: skip
    return lines, spelling


def draw(
    lines: pd.DataFrame, labelled: pd.DataFrame, salt: str = ":fresh", seed: int = SEED
) -> pd.DataFrame:
    """The two strata, without any key of `labelled` (descriptions) and without overlap."""
    lines, spelling = keyed(lines)
    seen = set(labelled.description.map(key))
    # per key: the goods revenue of positive lines
    sales = lines[(lines.Quantity > 0) & (lines.UnitPrice > 0)]
    revenue = (sales.Quantity * sales.UnitPrice).groupby(sales.key).sum()
    keys = pd.DataFrame({"description": spelling})
    keys["revenue"] = revenue.reindex(keys.index).fillna(0.0).round(2)
    keys = keys[~keys.index.isin(seen)]

    uniform = keys.loc[sorted(keys.index, key=lambda k: _md5(k + salt))[:PER_STRATUM]]
    rest = keys.drop(uniform.index)
    rest = rest[rest.revenue > 0]
    rng = np.random.default_rng(seed)
    weights = rest.revenue / rest.revenue.sum()
    picked = rng.choice(len(rest), size=PER_STRATUM, replace=False, p=weights.to_numpy())
    by_revenue = rest.iloc[np.sort(picked)]
    sample = pd.concat([uniform.assign(stratum="uniform"), by_revenue.assign(stratum="revenue")])
    return sample.reset_index(drop=True)[["description", "stratum", "revenue"]]


def draw_train_batch(lines: pd.DataFrame, seen: pd.DataFrame, size: int) -> pd.DataFrame:
    """`size` descriptions for training, uniform over the distinct descriptions no sample
    holds yet (MD5 order of `key + ":train3"`)."""
    _, spelling = keyed(lines)
    keys = spelling[~spelling.index.isin(set(seen.description.map(key)))]
    picked = sorted(keys.index, key=lambda k: _md5(k + ":train3"))[:size]
    return pd.DataFrame({"description": keys.loc[picked].to_numpy()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with the two UCI files")
    parser.add_argument("--round", type=int, choices=(1, 2, 3), default=1, dest="round_")
    parser.add_argument(
        "--train-batch",
        type=int,
        metavar="N",
        help="instead: N more descriptions to label for training, none of any round's",
    )
    args = parser.parse_args()
    if not (args.data / "online_retail_ii_2009_2010.parquet").exists():
        sys.exit(f"no UCI files in {args.data}")
    # the labelled set as it was when the sample was drawn (rows are only ever appended),
    # so a draw can be repeated after later rows joined
    round_ = 3 if args.train_batch else args.round_
    seen = clf.load_labelled()[["description"]].iloc[: LABELLED_AT_DRAW[round_]]
    # the batch was drawn after round 3's sample, and leaves it out too
    for path in round_files(round_ + 1 if args.train_batch else round_):
        earlier = pd.read_csv(path, dtype=str, keep_default_na=False)
        seen = pd.concat([seen, earlier[["description"]]], ignore_index=True)
    if args.train_batch:
        sample = draw_train_batch(read_lines(args.data), seen, args.train_batch)
        out = TRAIN_BATCH_CSV
    else:
        salt = ":fresh" if args.round_ == 1 else f":fresh{args.round_}"
        sample = draw(read_lines(args.data), seen, salt=salt, seed=SEED + args.round_ - 1)
        out = out_path(args.round_)
    sample.to_csv(out, index=False)
    print(f"{len(sample)} descriptions -> {out}")


if __name__ == "__main__":
    main()
