"""The corpus of real-world files (tests/corpus/make_corpus.py): each gets its expected outcome.

Every case's counts, refusal line, notes, reject reasons and chosen loaded values are
checked; then the lake is reconciled with the results: per file, the rows in raw and in the
rejects are exactly what its line said, a refused file left nothing, and the load log holds
the true status (an `e2e` test: about 11 s a file). One CLI run on part of the corpus checks
what a user sees and each of those files' counts (in `make test`).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys

import pytest

from retail_analytics import ingest
from retail_analytics.rules import Options

from .conftest import REPO
from .helpers import BIN, lake_env, run

_spec = importlib.util.spec_from_file_location("make_corpus", REPO / "tests/corpus/make_corpus.py")
make_corpus = importlib.util.module_from_spec(_spec)
sys.modules["make_corpus"] = make_corpus  # dataclasses look their module up while defining
_spec.loader.exec_module(make_corpus)

SUMMARY = re.compile(
    r"read (?P<n>[\d,]+), loaded (?P<l>[\d,]+), rejected (?P<r>[\d,]+), "
    r"skipped duplicates (?P<d>[\d,]+)"
)


def _status(expect) -> str:
    if isinstance(expect, str):
        return "refused" if expect.startswith("refused") else ""
    return ingest.load_status(expect[1], expect[2], expect[3])


def _check(case, result, spark) -> list[str]:
    """What differs between a case's expected outcome and its result."""
    problems = []
    if isinstance(case.expect, tuple):
        got = (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_duplicate)
        if result.refused or got != case.expect:
            problems.append(f"expected {case.expect}, got {got} {result.refused or ''}")
        if got[0] != sum(got[1:]):
            problems.append(f"read != loaded + rejected + duplicates: {got}")
    elif case.expect == "already loaded":
        if not result.already_loaded_as:
            problems.append(f"expected already loaded, got {result.summary()}")
    else:
        pattern = case.expect.removeprefix("refused: ")
        if not result.refused or not re.search(pattern, result.refused):
            problems.append(f"expected refusal /{pattern}/, got {result.summary()}")
        elif "\n" in result.refused or not result.refused.startswith(case.name):
            problems.append(f"a refusal is one line starting with the file: {result.refused!r}")
    for note in case.notes:
        if not any(re.search(note, n) for n in result.notes):
            problems.append(f"no note /{note}/ in {result.notes}")
    for reason, count in case.reasons.items():
        n = (
            spark.table(ingest.REJECTS)
            .where(f"_source_file = '{case.name}' and startswith(reason, '{reason}')")
            .count()
        )
        if n != count:
            problems.append(f"{n} rejects for /{reason}/, expected {count}")
    for invoice, values in case.lines.items():
        rows = spark.table(ingest.TRANSACTIONS).where(f"invoice = '{invoice}'").collect()
        if not rows:
            problems.append(f"invoice {invoice} not loaded")
            continue
        for column, value in values.items():
            got = rows[0][column]
            got = str(got) if column == "invoiced_at" else got
            if got != value:
                problems.append(f"invoice {invoice}: {column} = {got!r}, expected {value!r}")
    return problems


@pytest.mark.e2e
def test_every_corpus_file_gets_its_expected_outcome(empty_lake, tmp_path):
    folder = tmp_path / "corpus"
    cases = make_corpus.build(folder)
    problems = {}
    # file by file, as `ingest.ingest` loads each file, without its recovery scan per call
    # (no load here is left unfinished; test_ingest_atomic covers recovery)
    ingest.ensure_tables(empty_lake)
    for case in cases:
        result = ingest.ingest_file(
            empty_lake, folder / case.name, Options(date_order=case.date_format)
        )
        found = _check(case, result, empty_lake)
        if found:
            problems[case.name] = found
    assert not problems, "\n".join(f"{k}: {'; '.join(v)}" for k, v in problems.items())

    # The lake agrees with what was printed: rows per file in raw and in the rejects, and
    # the load log's status (refused files left no rows; already-loaded ones no log row).
    def per_file(table):
        rows = empty_lake.sql(
            f"select regexp_replace(_source_file, '\\\\[.*', '') as f, count(*) as n "
            f"from {table} group by 1"
        ).collect()
        return {r.f: r.n for r in rows}

    raw, rejects = per_file(ingest.TRANSACTIONS), per_file(ingest.REJECTS)
    statuses = {r.source_file: r.status for r in empty_lake.table(ingest.LOAD_LOG).collect()}
    for case in cases:
        loaded = case.expect[1] if isinstance(case.expect, tuple) else 0
        rejected = case.expect[2] if isinstance(case.expect, tuple) else 0
        assert (raw.get(case.name, 0), rejects.get(case.name, 0)) == (loaded, rejected), case
        if _status(case.expect):
            assert statuses[case.name] == _status(case.expect), case
    assert statuses["all_bad.csv"] == "rejected"
    assert statuses["orders.csv"] == "partly rejected"


@pytest.mark.slow
def test_the_cli_prints_one_accounted_line_per_file_and_one_line_per_refusal(tmp_path):
    corpus = tmp_path / "corpus"
    cases = {c.name: c for c in make_corpus.build(corpus)}
    chosen = tmp_path / "in"
    chosen.mkdir()
    names = ["fields.csv", "latin1.csv", "renamed.csv", "truncated.csv.gz", "notes.xlsx",
             "ambiguous.csv", "corrupt.parquet", "extra_column.csv"]  # fmt: skip
    for name in names:
        shutil.copy(corpus / name, chosen / name)
    result = run([BIN / "retail", "ingest", chosen], lake_env(tmp_path))
    assert result.returncode == 1  # some files were refused
    assert "Traceback" not in result.stderr + result.stdout
    assert "at org.apache" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    refused = [n for n in names if not isinstance(cases[n].expect, tuple)]
    assert sorted(e.split(":")[1].strip() for e in errors) == sorted(refused), result.stderr
    for line in errors:  # file, where, problem
        assert re.match(r"error: \S+: (line \d+|row \d+|whole file): \S", line), line
    counted = [line for line in result.stdout.splitlines() if "read " in line]
    assert len(counted) == len(names) - len(refused) + 1, result.stdout  # + the total
    # each loaded file's line gives its case's expected counts (the quick suite's check of
    # outcomes; the whole corpus is the e2e test above)
    for name in set(names) - set(refused):
        line = next((c for c in counted if c.startswith(f"{name}: ")), None)
        assert line, f"no line for {name}: {result.stdout}"
        got = tuple(int(v.replace(",", "")) for v in SUMMARY.search(line).groups())
        assert got == cases[name].expect, line
    for line in counted:
        m = SUMMARY.search(line)
        n, loaded, rejected, dup = (int(m[g].replace(",", "")) for g in "nlrd")
        assert n == loaded + rejected + dup, line
    assert "note: column(s) 'Promo'" in result.stdout
    assert "total: read 9, loaded 7, rejected 2, skipped duplicates 0; 4 file(s) refused" in (
        result.stdout
    )
