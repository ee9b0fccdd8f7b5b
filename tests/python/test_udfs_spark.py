"""The product UDFs through Spark SQL give exactly what the pure Python functions give."""

from __future__ import annotations

import pytest

from python_udfs import attributes, classify

pytestmark = pytest.mark.slow

UDF_NAMES = [
    "classify_product",
    "product_category",
    "product_category_confidence",
    "product_pack_size",
    "product_colour",
    "product_theme",
]

EDGE_CASES = [None, "", "   ", "nan", "?", "22719", "☃ Café crème MUG", "x" * 5_000,
              "SET OF 3 CAKE TINS PANTRY DESIGN", "Dotcomgiftshop Gift Voucher £20.00",
              "it's a \"quoted\", comma'd text"]  # fmt: skip


@pytest.fixture(scope="module")
def sample() -> list[str | None]:
    """About 200 descriptions: every 8th labelled one (all categories) plus edge cases."""
    labelled = classify.load_labelled()["description"].tolist()
    return labelled[::8] + EDGE_CASES


def test_udfs_are_registered(spark):
    for name in UDF_NAMES:
        assert spark.catalog.functionExists(name), name


def test_sql_matches_the_pure_functions(spark, sample):
    assert len(sample) >= 190
    rows = [(i, text) for i, text in enumerate(sample)]
    frame = spark.createDataFrame(rows, "id int, d string").repartition(3)
    # selectExpr, not a temporary view: a temp view would be listed in every schema of this
    # shared session and taken for a built table by later tests
    result = frame.selectExpr(
        "id",
        "classify_product(d) as classified",
        "classify_product(d).category as category",
        "classify_product(d).confidence as confidence",
        "product_category(d) as product_category",
        "product_category_confidence(d) as product_confidence",
        "product_pack_size(d) as pack_size",
        "product_colour(d) as colour",
        "product_theme(d) as theme",
    )
    types = {field.name: field.dataType.simpleString() for field in result.schema.fields}
    assert types["classified"] == "struct<category:string,confidence:double>"
    assert types["pack_size"] == "int"
    assert types["confidence"] == types["product_confidence"] == "double"
    assert types["colour"] == types["theme"] == types["category"] == "string"

    got = {row["id"]: row for row in result.collect()}
    assert sorted(got) == list(range(len(sample)))
    mismatches = []
    for i, text in enumerate(sample):
        row = got[i]
        expected = {
            "category": classify.classify(text)[0],
            "confidence": classify.classify(text)[1],
            "pack_size": attributes.pack_size(text),
            "colour": attributes.colour(text),
            "theme": attributes.theme(text),
        }
        actual = {
            "category": row["category"],
            "confidence": row["confidence"],
            "pack_size": row["pack_size"],
            "colour": row["colour"],
            "theme": row["theme"],
        }
        if actual != expected:
            mismatches.append((text, expected, actual))
        assert (row["classified"]["category"], row["classified"]["confidence"]) == (
            row["category"],
            row["confidence"],
        )
        assert (row["product_category"], row["product_confidence"]) == (
            row["category"],
            row["confidence"],
        )
    assert not mismatches, mismatches[:5]


def test_null_description(spark):
    row = spark.sql(
        "select classify_product(cast(null as string)) as c,"
        " product_pack_size(cast(null as string)) as p,"
        " product_colour(cast(null as string)) as col,"
        " product_theme(cast(null as string)) as t"
    ).first()
    assert (row["c"]["category"], row["c"]["confidence"]) == ("Other", 0.0)
    assert row["p"] is None and row["col"] is None and row["t"] is None
