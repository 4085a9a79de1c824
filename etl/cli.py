"""`etl`: run days, extract files, query the warehouse."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


class UsageError(Exception):
    pass


def _date(value: str) -> dt.date:
    if value in ("today", "yesterday"):
        from etl.dates import local_day
        from etl.settings import Settings

        today = local_day(dt.datetime.now(dt.UTC), Settings.from_env().timezone)
        return today if value == "today" else today - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _days(args: argparse.Namespace) -> list[dt.date]:
    days = set(args.date or [])
    if bool(args.start) != bool(args.end):
        raise UsageError("--from and --to go together")
    if args.start and args.end:
        if args.end < args.start:
            raise UsageError("--to is before --from")
        days.update(args.start + dt.timedelta(days=i) for i in range((args.end - args.start).days + 1))
    if not days:
        raise UsageError("give --date YYYY-MM-DD (or today), or --from and --to")
    return sorted(days)


def cmd_run(args: argparse.Namespace) -> int:
    from etl import config, pipeline, schema, warehouse
    from etl.settings import Settings

    schema.spare_pandas()
    settings = Settings.from_env().with_config(args.config)
    days = _days(args)
    try:
        chosen = config.select(config.load_sources(settings.config_path), args.source)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from exc
    failed = False
    for day in days:
        run_id = pipeline.new_run_id()
        for cfg in chosen:
            # Fetching once is enough for a range of days: later days read what the first one landed.
            fetch = not args.no_fetch and day == days[0]
            outcome = pipeline.run_source(settings, cfg, day, run_id, fetch=fetch)
            failed |= outcome.status != "success"
            processed = outcome.process
            print(
                f"{day} {cfg.name}: {outcome.status}"
                + (f", {processed.articles} articles, {len(processed.rejects)} rejects" if processed else "")
                + (f" ({outcome.error})" if outcome.error else "")
            )
    pipeline.shutdown_pool()  # before the refresh: the workers' memory and DuckDB's would add up
    warehouse.refresh(settings)
    print(f"warehouse: {settings.warehouse_path}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from etl import config, lake, pipeline, schema
    from etl.settings import Settings

    schema.spare_pandas()
    settings = Settings.from_env().with_config(args.config)
    try:
        chosen = config.select(config.load_sources(settings.config_path), args.source)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from exc
    run_id = pipeline.new_run_id()
    failed = False
    for cfg in chosen:
        landed = pipeline.land(settings, cfg, run_id)
        now = dt.datetime.now(dt.UTC)
        from etl.dates import local_day

        lake.write_partition(
            settings.lake_dir,
            "rejects",
            local_day(now, settings.timezone),
            cfg.name,
            landed.rejects,
            name=f"fetch-{now:%H%M%S}",
        )
        failed |= landed.failed
        print(f"{cfg.name}: {landed.fetched} documents, {landed.new_items} new items, {len(landed.rejects)} failures")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from etl import encoding, extract, hexo, page, schema
    from etl.entry import RejectError
    from etl.settings import Settings

    tz = Settings.from_env().timezone
    if args.url and len(args.paths) != 1:
        raise UsageError("--url names one page: give exactly one PATH with it")
    fields = [f for f in schema.ARTICLES.names if f not in ("fetched_at", "raw_sha256")]
    rejected = 0
    for name in args.paths:
        path = Path(name)
        try:
            data = path.read_bytes()
            kind = args.kind or ("post" if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"---") else "page")
            if kind == "post":
                entry = hexo.parse_post(encoding.decode_utf8(data), key=name, tz=tz)
            else:
                entry = page.page_entry(encoding.decode(data), key=name, url=args.url, tz=tz)
            record = extract.extract_post(entry, source="")
            record.update(source=None, date_inferred=record.get("published_at") is None)
            out: dict[str, Any] = {"path": name}
            out.update({f: schema.jsonable(record.get(f)) for f in fields})
        except (RejectError, OSError) as exc:
            rejected += 1
            out = {"path": name, "error": str(exc)}
        except Exception as exc:  # one bad input must not stop the others
            rejected += 1
            out = {"path": name, "error": f"internal error: {type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return EXIT_REJECTED if rejected else EXIT_OK


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    def cell(value: Any) -> str:
        shown = "NULL" if value is None else str(value)
        shown = shown.replace("\n", "\\n")
        return shown if len(shown) <= max_width else shown[: max_width - 1] + "…"

    body = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(columns)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    out += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def cmd_query(args: argparse.Namespace) -> int:
    from etl import sqlfiles, warehouse
    from etl.settings import Settings

    if bool(args.sql) == bool(args.file):
        raise UsageError("give SQL, or --file FILE")
    try:
        sql = args.sql or Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(str(exc)) from exc
    params: dict[str, Any] = {}
    for pair in args.param or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes k=v, got {pair!r}")
        params[key] = value
    import duckdb

    settings = Settings.from_env()
    try:
        params = sqlfiles.bind(sql, params, {"tz": settings.timezone})
    except sqlfiles.ParamError as exc:
        raise UsageError(f"{args.file or 'SQL'}: {exc}") from exc
    try:
        columns, rows = warehouse.query(settings, sql, params)
    except (duckdb.Error, FileNotFoundError) as exc:
        print(f"etl query: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print_rows(columns, rows, args.format)
    return EXIT_OK


def print_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    if fmt == "json":
        from etl.schema import jsonable

        for row in rows:
            print(
                json.dumps({c: jsonable(v) for c, v in zip(columns, row, strict=True)}, ensure_ascii=False, default=str)
            )
    else:
        print(format_table(columns, rows))


def cmd_refresh(args: argparse.Namespace) -> int:
    from etl import warehouse
    from etl.settings import Settings

    print(warehouse.refresh(Settings.from_env()))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from etl import search
    from etl.settings import Settings

    if args.start and args.end and args.end < args.start:
        raise UsageError("--to is before --from")
    import duckdb

    try:
        columns, rows = search.search(Settings.from_env(), " ".join(args.query), args.start, args.end, args.limit)
    except (duckdb.Error, FileNotFoundError) as exc:
        print(f"etl search: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not columns:
        raise UsageError(f"nothing to search for in {' '.join(args.query)!r}")
    if args.format == "table":
        keep = ("rank", "score", "dt", "feed", "title", "snippet")
        rows = [[row[columns.index(c)] for c in keep] for row in rows]
        columns = list(keep)
    print_rows(columns, rows, args.format)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from etl import report
    from etl.settings import Settings

    settings = Settings.from_env()
    try:
        days = args.date or [report.newest_day(settings)]
        for day in days:
            print(report.build(settings, day))
    except FileNotFoundError as exc:
        print(f"etl report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    import time

    from etl import synth

    if args.articles < 0 or args.days < 1:
        raise UsageError("--articles must be >= 0 and --days >= 1")
    started = time.perf_counter()
    written = synth.write(Path(args.out), args.articles, args.days, args.seed, args.start)
    print(f"{written} posts under {args.out} in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # usage errors exit 2, as documented
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="etl", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="fetch, then clean, extract and load days, then refresh the warehouse")
    run.add_argument(
        "--date", type=_date, action="append", help="a day (YYYY-MM-DD, today or yesterday in ETL_TIMEZONE); repeatable"
    )
    run.add_argument("--from", dest="start", type=_date, help="first day of a range")
    run.add_argument("--to", dest="end", type=_date, help="last day of a range")
    run.add_argument("--source", action="append", help="only this source; repeatable")
    run.add_argument("--config", help="sources file (default: $ETL_CONFIG or config/sources.yml)")
    run.add_argument("--no-fetch", action="store_true", help="reprocess what is already landed, fetch nothing")
    run.set_defaults(func=cmd_run)

    fetch = sub.add_parser("fetch", help="land new raw documents only")
    fetch.add_argument("--source", action="append")
    fetch.add_argument("--config")
    fetch.set_defaults(func=cmd_fetch)

    ext = sub.add_parser("extract", help="extract files, one JSON object per input")
    ext.add_argument("--kind", choices=("post", "page"), help="default: post when the file has front matter")
    ext.add_argument("--url", help="the page's URL, for a single saved page")
    ext.add_argument("paths", nargs="+", metavar="PATH")
    ext.set_defaults(func=cmd_extract)

    query = sub.add_parser("query", help="run SQL on the warehouse, read-only")
    query.add_argument("sql", nargs="?")
    query.add_argument("--file", help="a .sql file to run instead")
    query.add_argument("--param", action="append", help="k=v, bound to $k; repeatable")
    query.add_argument("--format", choices=("table", "json"), default="table")
    query.set_defaults(func=cmd_query)

    refresh = sub.add_parser("refresh", help="rebuild the warehouse (views and derived tables)")
    refresh.set_defaults(func=cmd_refresh)

    find = sub.add_parser("search", help="full-text search (Chinese and English), best matches first")
    find.add_argument("query", nargs="+", help="words to look for, e.g. 数字化转型")
    find.add_argument("--from", dest="start", type=_date, help="first day to search")
    find.add_argument("--to", dest="end", type=_date, help="last day to search")
    find.add_argument("--limit", type=int, help="how many articles (default 20)")
    find.add_argument("--format", choices=("table", "json"), default="table")
    find.set_defaults(func=cmd_search)

    rep = sub.add_parser("report", help="write the daily HTML report under $ETL_DATA_DIR/reports/")
    rep.add_argument(
        "--date", type=_date, action="append", help="the day (YYYY-MM-DD, today, yesterday); default: the newest day"
    )
    rep.set_defaults(func=cmd_report)

    syn = sub.add_parser("synth", help="write a synthetic Hexo source (benchmarks): N articles over D days")
    syn.add_argument("--out", required=True, help="folder to write into")
    syn.add_argument("--articles", type=int, required=True)
    syn.add_argument("--days", type=int, default=1)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--start", type=_date, help="first day (default 2022-06-01)")
    syn.set_defaults(func=cmd_synth)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"etl {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
