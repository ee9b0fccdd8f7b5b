"""Synthetic transactions in the style of the UCI Online Retail data, quirks included.

Vectorised with numpy and written in chunks, so 100 million lines stream through bounded
memory. Deterministic for a given `seed` and `lines`. The output uses the generator's own
layout (`schemas.GENERATED`): the canonical column names plus `sales_channel`; or, with
`layout`, the same sales as another channel exports them (LAYOUTS).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from retail_analytics.errors import RetailError

log = logging.getLogger(__name__)

CHUNK_LINES = 1_000_000
MIN_LINES, MAX_LINES = 1_000, 100_000_000
START, END = datetime(2009, 12, 1), datetime(2011, 12, 10)
FIRST_INVOICE = 489_434
DEFAULT_SEED = 42


def first_invoice(seed: int) -> int:
    """The first invoice number of a seed's data: the UCI's for the default seed, and a
    million apart for each other seed (mod 100), so files of other seeds are other sales,
    not new lines of the same invoice numbers."""
    return FIRST_INVOICE + (seed - DEFAULT_SEED) % 100 * 1_000_000


FIRST_CUSTOMER = 12_346

# --- vocabulary ----------------------------------------------------------------------------
COLOURS = [
    "RED",
    "PINK",
    "BLUE",
    "GREEN",
    "WHITE",
    "IVORY",
    "CREAM",
    "BLACK",
    "PURPLE",
    "ORANGE",
    "YELLOW",
    "SILVER",
    "GOLD",
    "PASTEL",
    "ANTIQUE",
]
THEMES = [
    "RETROSPOT",
    "POLKADOT",
    "VINTAGE",
    "REGENCY",
    "PAISLEY",
    "SPACEBOY",
    "DOLLY GIRL",
    "WOODLAND",
    "JAM MAKING",
    "PANTRY",
    "SKULLS",
    "LOVEBIRD",
    "FLORAL",
    "STRIPE",
    "ORIENTAL",
    "BAROQUE",
    "PARISIENNE",
    "ENGLISH ROSE",
    "HEART",
    "BIRD",
    "GINGHAM",
    "DOILY",
    "SCANDINAVIAN",
    "MOROCCAN",
    "RETRO",
    "CIRCUS PARADE",
    "ALPHABET",
]
# item -> (category, typical price, typical pack quantity)
ITEMS: dict[str, tuple[str, float, int]] = {
    "CAKE TINS": ("Kitchen & Dining", 4.95, 2),
    "LUNCH BOX": ("Kitchen & Dining", 1.95, 12),
    "TEA CUP AND SAUCER": ("Kitchen & Dining", 2.95, 6),
    "MUG": ("Kitchen & Dining", 1.25, 12),
    "CAKE CASES": ("Kitchen & Dining", 0.55, 24),
    "TEA TOWEL": ("Kitchen & Dining", 1.25, 12),
    "CHOPPING BOARD": ("Kitchen & Dining", 3.75, 4),
    "PLATE": ("Kitchen & Dining", 1.65, 12),
    "BOWL": ("Kitchen & Dining", 1.25, 12),
    "EGG CUP": ("Kitchen & Dining", 0.85, 12),
    "TEAPOT": ("Kitchen & Dining", 4.95, 2),
    "CAKE STAND": ("Kitchen & Dining", 9.95, 2),
    "JUMBO BAG": ("Bags & Storage", 1.95, 10),
    "SHOPPER BAG": ("Bags & Storage", 1.25, 10),
    "LUNCH BAG": ("Bags & Storage", 1.65, 10),
    "STORAGE BOX": ("Bags & Storage", 4.25, 4),
    "TRINKET BOX": ("Bags & Storage", 1.25, 12),
    "HAMPER": ("Bags & Storage", 8.50, 2),
    "PURSE": ("Bags & Storage", 0.85, 12),
    "T-LIGHT HOLDER": ("Lighting & Candles", 2.55, 6),
    "LANTERN": ("Lighting & Candles", 3.75, 4),
    "CANDLE": ("Lighting & Candles", 1.25, 12),
    "NIGHT LIGHT": ("Lighting & Candles", 2.10, 6),
    "FAIRY LIGHTS": ("Lighting & Candles", 4.25, 4),
    "HANGING HEART": ("Home Decor", 2.95, 6),
    "PHOTO FRAME": ("Home Decor", 2.55, 6),
    "WALL CLOCK": ("Home Decor", 8.50, 2),
    "DOORMAT": ("Home Decor", 7.95, 2),
    "MIRROR": ("Home Decor", 5.95, 2),
    "METAL SIGN": ("Home Decor", 2.10, 12),
    "NOTEBOOK": ("Stationery & Paper", 1.65, 12),
    "PENCILS": ("Stationery & Paper", 0.42, 24),
    "WRAPPING PAPER": ("Stationery & Paper", 0.42, 25),
    "GREETING CARD": ("Stationery & Paper", 0.42, 12),
    "STICKERS": ("Stationery & Paper", 0.85, 12),
    "PAPER CHAIN KIT": ("Party & Celebration", 2.95, 6),
    "BUNTING": ("Party & Celebration", 2.95, 6),
    "PARTY BAGS": ("Party & Celebration", 0.85, 12),
    "NAPKINS": ("Party & Celebration", 0.85, 12),
    "CHRISTMAS DECORATION": ("Christmas & Seasonal", 0.85, 12),
    "ADVENT CALENDAR": ("Christmas & Seasonal", 2.95, 6),
    "CHRISTMAS STOCKING": ("Christmas & Seasonal", 3.75, 4),
    "PLANT POT": ("Garden & Outdoor", 1.65, 12),
    "BIRD FEEDER": ("Garden & Outdoor", 2.55, 6),
    "WATERING CAN": ("Garden & Outdoor", 2.95, 6),
    "PICNIC BASKET": ("Garden & Outdoor", 4.95, 4),
    "JIGSAW": ("Toys & Games", 2.10, 6),
    "SPINNING TOP": ("Toys & Games", 0.42, 24),
    "SKIPPING ROPE": ("Toys & Games", 1.45, 12),
    "PLAYING CARDS": ("Toys & Games", 1.25, 12),
    "NECKLACE": ("Jewellery & Accessories", 4.25, 6),
    "BRACELET": ("Jewellery & Accessories", 1.25, 12),
    "HAIR CLIP": ("Jewellery & Accessories", 0.65, 12),
    "SOAP": ("Bath & Beauty", 1.25, 12),
    "WASHBAG": ("Bath & Beauty", 2.55, 6),
    "CUSHION COVER": ("Textiles & Soft Furnishings", 3.75, 4),
    "APRON": ("Textiles & Soft Furnishings", 2.95, 6),
    "HOT WATER BOTTLE": ("Textiles & Soft Furnishings", 4.25, 4),
    "OVEN GLOVE": ("Textiles & Soft Furnishings", 1.45, 10),
}
PACKS = ["SET OF 3", "PACK OF 12", "BOX OF 6", "SET OF 4", "SET/6", "PACK OF 20"]
# Non-product codes, as in the real data: code -> (description, price range)
SERVICE = {
    "POST": ("POSTAGE", (15.0, 40.0)),
    "DOT": ("DOTCOM POSTAGE", (5.0, 900.0)),
    "M": ("Manual", (0.5, 300.0)),
    "C2": ("CARRIAGE", (25.0, 50.0)),
    "BANK CHARGES": ("Bank Charges", (15.0, 15.0)),
    "AMAZONFEE": ("AMAZON FEE", (100.0, 8000.0)),
    "CRUK": ("CRUK Commission", (1.0, 500.0)),
    "D": ("Discount", (1.0, 100.0)),
    "S": ("SAMPLES", (1.0, 100.0)),
}
NOTES = ["damaged", "wet damaged", "thrown away", "check", "missing", "?", "smashed", ""]
COUNTRIES = [  # name as in the UCI data, weight for non-UK customers
    ("Germany", 95),
    ("France", 87),
    ("EIRE", 5),
    ("Spain", 31),
    ("Netherlands", 9),
    ("Belgium", 25),
    ("Switzerland", 21),
    ("Portugal", 19),
    ("Australia", 9),
    ("Norway", 10),
    ("Italy", 15),
    ("Channel Islands", 9),
    ("Finland", 12),
    ("Cyprus", 8),
    ("Sweden", 8),
    ("Austria", 11),
    ("Denmark", 9),
    ("Japan", 8),
    ("Poland", 6),
    ("USA", 4),
    ("Israel", 4),
    ("Unspecified", 4),
    ("Singapore", 1),
    ("Iceland", 1),
    ("Canada", 4),
    ("Greece", 4),
    ("Malta", 2),
    ("United Arab Emirates", 2),
    ("European Community", 1),
    ("RSA", 1),
    ("Lebanon", 1),
    ("Lithuania", 1),
    ("Brazil", 1),
    ("Czech Republic", 1),
    ("Bahrain", 2),
    ("Saudi Arabia", 1),
    ("Nigeria", 1),
    ("West Indies", 1),
    ("Korea", 1),
    ("Thailand", 1),
]
CHANNELS = np.array(["online store", "marketplace", "retail store"], dtype=object)
CHANNEL_WEIGHTS = [0.85, 0.10, 0.05]
# Month-of-year weights (Jan..Dec): the giftware trade peaks in October and November.
SEASON = np.array([0.7, 0.75, 0.9, 0.85, 0.9, 0.9, 0.9, 0.95, 1.2, 1.5, 1.9, 1.1])
WEEKDAY = np.array(
    [1.0, 1.05, 1.1, 1.2, 0.9, 0.0, 0.6]
)  # Mon..Sun; the shop never invoiced Saturdays

SCHEMA = pa.schema(
    [
        ("invoice", pa.string()),
        ("stock_code", pa.string()),
        ("description", pa.string()),
        ("quantity", pa.int32()),
        ("invoiced_at", pa.timestamp("s")),
        ("unit_price", pa.float64()),
        ("customer_id", pa.string()),
        ("country", pa.string()),
        ("sales_channel", pa.string()),
    ]
)

NORMAL, CANCEL, ADJUST, NOTE = 0, 1, 2, 3


class GenerateError(RetailError):
    """Bad generator arguments."""


@dataclass(frozen=True)
class Catalogue:
    """The products and customers the invoices draw from."""

    codes: np.ndarray
    descriptions: np.ndarray
    variants: np.ndarray  # an alternative description some lines carry
    prices: np.ndarray
    packs: np.ndarray
    popularity: np.ndarray  # probabilities, sum 1
    customer_ids: np.ndarray
    customer_country: np.ndarray
    customer_wholesale: np.ndarray
    customer_activity: np.ndarray  # probabilities, sum 1


def build_catalogue(rng: np.random.Generator, lines: int) -> Catalogue:
    """Products (thousands) and customers (scaled to the size asked for)."""
    n_products = int(np.clip(lines // 250, 300, 5_000))
    n_customers = int(np.clip(lines // 180, 100, 2_000_000))
    items = list(ITEMS)
    item = rng.integers(0, len(items), n_products)
    colour = rng.integers(0, len(COLOURS), n_products)
    theme = rng.integers(0, len(THEMES), n_products)
    pack = rng.integers(0, len(PACKS), n_products)
    shape = rng.random((n_products, 3))
    descriptions, variants = [], []
    for i in range(n_products):
        words = []
        if shape[i, 0] < 0.15:
            words.append(PACKS[pack[i]])
        if shape[i, 1] < 0.6:
            words.append(COLOURS[colour[i]])
        if shape[i, 2] < 0.7:
            words.append(THEMES[theme[i]])
        words.append(items[item[i]])
        text = " ".join(words)
        descriptions.append(
            text + (" " if shape[i, 2] > 0.9 else "")
        )  # real files: trailing spaces
        variants.append(text.replace("SET OF ", "SET/").replace(" AND ", " & ") + " DESIGN")
    base = np.array([ITEMS[items[i]][1] for i in item])
    prices = np.round(base * rng.lognormal(0.0, 0.25, n_products) * 20) / 20 - 0.05
    prices = np.maximum(prices, 0.19).round(2)
    packs = np.array([ITEMS[items[i]][2] for i in item])
    codes = rng.choice(np.arange(10_002, 90_000), n_products, replace=False).astype(str)
    suffix = rng.random(n_products)
    letters = np.array(list("ABCDEFGHLMNPRSW"))[rng.integers(0, 15, n_products)]
    codes = np.where(suffix < 0.2, np.char.add(codes, letters), codes)
    popularity = rng.zipf(1.6, n_products).astype(float)
    popularity = np.minimum(popularity, 500) / np.minimum(popularity, 500).sum()

    names = np.array([c for c, _ in COUNTRIES], dtype=object)
    weights = np.array([w for _, w in COUNTRIES], dtype=float)
    abroad = rng.random(n_customers) < 0.10
    country = np.where(
        abroad, rng.choice(names, n_customers, p=weights / weights.sum()), "United Kingdom"
    )
    # Every country has at least one customer, however small the data set.
    first = np.flatnonzero(abroad)[: len(names)]
    country[first] = names[: len(first)]
    spare = rng.choice(np.flatnonzero(~abroad), len(names) - len(first), replace=False)
    country[spare] = names[len(first) :]
    activity = rng.lognormal(0.0, 1.2, n_customers)
    return Catalogue(
        codes=codes.astype(object),
        descriptions=np.array(descriptions, dtype=object),
        variants=np.array(variants, dtype=object),
        prices=prices,
        packs=packs,
        popularity=popularity,
        customer_ids=(FIRST_CUSTOMER + np.arange(n_customers)).astype(str).astype(object),
        customer_country=country.astype(object),
        customer_wholesale=rng.random(n_customers) < 0.08,
        customer_activity=activity / activity.sum(),
    )


@dataclass(frozen=True)
class Invoices:
    """Invoice headers, in date order."""

    when: np.ndarray  # datetime64[s]
    customer: np.ndarray  # index into the catalogue's customers, -1 for none
    kind: np.ndarray  # NORMAL, CANCEL, ADJUST or NOTE
    channel: np.ndarray
    n_lines: np.ndarray


def plan_invoices(rng: np.random.Generator, cat: Catalogue, lines: int) -> Invoices:
    """Invoices whose line counts add up to exactly `lines`."""
    n = int(lines / 18) + 10
    kind = rng.choice([NORMAL, CANCEL, ADJUST, NOTE], n, p=[0.923, 0.07, 0.0005, 0.0065])
    customer = rng.choice(len(cat.customer_ids), n, p=cat.customer_activity)
    no_customer = (rng.random(n) < 0.13) & (kind != CANCEL)
    customer = np.where(no_customer | (kind == NOTE), -1, customer)
    n_lines = 1 + rng.negative_binomial(1, 1 / 18, n)
    n_lines = np.where(
        customer == -1, n_lines * 2, n_lines
    )  # the shop's own till invoices are long
    n_lines = np.where((kind == ADJUST) | (kind == NOTE), 1, n_lines)
    n_lines = np.where(kind == CANCEL, np.minimum(n_lines, 8), n_lines)
    total = np.cumsum(n_lines)
    keep = int(np.searchsorted(total, lines)) + 1
    if keep > n:  # rare: the draw fell short, pad with one-line invoices
        extra = lines - int(total[-1])
        kind, customer = np.append(kind, [NORMAL] * extra), np.append(customer, [-1] * extra)
        n_lines, keep = np.append(n_lines, [1] * extra), n + extra
    kind, customer, n_lines = kind[:keep], customer[:keep], n_lines[:keep].copy()
    n_lines[-1] -= int(n_lines.sum()) - lines

    days = np.arange(np.datetime64(START.date()), np.datetime64(END.date()))
    months = days.astype("datetime64[M]").astype(int) % 12
    weekdays = (days.astype("datetime64[D]").astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    weight = SEASON[months] * WEEKDAY[weekdays]
    day = rng.choice(days, keep, p=weight / weight.sum())
    seconds = np.clip(rng.normal(12.5 * 3600, 2.5 * 3600, keep), 7 * 3600, 20 * 3600)
    when = np.sort(day.astype("datetime64[s]") + (seconds // 60 * 60).astype("timedelta64[s]"))
    channel = rng.choice(len(CHANNELS), keep, p=CHANNEL_WEIGHTS)
    return Invoices(when, customer, kind, channel, n_lines)


def _invoice_numbers(kind: np.ndarray, first: int) -> np.ndarray:
    numbers = (first + np.arange(len(kind))).astype(str).astype(object)
    prefix = np.where(kind == CANCEL, "C", np.where(kind == ADJUST, "A", ""))
    return prefix.astype(object) + numbers


def _chunk_lines(
    rng: np.random.Generator, cat: Catalogue, inv: Invoices, lo: int, hi: int, first: int
) -> pa.Table:
    """The lines of invoices lo..hi-1 as an Arrow table."""
    kind, cust, n_lines = inv.kind[lo:hi].copy(), inv.customer[lo:hi], inv.n_lines[lo:hi]
    # A cancellation refers to its customer's latest earlier normal invoice in this chunk;
    # one with none becomes a normal invoice.
    order = np.lexsort((np.arange(hi - lo), cust))
    normal_at = np.where(kind[order] == NORMAL, np.arange(hi - lo), -1)
    latest = np.concatenate([[-1], np.maximum.accumulate(normal_at)[:-1]])
    ok = (latest >= 0) & (cust[order] >= 0)
    ok &= cust[order][np.maximum(latest, 0)] == cust[order]
    prev = np.full(hi - lo, -1)
    prev[order[ok]] = order[latest[ok]]
    prev = np.where(kind == CANCEL, prev, -1)
    kind = np.where((kind == CANCEL) & (prev < 0), NORMAL, kind)

    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    line_inv = np.repeat(np.arange(hi - lo), n_lines)
    pos = np.arange(len(line_inv)) - starts[line_inv]
    m = len(line_inv)
    product = rng.choice(len(cat.codes), m, p=cat.popularity)
    wholesale = np.where(cust >= 0, cat.customer_wholesale[np.maximum(cust, 0)], False)[line_inv]
    qty = cat.packs[product] * rng.choice([1, 1, 1, 2, 2, 3, 4], m)
    qty = np.where(rng.random(m) < 0.25, np.maximum(1, qty // cat.packs[product]), qty)
    qty = np.where(wholesale, qty * rng.integers(4, 40, m), qty)
    price = np.where(qty >= 100, np.round(cat.prices[product] * 0.85, 2), cat.prices[product])
    code, desc = cat.codes[product], cat.descriptions[product]
    desc = np.where(rng.random(m) < 0.03, cat.variants[product], desc)

    line_kind = kind[line_inv]
    is_cancel = line_kind == CANCEL

    # Service codes replace the last line of some invoices.
    country_inv = np.where(cust >= 0, cat.customer_country[np.maximum(cust, 0)], "United Kingdom")
    last = (pos == n_lines[line_inv] - 1) & (n_lines[line_inv] > 1)
    roll = rng.random(m)
    service = np.full(m, "", dtype=object)
    abroad = country_inv[line_inv] != "United Kingdom"
    service[last & abroad & (line_kind == NORMAL) & (roll < 0.6)] = "POST"
    service[last & (cust[line_inv] < 0) & (line_kind == NORMAL) & (roll < 0.5)] = "DOT"
    service[last & (line_kind == CANCEL) & (roll < 0.15)] = "D"
    rare = last & (line_kind == NORMAL) & (service == "")
    for code_name, share in (
        ("M", 0.01),
        ("C2", 0.003),
        ("BANK CHARGES", 0.002),
        ("AMAZONFEE", 0.001),
        ("CRUK", 0.001),
        ("S", 0.001),
    ):
        service[rare & (rng.random(m) < share)] = code_name
    has_service = service != ""
    if has_service.any():
        names = service[has_service]
        low = np.array([SERVICE[s][1][0] for s in names])
        high = np.array([SERVICE[s][1][1] for s in names])
        code[has_service] = names
        desc[has_service] = np.array([SERVICE[s][0] for s in names], dtype=object)
        price[has_service] = np.round(low + (high - low) * rng.random(len(names)), 2)
        qty[has_service] = np.where(is_cancel[has_service], -1, 1)

    # Bad-debt adjustments and stock notes (no customer, price 0, often no description).
    adjust, note = line_kind == ADJUST, line_kind == NOTE
    code[adjust], desc[adjust], qty[adjust] = "B", "Adjust bad debt", 1
    price[adjust] = np.round(rng.uniform(-12000, 12000, int(adjust.sum())), 2)
    desc[note] = np.array(NOTES, dtype=object)[rng.integers(0, len(NOTES), int(note.sum()))]
    qty[note] = -rng.integers(1, 200, int(note.sum()))
    price[note] = 0.0
    desc = np.where(desc == "", None, desc)
    # The shop keyed some lines twice: repeat the line before, within the same invoice.
    again = (pos > 0) & (rng.random(m) < 0.01) & (line_kind == NORMAL)
    src = np.where(again, np.arange(m) - 1, np.arange(m))
    code, desc, qty, price = code[src], desc[src], qty[src], price[src]

    # Cancellation lines repeat lines of the invoice they cancel, with negative quantities
    # (a discount line `D` stays as it is).
    ref_inv = np.maximum(prev[line_inv], 0)
    copy = is_cancel & ~has_service
    ref_line = (starts[ref_inv] + pos % n_lines[ref_inv])[copy]
    code[copy], desc[copy], price[copy] = code[ref_line], desc[ref_line], price[ref_line]
    qty[copy] = -np.maximum(1, qty[ref_line] // rng.integers(1, 3, int(copy.sum())))

    invoice = _invoice_numbers(kind, first + lo)[line_inv]
    customer_id = np.where(cust >= 0, cat.customer_ids[np.maximum(cust, 0)], None)[line_inv]
    return pa.table(
        {
            "invoice": invoice,
            "stock_code": code,
            "description": desc,
            "quantity": qty.astype(np.int32),
            "invoiced_at": inv.when[lo:hi][line_inv],
            "unit_price": price,
            "customer_id": customer_id,
            "country": country_inv[line_inv],
            "sales_channel": CHANNELS[inv.channel[lo:hi]][line_inv],
        },
        schema=SCHEMA,
    )


def generate_tables(
    lines: int, seed: int = 42, layout: str = "retail_generator"
) -> Iterator[pa.Table]:
    """Yield the data set as Arrow tables of about a million lines each, in `layout`."""
    if not MIN_LINES <= lines <= MAX_LINES:
        raise GenerateError(f"--lines must be between {MIN_LINES:,} and {MAX_LINES:,}")
    if layout not in LAYOUTS:
        raise GenerateError(f"--layout must be one of {', '.join(LAYOUTS)}")
    rng = np.random.default_rng(seed)
    cat = build_catalogue(rng, lines)
    inv = plan_invoices(rng, cat, lines)
    bounds = np.searchsorted(np.cumsum(inv.n_lines), np.arange(CHUNK_LINES, lines, CHUNK_LINES))
    edges = [0, *sorted(set((bounds + 1).tolist())), len(inv.n_lines)]
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        if hi > lo:
            rng = np.random.default_rng([seed, i])
            table = _chunk_lines(rng, cat, inv, lo, hi, first_invoice(seed))
            if layout != "retail_generator":
                table = LAYOUTS[layout](table, np.random.default_rng([seed, i, 1]))
            yield table


# --- other channels' layouts -----------------------------------------------------------------
# The same sales as a marketplace's order report or a store till's export writes them
# (schemas.MARKETPLACE_ORDERS, schemas.STORE_TILL). Both hold sales only: the goods lines of
# ordinary invoices (refunds, postage and the shop's stock notes are not in these exports),
# so a file has fewer lines than `--lines` asked for.
EURO_COUNTRIES = {
    *("Austria", "Belgium", "Cyprus", "EIRE", "Finland", "France", "Germany", "Greece"),
    *("Italy", "Lithuania", "Malta", "Netherlands", "Portugal", "Spain"),
}
DOLLAR_COUNTRIES = {"USA"}
EUR_PER_GBP = 1.16  # prices the euro till and marketplace listings use (rounded to 5 cents)
USD_PER_GBP = 1.58
MARKETPLACE_FEE = 0.15  # the marketplace's commission on the item price
STORES = np.array(["LDN-01", "MAN-01"], dtype=object)  # sterling stores; Dublin sells in euros
LOYALTY_SHARE = 0.3  # store sales where the customer showed a loyalty card
VOID_SHARE = 0.02  # till lines scanned, then voided


def _sales(table: pa.Table) -> pa.Table:
    """The goods lines of ordinary invoices: what other channels export."""
    import pyarrow.compute as pc

    invoice, code = table["invoice"], table["stock_code"]
    ordinary = pc.invert(pc.match_substring_regex(invoice, "^[CA]"))
    goods = pc.match_substring_regex(code, "^[0-9]")  # service codes are letters (POST, D, M...)
    positive = pc.and_(pc.greater(table["quantity"], 0), pc.greater(table["unit_price"], 0))
    return table.filter(pc.and_(pc.and_(ordinary, goods), positive))


def _iso_codes() -> dict[str, str]:
    """The shop's country name -> ISO alpha-2 code, from the `countries` seed."""
    import csv

    from retail_analytics.spark import PROJECT_DIR

    with (PROJECT_DIR / "seeds" / "countries.csv").open(newline="") as f:
        return {r["country"]: r["iso_alpha2"] for r in csv.DictReader(f)}


def _priced(price: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """A sterling price in another currency, rounded to 5 cents as listings are."""
    return np.maximum(np.round(price * rate * 20) / 20, 0.05).round(2)


def marketplace_orders(table: pa.Table, rng: np.random.Generator) -> pa.Table:
    """Sales as a marketplace's order report: order ids like `205-0489434-7711`, ISO dates
    with an offset, ISO country codes, the buyer's currency, a fee column and the
    marketplace's own buyer ids."""
    sales = _sales(table).to_pandas()
    country = sales["country"].to_numpy()
    currency = np.where(
        np.isin(country, list(EURO_COUNTRIES)), "EUR",
        np.where(np.isin(country, list(DOLLAR_COUNTRIES)), "USD", "GBP"),
    )  # fmt: skip
    rate = np.select([currency == "EUR", currency == "USD"], [EUR_PER_GBP, USD_PER_GBP], 1.0)
    price = _priced(sales["unit_price"].to_numpy(), rate)
    number = sales["invoice"].astype(int).to_numpy()
    order = [f"{200 + n // 10**7}-{n % 10**7:07d}-{n * 7919 % 10**7:07d}" for n in number]
    buyer = [
        None if c is None else f"A{int(c) * 2654435761 % 16**10:010X}" for c in sales["customer_id"]
    ]
    iso = _iso_codes()
    return pa.table(
        {
            "order-id": order,
            "purchase-date": pd_iso(sales["invoiced_at"]),
            "sku": sales["stock_code"],
            "title": sales["description"],
            "quantity": sales["quantity"].astype("int32"),
            "item-price": price,
            "currency": currency,
            "marketplace-fee": np.round(price * sales["quantity"] * MARKETPLACE_FEE, 2),
            "ship-country": [iso.get(c, "ZZ") for c in country],
            "buyer-id": buyer,
        }
    )


def pd_iso(stamps) -> list[str]:
    """Timestamps as ISO 8601 with the UTC offset, as marketplaces write them."""
    return [t.strftime("%Y-%m-%dT%H:%M:%S+00:00") for t in stamps]


def store_till(table: pa.Table, rng: np.random.Generator) -> pa.Table:
    """Sales as a store till's export: receipts numbered per store, no description, the
    loyalty card for some sales only, euro prices in Dublin, and voided lines."""
    sales = _sales(table).to_pandas()
    invoice = sales["invoice"].astype(int).to_numpy()
    dublin = sales["country"].to_numpy() == "EIRE"
    store = np.where(dublin, "DUB-01", STORES[invoice % len(STORES)])
    price = np.where(
        dublin, _priced(sales["unit_price"].to_numpy(), EUR_PER_GBP), sales["unit_price"]
    )
    per_invoice = rng.random(invoice.max() - invoice.min() + 1 if len(invoice) else 0)
    carded = per_invoice[invoice - invoice.min()] < LOYALTY_SHARE if len(invoice) else []
    card = np.where(carded & sales["customer_id"].notna(), sales["customer_id"], None)
    return pa.table(
        {
            "receipt_no": [f"{n % 1_000_000:06d}" for n in invoice],
            "store": store,
            "timestamp": sales["invoiced_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "sku": sales["stock_code"],
            "qty": sales["quantity"].astype("int32"),
            "price": price.astype(float),
            "loyalty_card": card,
            "void": np.where(rng.random(len(sales)) < VOID_SHARE, "Y", "N"),
        }
    )


LAYOUTS = {
    "retail_generator": None,
    "marketplace_orders": marketplace_orders,
    "store_till": store_till,
}


XLSX_MAX_LINES = 2_000_000  # an Excel sheet holds 1,048,575 lines; more belongs in CSV/Parquet


def output_format(path: Path) -> str:
    """The ingest format `path` names (csv, csv.gz, parquet, jsonl, xlsx)."""
    name = path.name.lower()
    for ending in (".csv.gz", ".csv", ".parquet", ".jsonl.gz", ".jsonl", ".xlsx"):
        if name.endswith(ending):
            return ending[1:]
    raise GenerateError(
        f"{path}: name the output .csv, .csv.gz, .parquet, .jsonl, .jsonl.gz or .xlsx"
    )


def write(
    path: Path, lines: int, seed: int = 42, progress: bool = True, layout: str = "retail_generator"
) -> Path:
    """Generate `lines` lines into `path`, in the format its name says and in `layout`."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from tqdm import tqdm

    fmt = output_format(path)
    if fmt == "xlsx" and lines > XLSX_MAX_LINES:
        raise GenerateError(f"xlsx holds at most {XLSX_MAX_LINES:,} lines here; use .csv.gz")
    path.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=lines, unit=" lines", unit_scale=True, disable=not progress, desc=path.name)
    written = [0]

    def count(n: int) -> None:
        bar.update(n)
        written[0] += n

    tables = generate_tables(lines, seed, layout)
    first = next(tables)
    schema = SCHEMA if layout == "retail_generator" else first.schema
    tables = itertools.chain([first], tables)
    if fmt in ("csv", "csv.gz"):
        sink = pa.CompressedOutputStream(str(path), "gzip") if fmt == "csv.gz" else str(path)
        with pacsv.CSVWriter(sink, schema) as writer:
            for table in tables:
                writer.write_table(table)
                count(table.num_rows)
    elif fmt == "parquet":
        with pq.ParquetWriter(str(path), schema) as writer:
            for table in tables:
                writer.write_table(table)
                count(table.num_rows)
    elif fmt in ("jsonl", "jsonl.gz"):
        with (
            pa.CompressedOutputStream(str(path), "gzip")
            if fmt == "jsonl.gz"
            else open(path, "wb") as sink
        ):
            for table in tables:
                frame = table.to_pandas()
                text = frame.to_json(orient="records", lines=True, date_format="iso")
                sink.write(text.encode())
                count(table.num_rows)
    else:  # xlsx: one sheet per invoice year, as in the UCI workbook (an export: one)
        import pandas as pd

        frame = pa.concat_tables(list(tables)).to_pandas()
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            if layout == "retail_generator":
                for year, part in frame.groupby(frame["invoiced_at"].dt.year):
                    part.to_excel(writer, sheet_name=f"Year {year}", index=False)
                    count(len(part))
            else:  # an export: one sheet
                frame.to_excel(writer, sheet_name="Sheet1", index=False)
                count(len(frame))
    bar.close()
    log.info("wrote %s lines to %s", f"{written[0]:,}", path)
    return path
