"""The synthetic data generator: exact size, determinism, the UCI quirks, every format."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from retail_analytics import generate


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pa.concat_tables(generate.generate_tables(60_000, seed=7)).to_pandas()


def test_exact_line_count_and_columns(sample):
    assert len(sample) == 60_000
    assert list(sample.columns) == generate.SCHEMA.names


def test_same_seed_same_data_other_seed_other_data():
    first = pa.concat_tables(generate.generate_tables(5_000, seed=1))
    again = pa.concat_tables(generate.generate_tables(5_000, seed=1))
    other = pa.concat_tables(generate.generate_tables(5_000, seed=2))
    assert first.equals(again)
    assert not first.equals(other)


def test_quirks_of_the_real_data_are_there(sample):
    invoices = sample.drop_duplicates("invoice")
    cancel = sample[sample.invoice.str.startswith("C")]
    assert 0.01 < len(cancel) / len(sample) < 0.05
    assert (cancel.quantity < 0).all()
    assert sample.invoice.str.startswith("A").any()
    no_customer = sample.customer_id.isna().mean()
    assert 0.15 < no_customer < 0.30, no_customer
    codes = set(sample.stock_code)
    assert {"POST", "DOT", "M"} <= codes
    assert sample.description.isna().any()  # stock notes without a description
    assert sample.description.str.endswith(" ").any()  # trailing spaces, as in the UCI files
    countries = sample.country.value_counts(normalize=True)
    assert countries.index[0] == "United Kingdom" and countries.iloc[0] > 0.8
    assert sample.country.nunique() >= 25
    assert set(sample.sales_channel) == {"online store", "marketplace", "retail store"}
    assert invoices.invoiced_at.dt.dayofweek.ne(5).all()  # no Saturdays


def test_cancellations_refer_to_an_earlier_purchase_of_the_same_customer(sample):
    goods = sample[~sample.stock_code.isin(list(generate.SERVICE))]
    cancel = goods[goods.invoice.str.startswith("C")]
    bought = goods[~goods.invoice.str.startswith(("C", "A"))]
    first_buy = bought.groupby(["customer_id", "stock_code"]).invoiced_at.min()
    keys = list(zip(cancel.customer_id, cancel.stock_code, strict=True))
    matched = [k in first_buy.index for k in keys]
    assert all(matched)
    assert all(first_buy[k] <= t for k, t in zip(keys, cancel.invoiced_at, strict=True))


def test_sales_peak_in_october_and_november(sample):
    by_month = sample.groupby(sample.invoiced_at.dt.month).size()
    assert by_month[[10, 11]].min() > by_month[[1, 2, 3, 4, 5, 6, 7, 8]].max()


@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz", "t.parquet", "t.jsonl", "t.xlsx"])
def test_every_format_round_trips(tmp_path, name):
    path = generate.write(tmp_path / name, 2_000, seed=3, progress=False)
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
    elif ".csv" in name:
        frame = pd.read_csv(path, dtype={"customer_id": str, "invoice": str, "stock_code": str})
    elif name.endswith(".jsonl"):
        frame = pd.read_json(path, lines=True, dtype={"customer_id": str, "invoice": str})
    else:
        sheets = pd.read_excel(path, sheet_name=None)
        assert len(sheets) >= 2 and all(s.startswith("Year ") for s in sheets)
        frame = pd.concat(sheets.values())
    assert len(frame) == 2_000
    assert (
        frame.quantity.sum()
        == pa.concat_tables(generate.generate_tables(2_000, seed=3))
        .column("quantity")
        .to_pandas()
        .sum()
    )


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(generate.GenerateError, match="between"):
        generate.write(tmp_path / "x.csv", 10)
    with pytest.raises(generate.GenerateError, match="name the output"):
        generate.write(tmp_path / "x.txt", 1_000)


@pytest.fixture(scope="module")
def exports() -> dict[str, pd.DataFrame]:
    """The same 20,000 generated lines as each channel's export."""
    return {
        layout: pa.concat_tables(generate.generate_tables(20_000, 9, layout)).to_pandas()
        for layout in ("retail_generator", "marketplace_orders", "store_till")
    }


def test_channel_exports_hold_the_sales_of_the_generated_lines(exports):
    from retail_analytics.rules import service_codes

    exact, prefixes = service_codes()  # the seed staging reads, not the generator's own test
    lines = exports["retail_generator"]
    code = lines.stock_code.str.upper()
    service = code.isin(exact) | code.str.startswith(tuple(prefixes))
    # gross sales as `revenue_definitions` defines them: goods, quantity and price > 0,
    # neither a cancellation nor an adjustment
    sales = lines[
        ~lines.invoice.str.match("^[CA]") & ~service & (lines.quantity > 0) & (lines.unit_price > 0)
    ]
    for layout, sku, quantity in (
        ("marketplace_orders", "sku", "quantity"),
        ("store_till", "sku", "qty"),
    ):
        export = exports[layout]
        assert len(export) == len(sales) < len(lines), layout
        # the same lines: each product's units, sold and exported
        exported = export.groupby(sku)[quantity].sum().sort_index()
        assert exported.equals(sales.groupby("stock_code").quantity.sum().sort_index()), layout


def test_the_marketplace_report_has_its_own_ids_currencies_and_fees(exports):
    report = exports["marketplace_orders"]
    assert report["order-id"].str.fullmatch(r"2\d\d-\d{7}-\d{7}").all()
    assert report.groupby("order-id")["purchase-date"].nunique().max() == 1
    assert set(report.currency) <= {"GBP", "EUR", "USD"} and (report.currency == "EUR").any()
    assert report["ship-country"].str.fullmatch("[A-Z]{2}").all()
    euro = report[report.currency == "EUR"]
    assert set(euro["ship-country"]) <= {"AT", "BE", "CY", "IE", "FI", "FR", "DE", "GR", "IT",
                                         "LT", "MT", "NL", "PT", "ES"}  # fmt: skip
    fee = (report["item-price"] * report.quantity * generate.MARKETPLACE_FEE).round(2)
    assert (report["marketplace-fee"] - fee).abs().max() < 0.011


def test_the_till_export_has_stores_voids_and_few_loyalty_cards(exports):
    till = exports["store_till"]
    assert set(till.store) == {"LDN-01", "MAN-01", "DUB-01"}
    assert 0.005 < (till.void == "Y").mean() < 0.05
    carded = till.loyalty_card.notna().mean()
    assert 0.1 < carded < 0.5  # most store sales have no card
    # a receipt is one store's, and Dublin prices are in euros (5-cent steps)
    assert till.groupby("receipt_no").store.nunique().max() == 1
    dublin = till[till.store == "DUB-01"].price
    assert ((dublin * 20).round(6) % 1 == 0).all()


def test_an_unknown_layout_is_refused():
    with pytest.raises(generate.GenerateError, match="layout"):
        next(generate.generate_tables(1_000, 1, "pos"))


def test_other_seeds_write_other_invoice_numbers():
    numbers = {
        seed: set(
            pa.concat_tables(generate.generate_tables(1_000, seed))
            .column("invoice")
            .to_pandas()
            .str.lstrip("CA")
        )
        for seed in (generate.DEFAULT_SEED, 7, 8)
    }
    assert min(int(n) for n in numbers[generate.DEFAULT_SEED]) == generate.FIRST_INVOICE
    assert not numbers[7] & numbers[8] and not numbers[7] & numbers[generate.DEFAULT_SEED]
