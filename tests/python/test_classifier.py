"""The product classifier and attribute functions in `python_udfs` (pure Python, no Spark)."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from python_udfs import attributes, classify, evaluate, fresh_sample
from python_udfs.classify import CATEGORIES, OTHER

# Held-out floors. Measured on the eval split (376 real descriptions): accuracy 0.9309,
# macro-F1 0.9167. The accuracy floor is the goal; the macro-F1 floor is the measurement
# minus a margin of about 0.017. Everything is deterministic, so a drop means a real change.
ACCURACY_FLOOR = 0.90
MACRO_F1_FLOOR = 0.90
# The latest fresh sample (round 3, drawn and labelled after 1.2's training rows; python -m
# python_udfs.evaluate --fresh): 1.2 measured 0.897 in all (uniform 0.913, by revenue
# 0.880) and 0.957 on the 257 rows its labeller was sure of. Everything is deterministic,
# so the floors sit just under the measurement: a drop is a real change.
FRESH_ACCURACY_FLOOR = 0.89
FRESH_STRATUM_FLOOR = 0.87
FRESH_SURE_FLOOR = 0.95

KNOWN = {
    "PAPER CHAIN KIT 50'S CHRISTMAS": "Christmas & Seasonal",
    "WOODEN ADVENT CALENDAR CREAM": "Christmas & Seasonal",
    "EASTER HEN DECORATION": "Christmas & Seasonal",
    "NATURAL SLATE HEART CHALKBOARD": "Home Decor",
    "WOODEN PICTURE FRAME WHITE FINISH": "Home Decor",
    "HEART OF WICKER SMALL": "Home Decor",
    "SET OF 3 CAKE TINS PANTRY DESIGN": "Kitchen & Dining",
    "REGENCY CAKESTAND 3 TIER": "Kitchen & Dining",
    "60 TEATIME FAIRY CAKE CASES": "Kitchen & Dining",
    "JUMBO BAG RED RETROSPOT": "Bags & Storage",
    "LUNCH BAG  BLACK SKULL.": "Bags & Storage",
    "ROBOT BIRTHDAY CARD": "Stationery & Paper",
    "WRAP RED APPLES": "Stationery & Paper",
    "PARTY BUNTING": "Party & Celebration",
    "12 COLOURED PARTY BALLOONS": "Party & Celebration",
    "GARDENERS KNEELING PAD": "Garden & Outdoor",
    "ZINC WATERING CAN": "Garden & Outdoor",
    "WHITE HANGING HEART T-LIGHT HOLDER": "Lighting & Candles",
    "GLASS STAR FROSTED T-LIGHT HOLDER": "Lighting & Candles",
    "VINTAGE SNAP CARDS": "Toys & Games",
    "SPACEBOY JIGSAW": "Toys & Games",
    "BLUE GLASS CHUNKY CHARM BRACELET": "Jewellery & Accessories",
    "SILVER HEART NECKLACE": "Jewellery & Accessories",
    "RED SPOTTY WASHBAG": "Bath & Beauty",
    "LAVENDER SCENTED SOAP": "Bath & Beauty",
    "PINK GINGHAM ROSE CUSHION COVER": "Textiles & Soft Furnishings",
    "CHOCOLATE HOT WATER BOTTLE": "Textiles & Soft Furnishings",
    "POSTAGE": "Fees & Adjustments",
    "DOTCOM POSTAGE": "Fees & Adjustments",
    "Manual": "Fees & Adjustments",
    "Discount": "Fees & Adjustments",
    "Bank Charges": "Fees & Adjustments",
    "AMAZON FEE": "Fees & Adjustments",
    "CARRIAGE": "Fees & Adjustments",
    "SAMPLES": "Fees & Adjustments",
    "Adjust bad debt": "Fees & Adjustments",
    "Dotcomgiftshop Gift Voucher £20.00": "Fees & Adjustments",
    "damaged": "Fees & Adjustments",
    "ENAMEL DOG BOWL CREAM": OTHER,
}

NOTHING = ["", "   ", None, float("nan"), np.nan, pd.NA, "nan", "NaN", " nan ", "?", "???",
           "22719", "#$%^&*", "zzqx vbnm", "\u2603\u2603", "\t\n"]  # fmt: skip


@pytest.mark.parametrize(("description", "expected"), sorted(KNOWN.items()))
def test_known_descriptions(description, expected):
    category, confidence = classify.classify(description)
    assert category == expected
    assert classify.CONFIDENCE_THRESHOLD <= confidence <= 1.0


@pytest.mark.parametrize("description", NOTHING, ids=repr)
def test_empty_missing_and_garbage_are_other_with_zero_confidence(description):
    assert classify.classify(description) == (OTHER, 0.0)


@pytest.mark.parametrize("value", [12345, 3.5, b"JUMBO BAG", ["a", "list"], object(), True])
def test_odd_types_never_raise(value):
    category, confidence = classify.classify(value)
    assert category in CATEGORIES
    assert 0.0 <= confidence <= 1.0


def test_bytes_are_decoded():
    assert classify.classify(b"JUMBO BAG RED RETROSPOT")[0] == "Bags & Storage"


def test_unicode():
    assert classify.classify("Café crème MUG")[0] == "Kitchen & Dining"
    assert classify.classify("ÉTOILE 🎄 CHRISTMAS DECORATION")[0] == "Christmas & Seasonal"
    assert classify.classify("\u2018WHITE\u2019 HANGING HEART T\u2011LIGHT HOLDER")[0] == (
        "Lighting & Candles"
    )
    assert classify.normalise("Café 50's ☕ mug") == "CAFÉ 00S MUG"


def test_very_long_strings():
    assert classify.classify("x" * 100_000) == (OTHER, 0.0)
    long_bag = "JUMBO BAG RED RETROSPOT " * 5_000  # 120k characters; the first 200 count
    assert classify.classify(long_bag)[0] == "Bags & Storage"
    assert attributes.pack_size("SET OF 3 " + "X" * 100_000) == 3
    assert attributes.colour("Y" * 100_000) is None


def test_deterministic():
    texts = [*KNOWN, "zzqx", None, "BLUE POLKADOT UMBRELLA"]
    first = [classify.classify(t) for t in texts]
    assert [classify.classify(t) for t in texts] == first
    batch = classify.classify_batch(pd.Series(texts, dtype=object))
    pd.testing.assert_frame_equal(batch, classify.classify_batch(pd.Series(texts, dtype=object)))


def test_refitting_gives_the_same_model():
    """Each Spark worker fits its own model: two fits must agree to the last bit."""
    labelled = classify.load_labelled().head(400)
    one = classify.fit(labelled["description"], labelled["category"])
    two = classify.fit(labelled["description"], labelled["category"])
    np.testing.assert_array_equal(one.coef, two.coef)
    np.testing.assert_array_equal(one.intercept, two.intercept)


def test_batch_matches_scalar_and_keeps_the_index():
    texts = ["JUMBO BAG RED RETROSPOT", None, "", "POSTAGE", "JUMBO BAG RED RETROSPOT", "nan"]
    series = pd.Series(texts, index=[10, 11, 12, 13, 14, 15], dtype=object)
    batch = classify.classify_batch(series)
    assert list(batch.columns) == ["category", "confidence"]
    assert list(batch.index) == [10, 11, 12, 13, 14, 15]
    assert batch["confidence"].dtype == np.float64
    for text, (category, confidence) in zip(texts, batch.itertuples(index=False), strict=True):
        assert (category, confidence) == classify.classify(text)


def test_a_row_does_not_depend_on_its_batch():
    texts = [*classify.load_labelled()["description"].head(300), None, "", "☃"]
    whole = classify.classify_batch(pd.Series(texts, dtype=object))
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = classify.classify_batch(pd.Series([texts[i] for i in order], dtype=object))
    pd.testing.assert_frame_equal(
        shuffled.reset_index(drop=True), whole.iloc[order].reset_index(drop=True)
    )


def test_empty_batch():
    result = classify.classify_batch(pd.Series([], dtype=object))
    assert len(result) == 0
    assert list(result.columns) == ["category", "confidence"]


def test_low_confidence_becomes_other():
    model = classify.get_model()
    strict = replace(model, threshold=1.01)
    categories, confidence = strict.predict(pd.Series(["JUMBO BAG RED RETROSPOT"]))
    assert categories[0] == OTHER
    assert confidence[0] > 0.9  # the probability of the best guess is still reported


def test_taxonomy_and_rules():
    assert len(CATEGORIES) == 14 and len(set(CATEGORIES)) == 14
    assert OTHER in CATEGORIES and "Fees & Adjustments" in CATEGORIES
    assert set(classify.RULES) <= set(CATEGORIES)
    for phrases in classify.RULES.values():
        for phrase, weight in phrases.items():
            assert 1 <= len(phrase.split()) <= 2, phrase
            assert weight > 0, phrase
    assert isinstance(classify.CLASSIFIER_VERSION, str) and classify.CLASSIFIER_VERSION
    assert 0.0 < classify.CONFIDENCE_THRESHOLD < 1.0


def test_labelled_set():
    labelled = classify.load_labelled()
    assert list(labelled.columns) == ["description", "category", "split"]
    assert len(labelled) >= 800
    assert set(labelled["category"]) == set(CATEGORIES)
    assert set(labelled["split"]) == {"train", "eval"}
    # the eval split is the 376 rows fixed (a stratified quarter) among the first 1,524,
    # before the first evaluation; every row added since (the fresh samples that joined,
    # the training batch) is a train row
    eval_rows = labelled.index[labelled["split"] == "eval"]
    assert len(eval_rows) == 376 and eval_rows.max() < 1_524
    assert 0.2 <= (labelled.loc[:1_523, "split"] == "eval").mean() <= 0.3
    assert not labelled["description"].duplicated().any()
    assert (labelled["description"] == labelled["description"].str.strip()).all()
    assert (labelled["description"] != "").all()
    both = labelled.groupby("category")["split"].nunique()
    assert (both == 2).all(), "every category in both splits"
    service = {"POSTAGE", "DOTCOM POSTAGE", "Manual", "Discount", "Bank Charges",
               "AMAZON FEE", "CARRIAGE", "SAMPLES", "Adjust bad debt"}  # fmt: skip
    assert service <= set(labelled["description"])
    assert labelled["description"].str.contains("Gift Voucher").any()


def test_held_out_accuracy_and_macro_f1_floors():
    result = evaluate.evaluate()
    assert len(result.truth) >= 200
    assert result.accuracy >= ACCURACY_FLOOR
    assert result.macro_f1 >= MACRO_F1_FLOOR


def test_the_fresh_sample_is_new_to_the_rules_and_scored():
    """The fresh sample holds no description of the labelled set (by the set's own key), and
    the shipped classifier keeps its measured accuracy on it (BENCHMARKS.md)."""
    fresh = pd.read_csv(evaluate.FRESH_CSV, dtype=str, keep_default_na=False)
    assert fresh["stratum"].value_counts().to_dict() == {"uniform": 150, "revenue": 150}
    labelled_keys = set(classify.load_labelled()["description"].map(fresh_sample.key))
    assert not set(fresh["description"].map(fresh_sample.key)) & labelled_keys
    results = evaluate.fresh()
    assert results["all"].accuracy >= FRESH_ACCURACY_FLOOR
    assert min(results["uniform"].accuracy, results["revenue"].accuracy) >= FRESH_STRATUM_FLOOR
    assert results["labeller sure"].accuracy >= FRESH_SURE_FLOOR


def test_evaluate_prints_the_report(capsys):
    assert evaluate.main([]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "macro-F1" in out and "confusion matrix" in out
    for category in CATEGORIES:
        assert category in out


def test_import_is_light():
    """`import python_udfs` (and the pure modules) must not start pyspark."""
    code = (
        "import sys, python_udfs, python_udfs.classify, python_udfs.attributes;"
        "print('pyspark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- attributes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("SET OF 3 CAKE TINS PANTRY DESIGN", 3),
        ("PACK OF 12 PINK PAISLEY TISSUES", 12),
        ("BOX OF 6 MINI VINTAGE CRACKERS", 6),
        ("SET/4 BADGES CUTE CREATURES", 4),
        ("SET 2 TEA TOWELS I LOVE LONDON", 2),
        ("PACK OF 60 PINK PAISLEY CAKE CASES", 60),
        ("S/3 PINK SQUARE PLANTERS ROSES", 3),
        ("FOLK ART GREETING CARD,pack/12", 12),
        ("ROUND SNACK BOXES ,SET4, WOODLAND", 4),
        ("11 PC CERAMIC TEA SET POLKADOT", 11),
        ("EIGHT PIECE SNAKE SET", 8),
        ("SET OF THREE VINTAGE GIFT WRAPS", 3),
        ("PAIR BUTTERFLY HAIR CLIPS", 2),
        ("BAKING SET 9 PIECE RETROSPOT", 9),
        ("WHITE HANGING HEART T-LIGHT HOLDER", None),
        ("BAG 500g SWIRLY MARBLES", None),
        ("3 TIER CAKE TIN RED AND CREAM", None),
        ("SET OF 0", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_pack_size(description, expected):
    assert attributes.pack_size(description) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("JUMBO BAG RED RETROSPOT", "red"),
        ("WHITE HANGING HEART T-LIGHT HOLDER", "white"),
        ("PINK GINGHAM ROSE CUSHION COVER", "pink"),
        ("CREAM SWEETHEART LETTER RACK", "cream"),
        ("IVORY WICKER HEART LARGE", "ivory"),
        ("LUNCH BAG  BLACK SKULL.", "black"),
        ("BLUE POLKADOT EGG CUP", "blue"),
        ("RED/WHITE SPOT PICNIC BAG", "red"),
        ("TURQ PENDANT TRIPLE SHELL NECKLACE", "turquoise"),
        ("GREY HEART HOT WATER BOTTLE", "grey"),
        ("FRENCH BLUE METAL DOOR SIGN", "blue"),
        ("MULTI COLOUR SILVER T-LIGHT HOLDER", "multicolour"),
        ("REGENCY CAKESTAND 3 TIER", None),
        ("REDUCED BLUEBIRD", None),
        (None, None),
        ("", None),
    ],
)
def test_colour(description, expected):
    assert attributes.colour(description) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("JUMBO BAG RED RETROSPOT", "retrospot"),
        ("RED RETRO SPOT MUG", "retrospot"),
        ("WOODEN FRAME ANTIQUE WHITE", None),
        ("VINTAGE SNAP CARDS", "vintage"),
        ("PAPER CHAIN KIT 50'S CHRISTMAS", "christmas"),
        ("PINK POLKA DOT BOWL", "polkadot"),
        ("REGENCY CAKESTAND 3 TIER", "regency"),
        ("JUMBO SHOPPER VINTAGE RED PAISLEY", "vintage"),
        ("PINK PAISLEY CAKE CASES", "paisley"),
        ("LUNCH BAG SPACEBOY DESIGN", "spaceboy"),
        ("DOLLY GIRL LUNCH BOX", "dolly girl"),
        ("LUNCH BAG WOODLAND", "woodland"),
        ("LUNCH BAG  BLACK SKULL.", "skulls"),
        ("CHARLIE+LOLA PINK HOT WATER BOTTLE", "charlie and lola"),
        ("WHITE HANGING HEART T-LIGHT HOLDER", None),
        (None, None),
    ],
)
def test_theme(description, expected):
    assert attributes.theme(description) == expected


def test_attribute_batches_match_scalars():
    texts = [*KNOWN, None, "", "SET OF 3 CAKE TINS", "PACK OF 12 RED RETROSPOT", "☃ SET/4"]
    series = pd.Series(texts, index=range(100, 100 + len(texts)), dtype=object)
    sizes = attributes.pack_size_batch(series)
    colours = attributes.colour_batch(series)
    themes = attributes.theme_batch(series)
    assert str(sizes.dtype) == "Int32"
    assert list(sizes.index) == list(series.index) == list(colours.index) == list(themes.index)
    for text, size, col, thm in zip(texts, sizes, colours, themes, strict=True):
        assert (None if pd.isna(size) else int(size)) == attributes.pack_size(text)
        assert col == attributes.colour(text)
        assert thm == attributes.theme(text)
    assert not any(isinstance(v, float) and math.isnan(v) for v in colours)
