"""The database file: migrations, pragmas, refusals, backups, permissions, paths and the lock."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from crmtui.db.backup import BackupError, take_backup, verify_backup
from crmtui.db.engine import BUSY_TIMEOUT_MS, Database
from crmtui.db.lock import AlreadyOpenError, InstanceLock
from crmtui.db.migrate import alembic_head, known_revisions, upgrade_database
from crmtui.db.models import Contact, Sale
from crmtui.db.schema import HEAD_REVISION, DatabaseError, NewerSchemaError, current_revision
from crmtui.paths import (
    DATA_DIR_ENV_VAR,
    DB_ENV_VAR,
    DB_FILENAME,
    DEMO_DB_FILENAME,
    data_dir,
    demo_db_path,
    ensure_private_dir,
    resolve_db_path,
)
from crmtui.services import contacts
from crmtui.services.validation import ContactInput, check_contact

REPO_ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def sqlite_names(path: Path, kind: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,)).fetchall()
    finally:
        conn.close()
    return {name for (name,) in rows}


# -- migrations -----------------------------------------------------------------------------------


def test_head_revision_matches_the_alembic_scripts() -> None:
    assert alembic_head() == HEAD_REVISION
    assert HEAD_REVISION in known_revisions()


@pytest.mark.parametrize("start", ["missing", "empty file"])
def test_migrating_a_new_file_reaches_head(tmp_path, now, start) -> None:
    path = tmp_path / "new.sqlite3"
    if start == "empty file":
        path.touch()
    report = upgrade_database(path, now=now, backup_dir=tmp_path / "backups")
    assert report.from_revision is None
    assert report.to_revision == HEAD_REVISION
    assert report.backup is None
    assert report.changed
    assert current_revision(path) == HEAD_REVISION
    tables = sqlite_names(path, "table")
    assert {"setting", "contact", "contact_tag", "sale", "points_entry"} <= tables
    assert {"contact_trigram", "contact_words", "alembic_version"} <= tables
    assert {
        "points_entry_append_only_update",
        "points_entry_append_only_delete",
        "sale_never_deleted",
        "sale_facts_fixed",
        "contact_search_ai",
        "contact_search_au",
        "contact_search_ad",
    } <= sqlite_names(path, "trigger")
    assert not (tmp_path / "backups").exists()


def test_upgrading_twice_is_a_no_op(shop, db_path, now, tmp_path, add_contact) -> None:
    cid = add_contact("Anna Kowalczyk", "601 234 567")
    shop.record_sale(cid, 1250, idempotency_key="k")
    report = upgrade_database(db_path, now=now, backup_dir=tmp_path / "backups")
    assert report.from_revision == report.to_revision == HEAD_REVISION
    assert report.backup is None
    assert not report.changed
    assert not (tmp_path / "backups").exists()
    assert shop.card(cid).points_balance == 12


def test_a_newer_schema_is_refused_and_left_untouched(db_path, now, tmp_path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with pytest.raises(NewerSchemaError) as caught:
        upgrade_database(db_path, now=now, backup_dir=tmp_path / "backups")
    message = str(caught.value)
    assert "newer" in message
    assert "9999" in message
    assert "nothing was changed" in message
    assert isinstance(caught.value, DatabaseError)
    assert digest(db_path) == before
    assert current_revision(db_path) == "9999"
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not (tmp_path / "backups").exists()


def test_a_sqlite_file_from_another_program_is_refused(tmp_path, now) -> None:
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, file TEXT)")
    conn.execute("INSERT INTO photo (file) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a crmtui database"):
        upgrade_database(path, now=now, backup_dir=tmp_path / "backups")
    assert digest(path) == before
    assert sqlite_names(path, "table") == {"photo"}


def test_a_file_that_is_not_sqlite_is_refused(tmp_path, now) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list: milk, bread, coffee\n" * 50)
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a readable SQLite database"):
        upgrade_database(path, now=now, backup_dir=tmp_path / "backups")
    assert digest(path) == before


@pytest.mark.parametrize("folder", ["Shop #1", "what?", "50%20off", "Café & Co", "a b"])
def test_unusual_folder_names(tmp_path, now, folder) -> None:
    """Owners name folders anything; `#`, `?` and `%` must not confuse SQLite's URI parser."""
    home = tmp_path / folder
    home.mkdir()
    path = home / "shop.sqlite3"
    upgrade_database(path, now=now, backup_dir=home / "backups")
    assert current_revision(path) == HEAD_REVISION
    again = upgrade_database(path, now=now, backup_dir=home / "backups")
    assert again.from_revision == HEAD_REVISION
    backup = take_backup(path, home / "backups", now=now, label="manual")
    verify_backup(backup)
    # Nothing was created outside the shop's folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


# -- pragmas --------------------------------------------------------------------------------------


def pragmas(dbapi_connection) -> dict[str, object]:
    return {
        name: dbapi_connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
    }


def test_pragmas_on_every_pooled_connection(shop) -> None:
    with ExitStack() as stack:
        connections = [stack.enter_context(shop.db.engine.connect()) for _ in range(4)]
        raw = [c.connection.dbapi_connection for c in connections]
        assert len({id(r) for r in raw}) == 4  # four distinct SQLite connections
        for dbapi in raw:
            assert pragmas(dbapi) == {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "synchronous": 2,  # FULL
                "busy_timeout": BUSY_TIMEOUT_MS,
            }
    assert BUSY_TIMEOUT_MS > 0


def test_pragmas_in_service_sessions(shop) -> None:
    for opener in (shop.db.read, shop.db.write):
        with opener() as session:
            dbapi = session.connection().connection.dbapi_connection
            found = pragmas(dbapi)
            assert found["foreign_keys"] == 1
            assert found["synchronous"] == 2
            assert found["journal_mode"] == "wal"
            assert found["busy_timeout"] > 0


def test_pragmas_after_the_pool_is_recycled(shop) -> None:
    shop.db.engine.dispose()
    with shop.db.engine.connect() as conn:
        assert pragmas(conn.connection.dbapi_connection)["foreign_keys"] == 1


# -- transactions ---------------------------------------------------------------------------------


def new_contact(shop, session, name: str) -> int:
    clean = check_contact(ContactInput(full_name=name), region="PL", today=shop.clock().date())
    return contacts.create_contact(session=session, clean=clean, now=shop.clock(), source="test")


def test_a_failed_write_leaves_nothing_behind(shop, db_path) -> None:
    with pytest.raises(RuntimeError, match="power cut"), shop.db.write() as session:
        new_contact(shop, session, "Anna Kowalczyk")
        new_contact(shop, session, "Bob Smith")
        raise RuntimeError("power cut")
    assert shop.list_contacts(include_archived=True).total == 0
    assert shop.search("anna") == []
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM contact_trigram").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_constraint_failure_rolls_back_the_whole_action(shop, now) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), shop.db.write() as session:
        cid = new_contact(shop, session, "Anna Kowalczyk")
        session.add(
            Sale(
                contact_id=cid,
                amount_minor=0,  # refused by the CHECK constraint
                currency="PLN",
                occurred_at=now,
                idempotency_key="zero",
            )
        )
        session.flush()
    assert shop.list_contacts(include_archived=True).total == 0


def test_a_clean_write_lands(shop) -> None:
    with shop.db.write() as session:
        cid = new_contact(shop, session, "Anna Kowalczyk")
    assert shop.card(cid).full_name == "Anna Kowalczyk"


def other_writer_blocked(db_path: Path) -> bool:
    conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def test_writes_take_the_write_lock_at_their_first_statement(shop, db_path) -> None:
    with shop.db.write() as session:
        session.exec(select(Contact)).all()  # a read, but inside a write: BEGIN IMMEDIATE
        assert other_writer_blocked(db_path)
    assert not other_writer_blocked(db_path)


def test_reads_never_hold_the_write_lock(shop, db_path, add_contact) -> None:
    add_contact("Anna")
    with shop.db.read() as session:
        assert len(session.exec(select(Contact)).all()) == 1
        assert not other_writer_blocked(db_path)


# -- permissions ----------------------------------------------------------------------------------


def test_database_and_its_wal_files_are_private(tmp_path, now, clock) -> None:
    path = tmp_path / "private.sqlite3"
    with umask(0):  # even a permissive umask must not widen the files
        upgrade_database(path, now=now, backup_dir=tmp_path / "backups")
        db = Database.open(path)
        try:
            with db.write() as session:
                clean = check_contact(ContactInput(full_name="Anna"), region="PL", today=now.date())
                contacts.create_contact(session=session, clean=clean, now=now, source="test")
            wal = path.with_name(path.name + "-wal")
            shm = path.with_name(path.name + "-shm")
            assert wal.exists() and shm.exists()  # the connection is still open
            for file in (path, wal, shm):
                assert mode(file) == 0o600, file
        finally:
            db.dispose()


def test_a_backup_is_private_verified_and_complete(
    shop, db_path, now, tmp_path, add_contact
) -> None:
    cid = add_contact("Anna Kowalczyk", "601 234 567")
    shop.record_sale(cid, 1250, idempotency_key="k")  # still in the WAL: the shop is open
    backup_dir = tmp_path / "nested" / "backups"
    with umask(0):
        backup = take_backup(db_path, backup_dir, now=now, label="manual")
    assert backup.exists()
    assert backup.parent == backup_dir
    assert mode(backup) == 0o600
    assert mode(backup_dir) == 0o700
    assert mode(backup_dir.parent) == 0o700
    verify_backup(backup)
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT full_name, points_balance FROM contact").fetchall() == [
            ("Anna Kowalczyk", 12)
        ]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            HEAD_REVISION,
        )
    finally:
        conn.close()
    assert current_revision(backup) == HEAD_REVISION


def test_backups_in_the_same_second_do_not_overwrite(shop, db_path, now, tmp_path) -> None:
    first = take_backup(db_path, tmp_path / "b", now=now, label="x")
    second = take_backup(db_path, tmp_path / "b", now=now, label="x")
    assert first != second
    assert first.exists() and second.exists()


def test_verify_backup_refuses_a_broken_file(tmp_path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with pytest.raises(BackupError):
        verify_backup(garbage)
    foreign = tmp_path / "foreign.sqlite3"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="cannot be read"):
        verify_backup(foreign)


def test_ensure_private_dir_creates_private_folders(tmp_path) -> None:
    target = tmp_path / "a" / "b" / "c"
    with umask(0):
        assert ensure_private_dir(target) == target
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert folder.is_dir()
        assert mode(folder) == 0o700, folder


def test_ensure_private_dir_leaves_existing_folders_alone(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    ensure_private_dir(shared)
    assert mode(shared) == 0o755
    ensure_private_dir(shared / "mine")
    assert mode(shared) == 0o755
    assert mode(shared / "mine") == 0o700


# -- paths ----------------------------------------------------------------------------------------


def test_resolve_db_path_flag_beats_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "from-env.sqlite3"))
    assert resolve_db_path(tmp_path / "from-flag.sqlite3") == tmp_path / "from-flag.sqlite3"
    assert resolve_db_path(str(tmp_path / "s.sqlite3")) == tmp_path / "s.sqlite3"


def test_resolve_db_path_environment_beats_default(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "from-env.sqlite3"))
    assert resolve_db_path(None) == tmp_path / "from-env.sqlite3"
    assert resolve_db_path("") == tmp_path / "from-env.sqlite3"


def test_resolve_db_path_default_is_in_the_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV_VAR, str(tmp_path / "data"))
    assert resolve_db_path(None) == tmp_path / "data" / DB_FILENAME
    monkeypatch.setenv(DB_ENV_VAR, "")
    assert resolve_db_path(None) == tmp_path / "data" / DB_FILENAME
    assert demo_db_path() == tmp_path / "data" / DEMO_DB_FILENAME
    assert demo_db_path() != resolve_db_path(None)


def test_relative_and_home_paths_are_resolved(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_db_path("shop.sqlite3") == tmp_path / "shop.sqlite3"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_db_path("~/shop.sqlite3") == tmp_path / "home" / "shop.sqlite3"
    monkeypatch.setenv(DB_ENV_VAR, "~/env.sqlite3")
    assert resolve_db_path(None) == tmp_path / "home" / "env.sqlite3"


def test_platform_default_without_overrides(monkeypatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV_VAR, raising=False)
    default = resolve_db_path(None)  # only computed, never created
    assert default.name == DB_FILENAME
    assert default.parent == data_dir()
    assert "crmtui" in default.parent.parts


def test_tests_never_point_at_real_data(_private_environment) -> None:
    assert DB_ENV_VAR not in os.environ
    assert data_dir() == _private_environment


# -- one instance per file ------------------------------------------------------------------------


def test_a_second_lock_on_the_same_file_is_refused_at_once(db_path) -> None:
    with InstanceLock(db_path) as first:
        started = time.monotonic()
        with pytest.raises(AlreadyOpenError) as caught:
            InstanceLock(db_path).acquire()
        assert time.monotonic() - started < 1.0
        message = str(caught.value)
        assert "already open" in message
        assert str(db_path) in message
        assert isinstance(caught.value, DatabaseError)
        assert mode(first.path) == 0o600
    # Released: the next one gets it.
    with InstanceLock(db_path):
        pass


def test_locks_on_different_files_are_independent(tmp_path) -> None:
    with InstanceLock(tmp_path / "a.sqlite3"), InstanceLock(tmp_path / "b.sqlite3"):
        pass


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def test_another_process_is_refused_while_we_hold_the_lock(db_path) -> None:
    child = _python(
        """
        import sys, time
        from pathlib import Path
        from crmtui.db.lock import AlreadyOpenError, InstanceLock
        started = time.monotonic()
        try:
            InstanceLock(Path(sys.argv[1])).acquire()
        except AlreadyOpenError as exc:
            print(f"{time.monotonic() - started:.3f}")
            print(exc)
            sys.exit(3)
        sys.exit(0)
        """
    )
    with InstanceLock(db_path):
        done = subprocess.run(
            [*child, str(db_path)], capture_output=True, text=True, env=_env(), timeout=60
        )
    assert done.returncode == 3, done.stderr
    waited, message = done.stdout.split("\n", 1)
    assert float(waited) < 1.0
    assert "already open in another crmtui window" in message
    # Our lock is gone now, so the same child gets it.
    again = subprocess.run(
        [*child, str(db_path)], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert again.returncode == 0, again.stdout + again.stderr


def test_we_are_refused_while_another_process_holds_the_lock(db_path) -> None:
    holder = subprocess.Popen(
        [
            *_python(
                """
                import sys
                from pathlib import Path
                from crmtui.db.lock import InstanceLock
                lock = InstanceLock(Path(sys.argv[1])).acquire()
                print("locked", flush=True)
                sys.stdin.read()  # hold the lock until the parent closes our stdin
                """
            ),
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyOpenError, match="already open"):
            InstanceLock(db_path).acquire()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
    # The process is gone and so is its lock.
    with InstanceLock(db_path):
        pass
