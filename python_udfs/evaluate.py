"""Held-out evaluation of the product classifier: `python -m python_udfs.evaluate [--tune]`.

Fits on the `train` rows of data/labelled_descriptions.csv, scores the `eval` rows and prints
accuracy, macro-F1, per-category precision/recall and the confusion matrix. `--tune` runs the
5-fold cross-validation on the train rows that chose the constants in `classify` (the eval
rows play no part in it). `--fresh [--round N]` scores the classifier as it ships (fitted on
every labelled row, rules frozen) on data/fresh3_labelled.csv (or round N's): descriptions
drawn after the rules were written, none of them in the labelled set, labelled without
seeing a prediction (`python_udfs/fresh_sample.py` draws them; data/README.md says how they
were labelled).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

from python_udfs import classify as clf


@dataclass(frozen=True)
class Evaluation:
    """Scores of one model on the eval rows."""

    accuracy: float
    macro_f1: float
    truth: list[str]
    predicted: list[str]
    descriptions: list[str]


def split(labelled: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and eval rows of the labelled set."""
    labelled = clf.load_labelled() if labelled is None else labelled
    return labelled[labelled["split"] == "train"], labelled[labelled["split"] == "eval"]


def score(model: clf.Model, rows: pd.DataFrame) -> Evaluation:
    """Accuracy and macro-F1 (over the categories present in truth or prediction)."""
    predicted = clf.classify_batch(rows["description"].reset_index(drop=True), model)
    truth = rows["category"].tolist()
    guesses = predicted["category"].tolist()
    return Evaluation(
        accuracy=accuracy_score(truth, guesses),
        macro_f1=f1_score(truth, guesses, average="macro", zero_division=0),
        truth=truth,
        predicted=guesses,
        descriptions=rows["description"].tolist(),
    )


def evaluate(**params: float) -> Evaluation:
    """Fit on the train split (with `params` overriding the defaults), score the eval split."""
    train, held_out = split()
    return score(clf.fit(train["description"], train["category"], **params), held_out)


# the fresh samples by round; each scores the classifier fitted before it was drawn (round
# 1 then joined the training rows of 1.1, round 2 those of 1.2: data/README.md)
FRESH_CSVS = {n: clf.LABELLED_CSV.parent / f"fresh{n}_labelled.csv" for n in (2, 3)}
FRESH_CSV = FRESH_CSVS[3]


def fresh(path: Path = FRESH_CSV) -> dict[str, Evaluation]:
    """The shipped classifier on the fresh sample: all of it and each stratum apart."""
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = set(rows["category"]) - set(clf.CATEGORIES)
    if unknown:
        raise ValueError(f"{path.name}: categories not in the taxonomy: {sorted(unknown)}")
    model = clf.get_model()
    results = {"all": score(model, rows)}
    for stratum, part in rows.groupby("stratum"):
        results[stratum] = score(model, part)
    if "labeller_unsure" in rows:  # round 3: the rows its labeller called ambiguous
        for flag, part in rows.groupby("labeller_unsure"):
            results["labeller " + ("unsure" if flag == "true" else "sure")] = score(model, part)
    return results


AGREEMENT_CSV = clf.LABELLED_CSV.parent / "agreement_labelled.csv"


def agreement(path: Path = AGREEMENT_CSV) -> tuple[int, float, float]:
    """Rows, the share where a second labeller agrees with the labelled set on eval rows it
    relabelled blind, and the train-fitted classifier's accuracy against that labeller
    there: how much of a gap is labelling noise rather than the classifier."""
    second = pd.read_csv(path, dtype=str, keep_default_na=False)
    both = second.merge(clf.load_labelled(), on="description", suffixes=("_second", ""))
    train, _ = split()
    model = clf.fit(train["description"], train["category"])
    second_labels = both[["description", "category_second"]].rename(
        columns={"category_second": "category"}
    )
    agreed = float((both["category_second"] == both["category"]).mean())
    return len(both), agreed, score(model, second_labels).accuracy


def confusion_table(evaluation: Evaluation) -> str:
    """The confusion matrix as text: rows are the truth, columns the prediction."""
    labels = [c for c in clf.CATEGORIES if c in set(evaluation.truth) | set(evaluation.predicted)]
    matrix = confusion_matrix(evaluation.truth, evaluation.predicted, labels=labels)
    short = [f"{i + 1:>3}" for i in range(len(labels))]
    width = max(len(label) for label in labels) + 5
    lines = [" " * width + " ".join(short) + "   (columns: predicted; rows: true)"]
    for i, (label, row) in enumerate(zip(labels, matrix, strict=True)):
        cells = " ".join(f"{v:>3}" if v else "  ." for v in row)
        lines.append(f"{i + 1:>3}. {label:<{width - 5}}" + cells)
    return "\n".join(lines)


def cross_validate(
    train: pd.DataFrame,
    cs: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0, 50.0),
    rule_weights: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0),
    thresholds: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3),
    folds: int = 5,
) -> pd.DataFrame:
    """Mean 5-fold accuracy and macro-F1 on `train` for each (C, rule weight, threshold)."""
    rows = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for fold, (fit_idx, test_idx) in enumerate(splitter.split(train, train["category"])):
        fit_rows, test_rows = train.iloc[fit_idx], train.iloc[test_idx]
        for c in cs:
            base = clf.fit(fit_rows["description"], fit_rows["category"], c=c)
            for weight, threshold in itertools.product(rule_weights, thresholds):
                result = score(replace(base, rule_weight=weight, threshold=threshold), test_rows)
                rows.append((fold, c, weight, threshold, result.accuracy, result.macro_f1))
    table = pd.DataFrame(
        rows, columns=["fold", "c", "rule_weight", "threshold", "accuracy", "macro_f1"]
    )
    return (
        table.groupby(["c", "rule_weight", "threshold"])[["accuracy", "macro_f1"]]
        .mean()
        .sort_values(["accuracy", "macro_f1"], ascending=False)
        .reset_index()
    )


def print_errors(evaluation: Evaluation) -> None:
    """The misclassified rows, true category first."""
    print("\nmisclassified (true -> predicted):")
    for text, truth, guess in zip(
        evaluation.descriptions, evaluation.truth, evaluation.predicted, strict=True
    ):
        if truth != guess:
            print(f"  {text!r}: {truth} -> {guess}")


def main(argv: list[str] | None = None) -> int:
    """Print the held-out scores (and with --tune the cross-validation table)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="cross-validate on the train split")
    parser.add_argument("--errors", action="store_true", help="list the misclassified rows")
    parser.add_argument(
        "--fresh", action="store_true", help="score the shipped model on the fresh sample"
    )
    parser.add_argument(
        "--round",
        type=int,
        choices=sorted(FRESH_CSVS),
        default=max(FRESH_CSVS),
        dest="round_",
        help="with --fresh: which fresh sample (default: the latest)",
    )
    args = parser.parse_args(argv)
    if args.fresh:
        return main_fresh(args.errors, FRESH_CSVS[args.round_])
    train, held_out = split()
    print(f"classifier: {clf.CLASSIFIER_VERSION}")
    print(f"labelled: {len(train)} train, {len(held_out)} eval rows ({clf.LABELLED_CSV.name})")
    if args.tune:
        table = cross_validate(train)
        print("\n5-fold cross-validation on the train split (top 15):")
        print(table.head(15).to_string(index=False, float_format="%.4f"))
    print(
        f"\nconstants: C={clf.REGULARISATION_C}, rule weight={clf.RULE_WEIGHT}, "
        f"threshold={clf.CONFIDENCE_THRESHOLD}"
    )
    result = evaluate()
    print(f"\nheld-out eval split: accuracy {result.accuracy:.4f}, macro-F1 {result.macro_f1:.4f}")
    model_only = evaluate(rule_weight=0.0)
    print(
        f"  (without the keyword rules: accuracy {model_only.accuracy:.4f}, "
        f"macro-F1 {model_only.macro_f1:.4f})"
    )
    print("\nper category:")
    print(classification_report(result.truth, result.predicted, digits=3, zero_division=0))
    print("confusion matrix:")
    print(confusion_table(result))
    if args.errors:
        print_errors(result)
    return 0


def main_fresh(errors: bool, path: Path = FRESH_CSV) -> int:
    """Print the shipped classifier's scores on a fresh sample, per stratum."""
    print(f"classifier: {clf.CLASSIFIER_VERSION}, fitted on every row of {clf.LABELLED_CSV.name}")
    print(f"fresh sample: {path.name}")
    results = fresh(path)
    for name, result in results.items():
        print(
            f"fresh sample, {name}: {len(result.truth)} rows, accuracy {result.accuracy:.4f}, "
            f"macro-F1 {result.macro_f1:.4f}"
        )
    rows, agreed, against_second = agreement()
    print(
        f"\nlabelling noise: on {rows} eval rows relabelled blind by another labeller with the "
        f"same guide, the labels agree {agreed:.4f} with the labelled set's; the classifier "
        f"(fitted on train) scores {against_second:.4f} against that labeller there"
    )
    overall = results["all"]
    print("\nper category (all rows):")
    print(classification_report(overall.truth, overall.predicted, digits=3, zero_division=0))
    if errors:
        print_errors(overall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
