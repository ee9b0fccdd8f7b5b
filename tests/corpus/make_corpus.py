"""A corpus of files from the real world, each with the outcome ingest must give it.

`python tests/corpus/make_corpus.py DIR` writes the files into DIR; the tests call `build`
into a temporary folder. Every case is small; each uses invoice numbers of its own, so the
cases load into one lake without meeting, except the re-load sequences, which are meant to.
An outcome is `(read, loaded, rejected, skipped duplicates)`, `"already loaded"`, or a
refusal: a pattern its one line must match (it always names the file and the line).
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

UCI = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
       "CustomerID", "Country"]  # fmt: skip
II = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
      "Customer ID", "Country"]  # fmt: skip


@dataclass
class Case:
    """One file, how to ingest it, and what must come out."""

    name: str
    expect: tuple[int, int, int, int] | str  # counts, "already loaded", or "refused: <regex>"
    why: str
    date_format: str | None = None
    # extra checks on the loaded lines: invoice -> {column: value}
    lines: dict[str, dict[str, object]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # regexes the printed notes must match
    reasons: dict[str, int] = field(default_factory=dict)  # reject reason prefix -> count


def _line(inv, code="85123A", desc="WHITE HEART", qty="6", when="2010-12-01 08:26:00",
          price="2.55", cust="17850", country="United Kingdom") -> list[str]:  # fmt: skip
    return [str(inv), code, desc, str(qty), when, str(price), str(cust), country]


def _csv(rows: list[list[str]], header: list[str] = UCI, sep: str = ",", eol: str = "\n") -> str:
    def field_(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v) and not v.startswith('"') else v

    return eol.join(sep.join(field_(v) for v in r) for r in [header, *rows]) + eol


def _frame(rows: list[list[str]], header: list[str] = II) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=header)


def build(folder: Path) -> list[Case]:
    """Write the corpus into `folder`; return its cases in the order they must be ingested."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def text(name: str, body: str | bytes, case: Case) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        (folder / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        cases.append(case)

    # --- CSV -----------------------------------------------------------------------------------
    body = _csv([_line(101), _line(101, code="71053")]) + "101,22633,SHORT,6\n"
    body += ",".join(_line(102)) + ",extra,fields\n"
    text("fields.csv", body, Case("fields.csv", (4, 2, 2, 0), "too few and too many fields",
         reasons={"malformed line": 2}))  # fmt: skip
    body = (
        _csv([_line(111), _line(112)]) + '113,22633,"BROKEN QUOTE,6,2010-12-01 08:26:00,1.85,1,UK\n'
    )
    text("quote.csv", body, Case("quote.csv", (3, 2, 1, 0), "an unbalanced quote"))
    text("semicolon.csv", _csv([_line(121), _line(121, code="22633", price="1.85")], sep=";"),
         Case("semicolon.csv", (2, 2, 0, 0), "semicolon delimiter, sniffed",
              notes=["delimiter ';'"]))  # fmt: skip
    text("latin1.csv", _csv([_line(131, code="GIFT_0001_10", desc="GIFT VOUCHER £10")]).encode(
        "latin-1"), Case("latin1.csv", (1, 1, 0, 0), "Latin-1 bytes: £ decoded, no U+FFFD",
        lines={"131": {"description": "GIFT VOUCHER £10"}}, notes=["windows-1252"]))  # fmt: skip
    text("cp1252.csv", _csv([_line(141, desc="BAG \u2019N\u2019 BOW \u20ac5")]).encode("cp1252"),
         Case("cp1252.csv", (1, 1, 0, 0), "Windows-1252 bytes (curly quotes, the euro sign)",
              lines={"141": {"description": "BAG \u2019N\u2019 BOW \u20ac5"}}))  # fmt: skip
    text("bom_crlf.csv", "\ufeff" + _csv([_line(151), _line(152)], eol="\r\n"),
         Case("bom_crlf.csv", (2, 2, 0, 0), "UTF-8 BOM and CRLF line ends",
              lines={"152": {"country": "United Kingdom", "customer_id": "17850"}}))  # fmt: skip
    text(
        "nul.csv",
        _csv([_line(161), _line(162, desc="NUL\x00INSIDE")]),
        Case("nul.csv", (2, 1, 1, 0), "a NUL byte in a description", reasons={"NUL": 1}),
    )
    order = [7, 0, 1, 2, 3, 4, 5, 6]
    text("upper_order.csv", _csv([[_line(171)[i] for i in order]],
         header=[UCI[i].upper() for i in order]),
         Case("upper_order.csv", (1, 1, 0, 0), "header in upper case and another order",
              lines={"171": {"country": "United Kingdom", "quantity": 6}}))  # fmt: skip
    text("pandas_index.csv", _csv([["0", *_line(181)], ["1", *_line(181, code="22633")]],
         header=["", *UCI]), Case("pandas_index.csv", (2, 2, 0, 0), "a pandas index column",
         notes=["index column"]))  # fmt: skip
    text("extra_column.csv", _csv([[*_line(191), "yes"]], header=[*UCI, "Promo"]),
         Case("extra_column.csv", (1, 1, 0, 0), "an extra column: loaded, named in a note",
              notes=["'Promo'.*ignored"]))  # fmt: skip
    renamed = ["Invoice Number", "Stock Code", *UCI[2:]]
    text(
        "renamed.csv",
        _csv([_line(201)], header=renamed),
        Case(
            "renamed.csv",
            "refused: renamed.csv: line 1: not a known layout.*lacks the columns "
            "InvoiceNo, StockCode.*has instead: Invoice Number, Stock Code",
            "renamed columns",
        ),
    )
    text("missing_columns.csv", _csv([_line(211)[:5]], header=UCI[:5]),
         Case("missing_columns.csv", "refused: line 1: .*lacks the columns UnitPrice, "
              "CustomerID, Country", "missing required columns, named"))  # fmt: skip
    text("empty.csv", b"", Case("empty.csv", "refused: empty.csv: line 1: empty file", "0 bytes"))
    text("header_only.csv", _csv([]), Case("header_only.csv", (0, 0, 0, 0), "a header, no lines"))
    text(
        "long_description.csv",
        _csv([_line(221, desc="X" * 10_000)]),
        Case("long_description.csv", (1, 1, 0, 0), "a 10,000-character description"),
    )

    # --- compressed and binary -----------------------------------------------------------------
    whole = gzip.compress(_csv([_line(231 + i) for i in range(200)]).encode())
    (folder / "truncated.csv.gz").write_bytes(whole[: len(whole) // 2])
    cases.append(Case("truncated.csv.gz", "refused: truncated.csv.gz: whole file: truncated",
                      "a truncated .gz: refused, nothing half-read"))  # fmt: skip
    (folder / "corrupt.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 50 + b"PAR1")
    cases.append(Case("corrupt.parquet", "refused: corrupt.parquet: whole file: cannot read",
                      "a corrupt Parquet file"))  # fmt: skip
    frame = _frame([_line(241, when="2010-12-01 08:26:00"), _line(242, when="2010-12-02 10:00:00")])
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"])
    frame["Quantity"] = frame["Quantity"].astype(int)
    frame["Price"] = frame["Price"].astype(float)
    frame.to_parquet(folder / "nanos.parquet")
    cases.append(Case("nanos.parquet", (2, 2, 0, 0), "Parquet with nanosecond timestamps",
                      lines={"242": {"invoiced_at": "2010-12-02 10:00:00"}}))  # fmt: skip
    _frame([_line(251), _line(252)]).to_parquet(folder / "strings.parquet")
    cases.append(Case("strings.parquet", (2, 2, 0, 0), "Parquet, every column a string"))
    frame = _frame([_line(261), _line(262, cust="")])
    frame["Customer ID"] = [13085.0, None]
    frame.to_parquet(folder / "double_customer.parquet")
    cases.append(
        Case(
            "double_customer.parquet",
            (2, 2, 0, 0),
            "Parquet, a double customer id",
            lines={"261": {"customer_id": "13085"}, "262": {"customer_id": None}},
        )
    )

    # --- Excel -----------------------------------------------------------------------------------
    with pd.ExcelWriter(folder / "notes.xlsx") as w:
        _frame([_line(271), _line(272)]).to_excel(w, sheet_name="2010", index=False)
        _frame([_line(273)]).to_excel(w, sheet_name="2011", index=False)
        pd.DataFrame({"Notes": ["Exported by the till", "Prices in GBP"]}).to_excel(
            w, sheet_name="Notes", index=False
        )
    cases.append(Case("notes.xlsx", (3, 3, 0, 0), "two data sheets and a notes sheet",
                      notes=["sheet 'Notes'.*skipped"]))  # fmt: skip
    with pd.ExcelWriter(folder / "refused.xlsx") as w:
        _frame([_line(281)]).to_excel(w, sheet_name="good", index=False)
        _frame([_line(282)], header=["Inv", "Code", *II[2:]]).to_excel(w, sheet_name="renamed",
                                                                      index=False)  # fmt: skip
    cases.append(
        Case(
            "refused.xlsx",
            r"refused: refused.xlsx\[renamed\]: row 1: not a known",
            "a data sheet with renamed columns: the workbook refused, nothing kept",
        )
    )
    with pd.ExcelWriter(folder / "title.xlsx") as w:
        pd.DataFrame([["Sales export"], ["December 2010"], [None]]).to_excel(
            w, sheet_name="Sales", index=False, header=False
        )
        _frame([_line(291), _line(292)]).to_excel(w, sheet_name="Sales", index=False, startrow=3)
    cases.append(Case("title.xlsx", (2, 2, 0, 0), "a title block above the header row",
                      notes=["header on row 4"]))  # fmt: skip
    with pd.ExcelWriter(folder / "uci_ii.xlsx") as w:
        _frame([_line(301), _line(302), _line(302, code="22633")]).to_excel(
            w, sheet_name="Year 2009-2010", index=False
        )
        _frame([_line(302), _line(302, code="22633"), _line(303)]).to_excel(
            w, sheet_name="Year 2010-2011", index=False
        )
    cases.append(Case("uci_ii.xlsx", (6, 4, 0, 2), "the UCI II workbook: sheet 2 repeats the "
                      "last invoice of sheet 1"))  # fmt: skip

    # --- JSON lines ------------------------------------------------------------------------------
    record = dict(zip(UCI, _line(311), strict=True))
    body = json.dumps(record) + "\n" + json.dumps({**record, "InvoiceNo": "312"}) + "\n"
    text("cut.jsonl", body + '{"InvoiceNo": "313", "StockCode": \n',
         Case("cut.jsonl", (3, 2, 1, 0), "a line cut off mid-object"))  # fmt: skip
    first = {k: v for k, v in record.items() if k not in ("CustomerID",)} | {"InvoiceNo": "321"}
    second = {**record, "InvoiceNo": "322", "Voucher": "none"}
    text("keys.jsonl", json.dumps(first) + "\n" + json.dumps(second) + "\n",
         Case("keys.jsonl", (2, 2, 0, 0), "keys that vary per line: the union is read",
              lines={"322": {"customer_id": "17850"}}, notes=["'Voucher'"]))  # fmt: skip
    frame = _frame([_line(331, when="2010-12-01 08:26:00")], header=UCI)
    frame["InvoiceDate"] = pd.to_datetime(frame["InvoiceDate"])
    frame.to_json(folder / "epoch.jsonl", orient="records", lines=True)  # epoch milliseconds
    cases.append(Case("epoch.jsonl", (1, 1, 0, 0), "pandas' epoch-millisecond dates",
                      lines={"331": {"invoiced_at": "2010-12-01 08:26:00"}}))  # fmt: skip

    # --- dates -----------------------------------------------------------------------------------
    text("day_first.csv", _csv([_line(341, when="02/12/2010 08:26"),
                                _line(342, when="13/12/2010 09:00")]),
         Case("day_first.csv", (2, 2, 0, 0), "dd/mm/yyyy: a day above 12 decides",
              lines={"341": {"invoiced_at": "2010-12-02 08:26:00"}}))  # fmt: skip
    text("month_first.csv", _csv([_line(351, when="12/2/2010 8:26"),
                                  _line(352, when="12/13/2010 9:00")]),
         Case("month_first.csv", (2, 2, 0, 0), "m/d/yyyy: a day above 12 decides",
              lines={"351": {"invoiced_at": "2010-12-02 08:26:00"}}))  # fmt: skip
    ambiguous = _csv([_line(361, when="02/12/2010 08:26"), _line(362, when="03/12/2010 09:00")])
    text(
        "ambiguous.csv",
        ambiguous,
        Case(
            "ambiguous.csv",
            "refused: ambiguous.csv: line 2: cannot tell whether dates like '02/12/2010 08:26'",
            "undecidable dates: refused",
        ),
    )
    text(
        "ambiguous_day_first.csv",
        ambiguous.replace("36", "37"),
        Case(
            "ambiguous_day_first.csv",
            (2, 2, 0, 0),
            "the same with --date-format day-first",
            date_format="day-first",
            lines={"371": {"invoiced_at": "2010-12-02 08:26:00"}},
        ),
    )
    text("both_ways.csv", _csv([_line(381, when="13/12/2010 08:26"),
                                _line(382, when="12/14/2010 09:00")]),
         Case("both_ways.csv", "refused: both_ways.csv: line 3: dates are written both ways",
              "a day above 12 in both places: refused, never half-read"))  # fmt: skip
    text("impossible.csv", _csv([_line(391), _line(392, when="2010-02-30 10:00:00"),
                                 _line(393, when="2011-13-01 10:00:00")]),
         Case("impossible.csv", (3, 1, 2, 0), "impossible dates",
              reasons={"invoice date missing or not a date": 2}))  # fmt: skip
    text("window.csv", _csv([_line(401), _line(402, when="2031-01-05 10:00:00"),
                             _line(403, when="1900-01-01 10:00:00")]),
         Case("window.csv", (3, 1, 2, 0), "dated in the future or before the shop",
              reasons={"invoice date in the future": 1, "invoice date before": 1}))  # fmt: skip

    # --- values ----------------------------------------------------------------------------------
    text("quantities.csv", _csv([_line(411, qty="12"), _line(412, qty="12.0"),
                                 _line(413, qty="12.5"), _line(414, qty="1e3"),
                                 _line(415, qty="abc"), _line(416, qty="")]),
         Case("quantities.csv", (6, 2, 4, 0), "quantities 12.5, 1e3, abc, empty",
              reasons={"quantity missing or not a whole number": 4}))  # fmt: skip
    text("prices.csv", _csv([_line(421, price="2.10"), _line(422, price="£2.10"),
                             _line(423, price="2,50"), _line(424, price="N/A"),
                             _line(425, price="")]),
         Case("prices.csv", (5, 1, 4, 0), "prices £2.10, 2,50, N/A, empty",
              reasons={"price missing or not a number": 4}))  # fmt: skip
    text("customers.csv", _csv([_line(431, cust="AB123"), _line(432, cust="17850.0"),
                                _line(433, cust="17850.5")]),
         Case("customers.csv", (3, 2, 1, 0), "customer ids with letters, .0, a fraction",
              lines={"431": {"customer_id": "AB123"}, "432": {"customer_id": "17850"}},
              reasons={"customer id not letters and digits": 1}))  # fmt: skip
    text("cancellations.csv", _csv([_line("c441", qty="-1"), _line("C442", qty="2"),
                                    _line("C443", code="POST", qty="1")]),
         Case("cancellations.csv", (3, 2, 1, 0), "a lower-case c; a C invoice of goods with a "
              "positive quantity", lines={"C441": {"quantity": -1}},
              reasons={"cancellation (C invoice) of goods": 1}))  # fmt: skip
    text("codes.csv", _csv([_line(451), _line("", code="A"), _line(452, code=""),
                            _line(453, code="  "), _line("INV-1")]),
         Case("codes.csv", (5, 1, 4, 0), "missing invoice, missing and blank stock code, INV-1",
              reasons={"missing invoice": 1, "missing stock code": 2,
                       "invoice id not letters and digits": 1}))  # fmt: skip
    text("swapped.csv", _csv([_line(461, qty="2.55", price="6")]),
         Case("swapped.csv", (1, 0, 1, 0), "quantity and price swapped: fractional quantity",
              reasons={"quantity missing or not a whole number": 1}))  # fmt: skip

    # --- re-loads (in this order, into the same lake) --------------------------------------------
    first = _csv([_line(501), _line(501, code="22633"), _line(502), _line(503, qty="x")])
    text("orders.csv", first, Case("orders.csv", (4, 3, 1, 0), "a file with a reject"))
    text("orders.csv.gz", first, Case("orders.csv.gz", "already loaded", "the same re-compressed"))
    text("orders_copy.csv", first, Case("orders_copy.csv", "already loaded", "the same, renamed"))
    text(
        "orders_more.csv",
        _csv([_line(502), _line(503, qty="x"), _line(504)]),
        Case("orders_more.csv", (3, 1, 0, 2), "repeats an invoice and a reject of orders.csv"),
    )
    text(
        "split_1.csv",
        _csv([_line(511), _line(511, code="22633")]),
        Case("split_1.csv", (2, 2, 0, 0), "an invoice split across two files, part 1"),
    )
    text(
        "split_2.csv",
        _csv([_line(511, code="71053"), _line(511, code="84879"), _line(512)]),
        Case("split_2.csv", (3, 3, 0, 0), "part 2: its lines are not duplicates"),
    )
    text(
        "corrected.csv",
        _csv([_line(511), _line(511, code="22633", qty="7")]),
        Case(
            "corrected.csv",
            (2, 0, 1, 1),
            "a corrected re-export: the changed line rejected",
            reasons={"invoice already loaded from another file with other lines": 1},
        ),
    )
    text(
        "all_bad.csv",
        _csv([_line(521, qty="x"), _line(522, qty="y")]),
        Case("all_bad.csv", (2, 0, 2, 0), "every line rejected: status rejected"),
    )
    text("all_bad_again.csv", _csv([_line(521, qty="x"), _line(522, qty="y")]),
         Case("all_bad_again.csv", (2, 0, 0, 2), "a wholly rejected file again: rejects not "
              "repeated"))  # fmt: skip
    text(
        "all_bad_fixed.csv",
        _csv([_line(521, qty="1"), _line(522, qty="2")]),
        Case("all_bad_fixed.csv", (2, 2, 0, 0), "the fixed file loads"),
    )
    return cases


if __name__ == "__main__":
    for case in build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")):
        print(f"{case.name:<28} {case.expect}  # {case.why}")
