"""Backup and restore of a whole deployment: the database (every uploaded file — photos, attachments, evidence,
officer photos — is stored in it) and the instance folder's keys.

One archive (tar) holds ``manifest.json`` (backend, schema revision, every table's row count), the database
(PostgreSQL: ``pg_dump`` custom format of the application's schema; SQLite: a copy made with SQLite's online
backup API, consistent while the application runs) and ``instance/`` (the generated secret key, if any).

A restore is all or nothing: on PostgreSQL the schema is dropped and rebuilt inside one ``psql`` transaction that
stops at the first error (so a failure leaves the database as it was); on SQLite the backup API copies every page
in one write transaction. A database that already holds communes or users is not overwritten without ``force``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from .extensions import db
from .timeutil import utcnow

FORMAT = 1
#: Files of the instance folder worth keeping (never the SQLite database itself: it is in the archive already).
INSTANCE_FILES = ("secret_key",)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message is Vietnamese."""


@dataclass(frozen=True)
class RestoreReport:
    backend: str
    revision: str | None
    tables: int
    rows: int


def _backend(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def _counts(conn) -> dict[str, int]:
    counts = {table.name: int(conn.execute(select(func.count()).select_from(table)).scalar())
              for table in db.metadata.sorted_tables}
    counts["alembic_version"] = int(conn.execute(text("SELECT count(*) FROM alembic_version")).scalar())
    return counts


def row_counts(engine: Engine) -> dict[str, int]:
    """Every table's row count (the application's tables and Alembic's version table)."""
    with engine.connect() as conn:
        return _counts(conn)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _pg_env(engine: Engine) -> tuple[dict, str]:
    """libpq settings for the command-line tools, and the schema the application uses."""
    url = engine.url
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGDATABASE": url.database or "", "PGUSER": url.username or os.environ.get("PGUSER", "postgres")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    return env, schema


def _run(command: list[str], env: dict, stdin: bytes | None = None) -> bytes:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Không tìm thấy lệnh {command[0]} (cài gói postgresql-client cùng phiên bản máy chủ).")
    result = subprocess.run(command, env=env, input=stdin, capture_output=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} lỗi: {result.stderr.decode(errors='replace').strip()[:800]}")
    return result.stdout


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
    archive.addfile(info, io.BytesIO(data))


def backup(engine: Engine, instance_dir: Path, target: Path) -> dict:
    """Write the archive to ``target`` (atomically: a partial file never takes its name). Returns the manifest."""
    backend = _backend(engine)
    manifest = {"format": FORMAT, "backend": backend, "created_at": utcnow().isoformat(),
                "revision": _revision(engine), "instance": []}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if backend == "postgresql":
            env, schema = _pg_env(engine)
            manifest["schema"] = schema
            # The counts and pg_dump read one snapshot, so the manifest describes exactly what was dumped.
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                manifest["rows"] = _counts(conn)
                data = _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
                             f"--snapshot={snapshot}"], env)
            name = "database.dump"
        else:
            copy = Path(work) / "copy.sqlite3"
            source = sqlite3.connect(engine.url.database)
            destination = sqlite3.connect(copy)
            try:
                source.backup(destination)  # SQLite's online backup API: a consistent copy while others write
            finally:
                destination.close()
                source.close()
            data, name = copy.read_bytes(), "database.sqlite3"
            copy_engine = create_engine(f"sqlite:///{copy}")
            with copy_engine.connect() as conn:
                manifest["rows"] = _counts(conn)
            copy_engine.dispose()
        manifest["database"] = name
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            _add(archive, name, data)
            for file_name in INSTANCE_FILES:
                path = instance_dir / file_name
                if path.is_file():
                    _add(archive, f"instance/{file_name}", path.read_bytes())
                    manifest["instance"].append(file_name)
            _add(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(partial, target)
    return manifest


def read_manifest(source: Path) -> dict:
    try:
        with tarfile.open(source, "r") as archive:
            return json.loads(archive.extractfile("manifest.json").read())
    except (tarfile.TarError, KeyError, OSError, ValueError, AttributeError) as exc:
        raise BackupError(f"Tệp “{source}” không phải bản sao lưu của Hài Lòng ({exc}).") from exc


def is_empty(engine: Engine) -> bool:
    """No commune and no user yet (a database just migrated)."""
    from .models import AdminUnit, User

    models = (AdminUnit, User)
    with engine.connect() as conn:
        try:
            return not any(conn.execute(select(func.count()).select_from(model)).scalar() for model in models)
        except Exception:  # no schema at all
            return True


def restore(engine: Engine, instance_dir: Path, source: Path, force: bool = False) -> RestoreReport:
    """Replace the database (and the instance keys) with the archive's; refuses a non-empty database unless
    ``force``. Checks every table's row count afterwards."""
    manifest = read_manifest(source)
    backend = _backend(engine)
    if manifest.get("format") != FORMAT:
        raise BackupError("Bản sao lưu có định dạng khác phiên bản này.")
    if manifest["backend"] != backend:
        raise BackupError(f"Bản sao lưu từ {manifest['backend']} không khôi phục được vào {backend}.")
    if not force and not is_empty(engine):
        raise BackupError("Cơ sở dữ liệu đang có dữ liệu (đơn vị, tài khoản): không khôi phục đè. Dùng --force nếu "
                          "chắc chắn muốn thay toàn bộ dữ liệu hiện có bằng bản sao lưu.")
    with tarfile.open(source, "r") as archive:
        data = archive.extractfile(manifest["database"]).read()
        instance = {name: archive.extractfile(f"instance/{name}").read() for name in manifest.get("instance", [])
                    if name in INSTANCE_FILES}
    engine.dispose()
    with tempfile.TemporaryDirectory() as work:
        if backend == "postgresql":
            _restore_postgresql(engine, manifest, data, Path(work))
        else:
            copy = Path(work) / "restore.sqlite3"
            copy.write_bytes(data)
            source_db = sqlite3.connect(copy)
            destination = sqlite3.connect(engine.url.database, timeout=30)
            try:
                source_db.backup(destination)  # every page in one write transaction: all or nothing
            finally:
                destination.close()
                source_db.close()
    engine.dispose()
    counts = row_counts(engine)
    expected = manifest["rows"]
    different = {t: (expected.get(t), counts.get(t)) for t in set(expected) | set(counts)
                 if expected.get(t) != counts.get(t)}
    if different:
        raise BackupError(f"Sau khi khôi phục, số dòng khác bản sao lưu: {different}")
    for name, content in instance.items():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path = instance_dir / name
        path.write_bytes(content)
        path.chmod(0o600)
    return RestoreReport(backend, manifest.get("revision"), len(counts), sum(counts.values()))


def _restore_postgresql(engine: Engine, manifest: dict, data: bytes, work: Path) -> None:
    env, schema = _pg_env(engine)
    if schema != manifest["schema"]:
        raise BackupError(f"Bản sao lưu thuộc schema “{manifest['schema']}”, cơ sở dữ liệu hiện dùng “{schema}”.")
    dump = work / "database.dump"
    dump.write_bytes(data)
    # The schema itself is dropped and created here, so leave its own entry out of the script.
    listing = _run(["pg_restore", "--list", str(dump)], env).decode()
    entries = [line for line in listing.splitlines() if not line.startswith(";") and " SCHEMA - " not in line]
    (work / "list").write_text("\n".join(entries) + "\n")
    script = _run(["pg_restore", "--no-owner", "--no-privileges", f"--use-list={work / 'list'}", "--file=-",
                   str(dump)], env)
    quoted = '"' + schema.replace('"', '""') + '"'
    prologue = f"DROP SCHEMA IF EXISTS {quoted} CASCADE;\nCREATE SCHEMA {quoted};\n".encode()
    _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"], env,
         stdin=prologue + script)
