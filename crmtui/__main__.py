"""The `crmtui` command: open the shop, or run one of the housekeeping subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crmtui import __version__

if TYPE_CHECKING:
    from crmtui.services.shop import Shop


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmtui",
        description="A keyboard-driven CRM for one small shop: contacts, points, follow-ups.",
        epilog="The database is one SQLite file; --db or CRMTUI_DB chooses it.",
    )
    parser.add_argument("--version", action="version", version=f"crmtui {__version__}")
    parser.add_argument("--db", metavar="PATH", help="the shop's database file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="open a demo shop full of customers (a separate file)")
    demo.add_argument("--db", metavar="PATH", dest="demo_db", help="where to keep the demo shop")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo shop from scratch")
    demo.add_argument("--contacts", type=int, default=320, help=argparse.SUPPRESS)
    sub.add_parser("doctor", help="check the database file and the points ledger")
    sub.add_parser("backup", help="write a verified backup of the database now")
    imp = sub.add_parser("import", help="add customers from a CSV or vCard file")
    imp.add_argument("file", metavar="FILE", help="a .csv, .vcf or .vcard file")
    imp.add_argument(
        "--update", action="store_true", help="update people already in the shop (default: skip)"
    )
    imp.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a column by its header, e.g. --map 'Handy=phone' (field 'ignore' skips it)",
    )
    exp = sub.add_parser("export", help="write customers or the whole shop to a file")
    exp.add_argument("what", choices=("csv", "vcard", "json", "person"))
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--ids", help="only these contact ids (comma-separated)")
    exp.add_argument("--marketing-only", action="store_true", help="only people who consented")
    exp.add_argument("--vcard-version", choices=("3.0", "4.0"), default="3.0")
    exp.add_argument("--contact", type=int, help="the person, for `export person`")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup (.sqlite3) or fill it from a .json"
    )
    restore.add_argument("file", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # every file crmtui creates (database, WAL, backups) is private
    from crmtui import paths

    if args.command == "demo":
        db_path = Path(args.demo_db).expanduser().resolve() if args.demo_db else None
        db_path = db_path or (paths.resolve_db_path(args.db) if args.db else paths.demo_db_path())
    else:
        db_path = paths.resolve_db_path(args.db)
    try:
        if args.command == "doctor":
            return _doctor(db_path)
        if args.command == "backup":
            return _backup(db_path)
        if args.command in ("import", "export", "restore"):
            return _exchange(db_path, args)
        return _run_app(db_path, demo=args.command == "demo", args=args)
    except KeyboardInterrupt:
        return 130


def _fail(message: str) -> int:
    print(f"crmtui: {message}", file=sys.stderr)
    return 1


def _prepare(db_path: Path) -> None:
    """Create the folder, refuse newer schemas, migrate after a verified backup."""
    from crmtui.db.schema import HEAD_REVISION, current_revision
    from crmtui.paths import ensure_private_dir

    ensure_private_dir(db_path.parent)
    if current_revision(db_path) == HEAD_REVISION:
        return  # the everyday start: nothing to migrate, nothing more to import
    from crmtui.db.migrate import upgrade_database
    from crmtui.paths import backup_dir_for

    report = upgrade_database(db_path, now=datetime.now(UTC), backup_dir=backup_dir_for(db_path))
    if report.changed and report.from_revision is not None:
        print(f"crmtui: upgraded the database; the old one is kept at {report.backup}")


def _run_app(db_path: Path, *, demo: bool, args: argparse.Namespace) -> int:
    from crmtui.db.lock import InstanceLock
    from crmtui.db.schema import DatabaseError

    try:
        lock = InstanceLock(db_path)
        if not db_path.parent.exists():
            from crmtui.paths import ensure_private_dir

            ensure_private_dir(db_path.parent)
        lock.acquire()
    except DatabaseError as exc:
        return _fail(str(exc))
    try:
        if demo and args.reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        try:
            _prepare(db_path)
        except DatabaseError as exc:
            return _fail(str(exc))
        if demo:
            _ensure_demo(db_path, contacts=args.contacts)
        from crmtui.app import CrmApp

        CrmApp(db_path=db_path).run()
        return 0
    finally:
        lock.release()


def _ensure_demo(db_path: Path, *, contacts: int) -> None:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        existing = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
    finally:
        conn.close()
    if existing:
        return
    print("crmtui: building the demo shop (a year of sales)…", file=sys.stderr)
    from crmtui.db.engine import Database
    from crmtui.services.demo import generate_demo

    database = Database.open(db_path)
    try:
        generate_demo(database, now=datetime.now(UTC), contacts=contacts)
    finally:
        database.dispose()


def _doctor(db_path: Path) -> int:
    from crmtui.db.schema import DatabaseError

    if not db_path.exists():
        return _fail(f"there is no database at {db_path}")
    try:
        _prepare(db_path)
    except DatabaseError as exc:
        return _fail(str(exc))
    from crmtui.services.doctor import run_checks
    from crmtui.services.shop import Shop

    shop = Shop.open(db_path)
    try:
        problems = run_checks(shop)
    finally:
        shop.close()
    print(f"crmtui doctor: {db_path}")
    if not problems:
        print("  all checks passed")
        return 0
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    return 2


def _backup(db_path: Path) -> int:
    from crmtui.db.backup import BackupError, take_backup
    from crmtui.paths import backup_dir_for

    if not db_path.exists():
        return _fail(f"there is no database at {db_path}")
    try:
        target = take_backup(
            db_path, backup_dir_for(db_path), now=datetime.now(UTC), label="manual"
        )
    except BackupError as exc:
        return _fail(str(exc))
    print(f"crmtui: backup written and verified: {target}")
    return 0


def _exchange(db_path: Path, args: argparse.Namespace) -> int:
    """import, export and restore: each holds the instance lock, so no app writes meanwhile."""
    from crmtui.db.lock import InstanceLock
    from crmtui.db.schema import DatabaseError

    if args.command != "restore" and not db_path.exists():
        return _fail(f"there is no database at {db_path}")
    try:
        from crmtui.paths import ensure_private_dir

        ensure_private_dir(db_path.parent)
        with InstanceLock(db_path):
            if args.command == "restore" and not args.file.endswith(".json"):
                return _restore_backup(db_path, Path(args.file))
            _prepare(db_path)
            from crmtui.services.shop import Shop

            shop = Shop.open(db_path)
            try:
                if args.command == "import":
                    return _import(shop, args)
                if args.command == "export":
                    return _export(shop, args)
                restored = shop.exchange.restore_json(Path(args.file))
                print(f"crmtui: restored {restored:,} rows from {args.file}")
                return 0
            finally:
                shop.close()
    except DatabaseError as exc:
        return _fail(str(exc))
    except (ValueError, LookupError, OSError) as exc:  # the services' own errors say what
        return _fail(str(exc))


def _import(shop: Shop, args: argparse.Namespace) -> int:
    from crmtui.services.exchange.desk import file_key
    from crmtui.services.exchange.mapping import FIELDS

    path = Path(args.file)
    if path.suffix.lower() in (".vcf", ".vcard"):
        plan = shop.exchange.plan_vcard(path)
    else:
        table, mapping = shop.exchange.read_csv(path)
        fields = list(mapping)
        for item in args.map:
            header, _, field = item.partition("=")
            if header not in table.headers or field not in FIELDS:
                return _fail(f"--map {item}: no column {header!r} or no field {field!r}")
            fields[table.headers.index(header)] = field
        shown = ", ".join(f"{h} → {f}" for h, f in zip(table.headers, fields, strict=True))
        print(f"crmtui: {table.encoding}, '{table.delimiter}' separated; {shown}")
        plan = shop.exchange.plan_csv(table, fields, progress=_progress("checking"))
        print(file=sys.stderr)  # end the progress line
    print(f"crmtui: {plan.summary}")
    for error in plan.errors:
        print(f"  line {error.line}: {error.reason}")
    for match in plan.matches:
        verb = "update" if args.update else "skip"
        who = f"customer {match.contact_id}"
        print(f"  line {match.row.line}: same {match.matched_on} as {who} ({verb})")
    if args.dry_run:
        print("crmtui: dry run, nothing written")
        return 0
    if not plan.new and not (args.update and plan.matches):
        return _fail("nothing to import")

    report = shop.exchange.run_import(
        plan,
        update_lines=[m.row.line for m in plan.matches] if args.update else [],
        batch_key=file_key(path),
        progress=_progress("importing"),
    )
    print(file=sys.stderr)
    print(
        f"crmtui: imported {report.created:,} new, updated {report.updated:,}, skipped "
        f"{report.skipped:,}, {report.failed:,} rows with errors left out; "
        f"{report.points_imported:,} opening points"
    )
    return 0


def _progress(verb: str) -> Callable[[int, int], None]:
    """A one-line progress count on stderr, rewritten in place."""

    def show(done: int, total: int) -> None:
        print(f"\rcrmtui: {verb} {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

    return show


def _export(shop: Shop, args: argparse.Namespace) -> int:
    ids = [int(i) for i in args.ids.split(",") if i.strip()] if args.ids else None
    target = Path(args.file)
    if args.what == "csv":
        report = shop.exchange.export_csv(
            target, contact_ids=ids, marketing_only=args.marketing_only
        )
        print(f"crmtui: wrote {report.written:,} contacts to {target}")
        if report.left_out:
            print(f"crmtui: left out {report.left_out:,} without marketing consent")
    elif args.what == "vcard":
        report = shop.exchange.export_vcard(target, contact_ids=ids, version=args.vcard_version)
        print(f"crmtui: wrote {report.written:,} vCards to {target}")
    elif args.what == "json":
        rows = shop.exchange.export_json(target)
        print(f"crmtui: wrote the whole shop ({rows:,} rows) to {target}")
    else:
        if args.contact is None:
            return _fail("export person needs --contact ID")
        rows = shop.exchange.export_person(args.contact, target)
        print(f"crmtui: wrote everything about customer {args.contact} ({rows:,} rows) to {target}")
    return 0


def _restore_backup(db_path: Path, backup: Path) -> int:
    from crmtui.db.backup import BackupError, restore_backup

    try:
        aside = restore_backup(backup, db_path, now=datetime.now(UTC))
    except BackupError as exc:
        return _fail(str(exc))
    _prepare(db_path)  # an older backup is brought up to this version's schema
    print(f"crmtui: restored {backup}; the previous database is kept at {aside}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
