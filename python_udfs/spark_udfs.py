"""Spark SQL wrappers of the product classifier and attributes: vectorised pandas UDFs.

Registered on every session by `register` (through `python_udfs.register_all`):

    classify_product(description)            struct<category: string, confidence: double>
    product_category(description)            string
    product_category_confidence(description) double
    product_pack_size(description)           int
    product_colour(description)              string
    product_theme(description)               string

Each Arrow batch goes to the pure batch functions in `classify` and `attributes`, so SQL and
Python give the same answers; a null description is classified as ("Other", 0.0) and has
null attributes. Each Python worker fits the classifier once, at its first batch.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql.functions import pandas_udf

from python_udfs.attributes import colour_batch, pack_size_batch, theme_batch
from python_udfs.classify import classify_batch

CLASSIFICATION_TYPE = "struct<category: string, confidence: double>"


@pandas_udf(CLASSIFICATION_TYPE)  # type: ignore[call-overload]
def classify_product(description: pd.Series) -> pd.DataFrame:
    """Category and confidence of each description."""
    return classify_batch(description).reset_index(drop=True)


@pandas_udf("string")  # type: ignore[call-overload]
def product_category(description: pd.Series) -> pd.Series:
    """Category of each description."""
    return classify_batch(description)["category"].reset_index(drop=True)


@pandas_udf("double")  # type: ignore[call-overload]
def product_category_confidence(description: pd.Series) -> pd.Series:
    """Confidence (0..1) of each description's category."""
    return classify_batch(description)["confidence"].reset_index(drop=True)


@pandas_udf("int")  # type: ignore[call-overload]
def product_pack_size(description: pd.Series) -> pd.Series:
    """Pack size ("SET OF 3" -> 3), null when the description names none."""
    return pack_size_batch(description).reset_index(drop=True)


@pandas_udf("string")  # type: ignore[call-overload]
def product_colour(description: pd.Series) -> pd.Series:
    """First colour word, lower-case, or null."""
    return colour_batch(description).reset_index(drop=True)


@pandas_udf("string")  # type: ignore[call-overload]
def product_theme(description: pd.Series) -> pd.Series:
    """First design theme, lower-case, or null."""
    return theme_batch(description).reset_index(drop=True)


UDFS = {
    "classify_product": classify_product,
    "product_category": product_category,
    "product_category_confidence": product_category_confidence,
    "product_pack_size": product_pack_size,
    "product_colour": product_colour,
    "product_theme": product_theme,
}


def register(spark) -> list[str]:
    """Register the product UDFs on `spark` under their SQL names; return the names."""
    from pyspark.sql.functions import udf as scalar_udf

    from python_udfs.classify import CLASSIFIER_VERSION

    for name, udf in UDFS.items():
        spark.udf.register(name, udf)
    # which classifier labelled a row, so a table records it beside the category
    spark.udf.register(
        "product_classifier_version", scalar_udf(lambda: CLASSIFIER_VERSION, "string")
    )
    return [*UDFS, "product_classifier_version"]
