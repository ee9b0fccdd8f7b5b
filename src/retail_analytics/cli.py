"""`retail`: the project's one command. Thin: it parses arguments and calls the modules."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from retail_analytics.errors import RetailError

log = logging.getLogger("retail_analytics")

DEMO_LINES = 200_000


def _cmd_generate(args: argparse.Namespace) -> int:
    from retail_analytics import generate

    generate.write(args.output, args.lines, args.seed, not args.quiet, args.layout)
    if args.layout == "retail_generator":
        print(f"wrote {args.lines:,} lines to {args.output}")
    else:  # the sales of the lines generated, as that channel exports them
        print(f"wrote the sales of {args.lines:,} generated lines to {args.output} ({args.layout})")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline
    from retail_analytics.rules import Options

    options = Options(
        date_order=args.date_format,
        encoding=args.encoding,
        valid_from=args.valid_from,
        valid_until=args.valid_until,
    )
    results = pipeline.ingest_paths(args.paths, options)
    return 1 if any(r.refused for r in results) else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline

    pipeline.dbt(["build", *args.dbt_args])
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline

    pipeline.run(args.data, demo_lines=args.demo_lines, seed=args.seed)
    return 0


def _cmd_simulate_inventory(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline

    pipeline.simulate_inventory(seed=args.seed)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from retail_analytics import churn, pipeline, recommend
    from retail_analytics.spark import get_spark

    for module in (churn, recommend):
        print(module.train(get_spark(), seed=args.seed).summary())
    if not args.no_build:
        pipeline.rebuild([pipeline.ML_SOURCES])
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    from retail_analytics import watch
    from retail_analytics.rules import Options

    watch.watch(
        args.landing,
        args.checkpoint,
        trigger_seconds=args.every,
        build=not args.no_build,
        options=Options(date_order=args.date_format),
        until_idle=args.until_idle,
        select=args.select,
    )
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline

    pipeline.print_summary()
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from retail_analytics import serve

    options = serve.ServeOptions(
        host=args.host,
        port=args.port,
        auth=not args.no_auth,
        allow_remote=args.allow_remote,
        tls_keystore=args.tls_keystore,
    )
    if not serve.is_loopback(args.host) and options.tls_keystore is None:
        print(serve.NO_TLS_WARNING.format(host=args.host, port=args.port), file=sys.stderr)

    def ready(info: serve.ServerInfo) -> None:
        print(f"Thrift Server (HiveServer2) ready: {info.jdbc_url}", flush=True)
        if serve.DEFAULT_SCHEMA not in info.schemas:
            print(
                f"  no `{serve.DEFAULT_SCHEMA}` schema yet: build it through the server with "
                "`dbt build --target thrift`"
            )
        print(f"  schemas: {', '.join(info.schemas)}")
        print(f"  Python UDFs: {', '.join(info.udfs) or 'none'}")
        if options.auth:
            print("  authentication: users file (retail users add NAME --role bi|dbt)")
        else:
            print("  NO authentication (--no-auth): every local client may build and change tables")
        print("  stop with Ctrl-C (or SIGTERM)", flush=True)

    serve.serve(options, on_ready=ready)
    print("Thrift Server stopped")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline, publish

    if args.status:
        print(publish.status(pipeline.get_spark(), checksums=args.checksums).render())
        return 0
    # the tests of the current audited versions; the on-run-end hook publishes if all pass
    pipeline.dbt(["test", *args.dbt_args])
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from retail_analytics import pipeline, publish

    pipeline.dbt(["run-operation", "rollback_marts"])
    print(publish.status(pipeline.get_spark(), history=3).render())
    return 0


def _cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from retail_analytics import users

    if args.users_command == "add":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
            if getpass.getpass("again: ") != password:
                raise users.UsersError("the two passwords differ")
        path = users.add(args.name, args.role, password)
        print(f"{args.name} ({args.role}) in {path}")
    elif args.users_command == "remove":
        if not users.remove(args.name):
            raise users.UsersError(f"no user {args.name} in {users.users_file()}")
        print(f"removed {args.name}")
    else:
        for user in users.read().values():
            print(f"{user.name}\t{user.role}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from retail_analytics import report

    result = report.write(args.output)
    print(f"wrote {result.path} ({len(result.sections)} sections)")
    for reason in result.missing:
        print(f"  placeholder: {reason}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per job."""
    parser = argparse.ArgumentParser(
        prog="retail", description="Retail analytics on dbt and Spark: load, build, inspect."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress in detail")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write synthetic UCI-style transactions")
    p.add_argument("--lines", type=int, default=DEMO_LINES, help="lines to write (1,000 to 100M)")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same file)")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("data/demo/transactions.csv.gz"),
        help="file to write; its ending picks the format: .csv .csv.gz .parquet .jsonl .xlsx",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument(
        "--layout",
        default="retail_generator",
        choices=["retail_generator", "marketplace_orders", "store_till"],
        help="the generator's own layout (every channel), or the sales as a marketplace's "
        "order report or a store till's export writes them",
    )
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("ingest", help="load transaction and inventory files into the raw lake")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders (searched recursively)")
    p.add_argument(
        "--date-format",
        choices=["day-first", "month-first"],
        help="how to read dates like 02/12/2010 (default: decided per file from a day above 12)",
    )
    p.add_argument(
        "--encoding",
        choices=["utf-8", "windows-1252", "latin-1"],
        help="text encoding of CSV and JSON files (default: UTF-8 if valid, else Windows-1252)",
    )
    p.add_argument(
        "--valid-from",
        type=date.fromisoformat,
        default=None,
        help="reject lines dated before this day (default 2000-01-01: rules.DEFAULT_VALID_FROM)",
    )
    p.add_argument(
        "--valid-until",
        type=date.fromisoformat,
        default=None,
        help="reject lines dated after this day (default: the day after the load)",
    )
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("build", help="dbt build in this process (extra arguments go to dbt)")
    p.add_argument("dbt_args", nargs=argparse.REMAINDER, help="e.g. -s staging")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "run", help="the main job: ingest (demo data if none given), dbt build, docs, summary"
    )
    p.add_argument("--data", type=Path, help="file or folder to ingest; default: demo data")
    p.add_argument("--demo-lines", type=int, default=DEMO_LINES, help="size of the demo data")
    p.add_argument("--seed", type=int, default=42, help="seed of the demo data")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "simulate-inventory",
        help="simulate stock positions and receipts from the sales in the lake, and load them",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed of the simulation")
    p.set_defaults(func=_cmd_simulate_inventory)

    p = sub.add_parser(
        "train",
        help="train the churn model and the recommender, then build and publish their marts",
    )
    p.add_argument("--seed", type=int, default=42, help="seed of the trees and of ALS")
    p.add_argument("--no-build", action="store_true", help="write the scores only; do not run dbt")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "watch",
        help="load files as they land in a folder (Spark Structured Streaming), then build",
    )
    p.add_argument("landing", type=Path, help="the landing folder (land a file by renaming it in)")
    p.add_argument(
        "--every", type=float, default=10, help="seconds between looks at the folder (10)"
    )
    p.add_argument("--no-build", action="store_true", help="load only; do not run dbt")
    p.add_argument(
        "--checkpoint", type=Path, help="the stream's checkpoint (default: in the warehouse)"
    )
    p.add_argument(
        "--until-idle",
        type=float,
        help="stop once this many seconds pass with no new file (default: run until stopped)",
    )
    p.add_argument("--date-format", choices=["day-first", "month-first"], help="as for ingest")
    p.add_argument(
        "--select",
        nargs="+",
        help="build only these dbt selectors and their tests (default: every model and test)",
    )
    p.set_defaults(func=_cmd_watch)

    p = sub.add_parser("summary", help="row counts of the built models and where the docs are")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser(
        "serve", help="run a Spark Thrift Server (JDBC/ODBC, HiveServer2) for BI tools and dbt"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=10000, help="port to listen on (default 10000)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (never without authentication)",
    )
    p.add_argument(
        "--no-auth",
        action="store_true",
        help="no log-in, every client trusted as the dbt role: loopback only",
    )
    p.add_argument(
        "--tls-keystore",
        type=Path,
        default=None,
        help="TLS with this JKS/PKCS12 keystore (its password in RETAIL_TLS_KEYSTORE_PASSWORD)",
    )
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser(
        "publish",
        help="show what BI reads (--status), or test the audited marts and publish them if "
        "every test passes",
    )
    p.add_argument(
        "--status", action="store_true", help="the published marts, their versions and builds"
    )
    p.add_argument(
        "--checksums",
        action="store_true",
        help="with --status: read every published mart and print its rows and a checksum",
    )
    p.add_argument("dbt_args", nargs=argparse.REMAINDER, help="e.g. --select marts")
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser(
        "rollback", help="point the published marts back at the previous publication's versions"
    )
    p.set_defaults(func=_cmd_rollback)

    p = sub.add_parser("users", help="the users of `retail serve`: add, remove, list")
    users_sub = p.add_subparsers(dest="users_command", required=True)
    q = users_sub.add_parser("add", help="add a user, or change its role and password")
    q.add_argument("name")
    q.add_argument("--role", choices=("bi", "dbt"), required=True, help="bi reads, dbt builds")
    q.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    q = users_sub.add_parser("remove", help="remove a user")
    q.add_argument("name")
    users_sub.add_parser("list", help="list users and roles")
    p.set_defaults(func=_cmd_users)

    p = sub.add_parser("report", help="write a self-contained HTML report of the marts")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="HTML file to write (default: report.html in dbt's target folder, target/)",
    )
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `retail` command."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command in ("build", "publish"):
        args.dbt_args = [*unknown, *args.dbt_args]  # `retail build --select x`: dbt's options
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(
        # --debug: the trace of a refused file too (ingest logs it at debug level)
        level=logging.DEBUG if args.verbose or args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)
    try:
        return args.func(args)
    except RetailError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"error: {type(exc).__name__}: {first}\n(run with --debug for the full trace)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
