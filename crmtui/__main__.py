"""The `crmtui` command: open the shop, or run one of the housekeeping subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from crmtui import __version__


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


if __name__ == "__main__":
    sys.exit(main())
