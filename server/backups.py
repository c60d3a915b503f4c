"""Backups of an install in one archive, and their restore into an empty install
(`manage.py backup`, `manage.py restore`; docs/deployment.md, "Backups and restore").

An archive is an uncompressed tar (the PostgreSQL dump is compressed by pg_dump already,
and photos, PDFs and office files are compressed formats) named
`cohort-backup-YYYYmmddTHHMMSSZ.tar`. It holds:

- `database.pgdump` (`pg_dump --format=custom`, taken in a snapshot this module exported,
  so the row counts of the manifest are the dump's) or `database.sqlite3` (SQLite's online
  backup API: a consistent copy while the server writes);
- `media/...`: every file of MEDIA_ROOT but the members' data-export zips (`exports/`):
  they are copies of what the database holds, built again on request, expire within days,
  and would carry an erased member's data into every backup;
- `manifest.json`, last: the Cohort version, the engine, the applied migrations, each
  table's row count and each file's size and SHA-256. An archive cut short has none.

The database is read first, then the files: a file added meanwhile is carried (no row
names it); one deleted in those seconds (a document deleted during the backup) is not.

Every byte of an archive is written through `open_for_writing`, into a temporary folder
beside it; the archive is read back and checked against its manifest, then renamed. Any
failure (a full disk among them) removes what was written and raises BackupError with
one sentence.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump, pg_restore, psql and git, without a shell
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ARCHIVE_NAME = re.compile(r"^cohort-backup-\d{8}T\d{6}Z\.tar$")
# Top-level folders of MEDIA_ROOT left out of archives (see the module's docstring).
EXCLUDED_MEDIA = ("exports",)
# Tables only people fill (never `migrate`): one row in any means the install is in use.
IN_USE_TABLES = ("community_user", "rooms_room", "chat_message", "documents_document")
CHUNK = 1024 * 1024
# A manifest lists each file in about 150 bytes: this is hundreds of thousands of files.
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that did not happen; the message says why, in one sentence."""


@dataclass
class Written:
    path: Path
    manifest: dict[str, Any]
    pruned: list[Path] = field(default_factory=list)


@dataclass
class Restored:
    manifest: dict[str, Any]
    pending_migrations: list[str]


def open_for_writing(path: Path) -> BinaryIO:
    """The file an archive is written to (new, readable by its owner only). Every byte of
    an archive goes through the object returned: a test replaces this function to make
    the disk full."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def engine() -> str:
    if connection.vendor == "postgresql":
        return "postgresql"
    if connection.vendor == "sqlite":
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _describe(error: OSError, doing: str) -> str:
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{doing}: no space left on the device{where}."
    if error.errno == errno.EFBIG:
        return f"{doing}: the file grew past the size this process may write{where}."
    return f"{doing}: {error.strerror or error}{where}."


# --- What this install is -------------------------------------------------------------

def cohort_version() -> dict[str, str | None]:
    """The version in pyproject.toml and the git commit of the code, where known."""
    base = Path(settings.BASE_DIR)
    version = None
    try:
        with open(base / "pyproject.toml", "rb") as handle:
            version = tomllib.load(handle).get("project", {}).get("version")
    except (OSError, tomllib.TOMLDecodeError):
        pass
    commit = None
    git = shutil.which("git")
    if git and (base / ".git").exists():
        try:
            done = subprocess.run(  # nosec B603  # fixed arguments, no shell
                [git, "-C", str(base), "rev-parse", "HEAD"], capture_output=True, text=True,
                timeout=10, check=False)
            if done.returncode == 0:
                commit = done.stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            pass
    return {"version": version, "commit": commit}


def code_migrations() -> set[tuple[str, str]]:
    """Every migration this code has, of every installed app."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations)


def code_leaves() -> set[tuple[str, str]]:
    """The latest migration of each app in this code: what `migrate` brings a database to."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.leaf_nodes())


def _latest(applied: dict[str, list[str]]) -> dict[str, str]:
    # Migration names start with their zero-padded number.
    return {app: max(names) for app, names in applied.items() if names}


def _applied(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _counts(cursor: Any, tables: list[str], quote: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # A table name the database listed, quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608  # nosec B608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def table_counts() -> dict[str, int]:
    """Rows of each table of this install's database, now."""
    with connection.cursor() as cursor:
        if engine() == "sqlite":
            return _counts(cursor, _sqlite_tables(cursor), _sqlite_quote)
        return _counts(cursor, connection.introspection.table_names(cursor),
                       connection.ops.quote_name)


# --- PostgreSQL's tools ---------------------------------------------------------------

def pg_environment() -> dict[str, str]:
    """The environment pg_dump, pg_restore and psql read the connection from: the
    password never appears on a command line."""
    database = connection.settings_dict
    environment = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if database.get(key):
            environment[variable] = str(database[key])
    options = database.get("OPTIONS") or {}
    for variable, key in (("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert"),
                          ("PGSSLCERT", "sslcert"), ("PGSSLKEY", "sslkey")):
        if options.get(key):
            environment[variable] = str(options[key])
    return environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools "
                          "(apt-get install postgresql-client), the same major version as "
                          "the server or newer.")
    return found


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


# --- Backup ---------------------------------------------------------------------------

def _dump_sqlite(target: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """SQLite's online backup into `target`; the migrations and counts read from the copy."""
    database = Path(str(connection.settings_dict["NAME"]))
    if not database.is_file():
        raise BackupError(f"There is no database at {database}: there is nothing to back up.")
    source = sqlite3.connect(str(database), timeout=20)
    try:
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # all pages in one step: one consistent read
            cursor = copy.cursor()
            tables = _sqlite_tables(cursor)
            if "django_migrations" not in tables:
                raise BackupError("The database was never migrated: there is nothing to "
                                  "back up.")
            return _applied(cursor), _counts(cursor, tables, _sqlite_quote)
        finally:
            copy.close()
    except sqlite3.Error as error:
        if "full" in str(error).lower():
            raise BackupError("Could not copy the database: no space left on the device.") \
                from None
        raise BackupError(f"Could not copy the database: {error}.") from None
    finally:
        source.close()


def _dump_postgresql(target: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """pg_dump in a snapshot this transaction exported: the counts and migrations read
    here are those of the dump."""
    pg_dump = _tool("pg_dump")
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        if "django_migrations" not in tables:
            raise BackupError("The database was never migrated: there is nothing to back up.")
        done = subprocess.run(  # nosec B603  # no shell; the password is in the environment
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            env=pg_environment(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {_last_line(done.stderr)}")
        return _applied(cursor), _counts(cursor, tables, connection.ops.quote_name)


class _Hashing:
    """A file read through: what is read is counted and hashed."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> dict[str, Any] | None:
    """Add one file; None if it was deleted before it could be read."""
    try:
        source = open(path, "rb")  # noqa: SIM115  # closed below
    except FileNotFoundError:
        return None
    with source:
        info = tarfile.TarInfo(name)
        stat = os.fstat(source.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(source)
        archive.addfile(info, reader)  # type: ignore[arg-type]
    return {"size": reader.size, "sha256": reader.digest.hexdigest()}


def media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name inside MEDIA_ROOT with /, path) of every regular file carried, in order."""
    if not root.is_dir():
        return
    for folder, folders, names in os.walk(root):
        here = Path(folder)
        if here == root:
            folders[:] = [name for name in folders if name not in EXCLUDED_MEDIA]
        folders.sort()
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def _destination(output: Path | None, now: datetime) -> Path:
    name = f"cohort-backup-{now:%Y%m%dT%H%M%SZ}.tar"
    if output is None:
        return Path(settings.DATA_DIR) / "backups" / name
    if output.suffix == ".tar" and not output.is_dir():
        return output
    return output / name


def backup_create(*, output: Path | None = None, keep: int | None = None,
                  now: datetime | None = None) -> Written:
    """Write an archive of this install (see the module's docstring); `output` is a
    folder (the archive is named by the time) or a `.tar` path. `keep`: then delete the
    oldest archives of that folder past the newest `keep`."""
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1.")
    kind = engine()
    now = now or datetime.now(UTC)
    final = _destination(output, now).absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if final.parent == media_root or media_root in final.parents:
        raise BackupError(f"Write backups outside MEDIA_ROOT ({media_root}).")
    if final.exists():
        raise BackupError(f"{final} exists already.")
    try:
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        work = Path(tempfile.mkdtemp(prefix=".cohort-backup-", dir=final.parent))
    except OSError as error:
        raise BackupError(_describe(error, "Could not write the backup")) from None
    try:
        database = work / DATABASE_FILES[kind]
        dump = _dump_postgresql if kind == "postgresql" else _dump_sqlite
        applied, counts = dump(database)
        manifest: dict[str, Any] = {
            "format": FORMAT, "created_at": now.isoformat().replace("+00:00", "Z"),
            "cohort": cohort_version(), "engine": kind, "database": DATABASE_FILES[kind],
            "migrations": {"latest": _latest(applied), "applied": applied},
            "tables": counts, "excluded_media": [f"{name}/" for name in EXCLUDED_MEDIA],
            "files": {},
        }
        partial = work / final.name
        with open_for_writing(partial) as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                files = manifest["files"]
                files[DATABASE_FILES[kind]] = _add_file(archive, DATABASE_FILES[kind],
                                                        database)
                for name, path in media_files(media_root):
                    added = _add_file(archive, MEDIA + name, path)
                    if added is not None:
                        files[MEDIA + name] = added
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
                archive.addfile(info, _BytesReader(body))  # type: ignore[arg-type]
            raw.flush()
            os.fsync(raw.fileno())
        archive_verify(partial)
        os.replace(partial, final)
        _fsync_folder(final.parent)
    except OSError as error:
        raise BackupError(_describe(error, "Could not write the backup")) from None
    except tarfile.TarError as error:
        raise BackupError(f"Could not write the backup: {error}.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pruned = archives_prune(final.parent, keep) if keep else []
    return Written(path=final, manifest=manifest, pruned=pruned)


class _BytesReader:
    def __init__(self, body: bytes) -> None:
        self.body, self.at = body, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.body) if size < 0 else self.at + size
        chunk, self.at = self.body[self.at:end], min(end, len(self.body))
        return chunk


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def archives_prune(folder: Path, keep: int) -> list[Path]:
    """Delete the archives of `folder` (by their name's pattern only) older than the
    newest `keep`; returns those deleted."""
    archives = sorted(path for path in folder.iterdir()
                      if ARCHIVE_NAME.match(path.name) and path.is_file())
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink()
    return doomed


# --- Reading an archive ---------------------------------------------------------------

def _safe_member(name: str) -> bool:
    parts = name.split("/")
    return (not name.startswith("/") and ".." not in parts and "" not in parts
            and (name in DATABASE_FILES.values() or name.startswith(MEDIA)))


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist.") from None
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} is not a Cohort backup, or is damaged ({error}).") from None


def manifest_read(path: Path) -> dict[str, Any]:
    """The manifest of an archive, checked for its shape (not yet against the files)."""
    with _open_archive(path) as archive:
        try:
            member = archive.getmember(MANIFEST)
            if member.size > MANIFEST_MAX_BYTES:
                raise BackupError(f"{path} has a manifest of {member.size} bytes: it is not "
                                  "a Cohort backup.")
            handle = archive.extractfile(member)
            body = handle.read() if handle is not None else b""
            manifest = json.loads(body)
        except KeyError:
            raise BackupError(f"{path} has no manifest: it is incomplete (cut short) or not "
                              "a Cohort backup.") from None
        except (OSError, tarfile.TarError, EOFError, ValueError) as error:
            raise BackupError(f"{path} is damaged or cut short ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or manifest.get("engine") not in DATABASE_FILES \
            or not isinstance(manifest.get("files"), dict) \
            or not isinstance(manifest.get("tables"), dict) \
            or not isinstance(manifest.get("migrations", {}).get("applied"), dict):
        raise BackupError(f"{path} has a manifest this version of Cohort cannot read.")
    # The database is read from the archive's own file, by its engine's name: a manifest
    # naming another path (`/…`, `../…`) or a file the archive lacks is not a backup.
    if manifest.get("database") not in DATABASE_FILES.values() \
            or manifest["database"] not in manifest["files"]:
        raise BackupError(f"{path} has a manifest whose database is not the archive's "
                          "own file: it is not a Cohort backup.")
    return manifest


def _members(path: Path, manifest: dict[str, Any], staging: Path | None) -> None:
    """Read every file of the archive, check it against the manifest and, given
    `staging`, write it there. BackupError at the first difference."""
    expected: dict[str, Any] = manifest["files"]
    seen: set[str] = set()
    with _open_archive(path) as archive:
        try:
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not _safe_member(member.name) \
                        or not member.isreg() or member.name in seen:
                    raise BackupError(f"{path} holds {member.name!r}, which its manifest "
                                      "does not list: it is damaged or not a Cohort backup.")
                seen.add(member.name)
                _member_check(archive, member, expected[member.name], staging, path)
        except (OSError, tarfile.TarError, EOFError) as error:
            if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise BackupError(_describe(error, "Could not unpack the backup")) from None
            raise BackupError(f"{path} is damaged or cut short ({error}).") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{path} lacks {len(missing)} file(s) its manifest lists "
                          f"({missing[0]}, ...): it is incomplete.")


def _member_check(archive: tarfile.TarFile, member: tarfile.TarInfo, expected: Any,
                  staging: Path | None, path: Path) -> None:
    source = archive.extractfile(member)
    if source is None or not isinstance(expected, dict):
        raise BackupError(f"{path}: {member.name} cannot be read.")
    # Before a byte is written: a member larger than its manifest says (a compressed
    # archive can unpack to far more than its own size) would fill the disk first.
    if member.size != expected.get("size"):
        raise BackupError(f"{path} is damaged: {member.name} is {member.size} bytes, its "
                          f"manifest says {expected.get('size')}.")
    digest = hashlib.sha256()
    size = 0
    target = None
    if staging is not None:
        destination = staging / member.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = open(destination, "xb")  # noqa: SIM115  # closed below
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if target is not None:
                target.write(chunk)
    finally:
        if target is not None:
            target.close()
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(f"{path} is damaged: {member.name} does not match its checksum.")


def archive_verify(path: Path) -> dict[str, Any]:
    """Check every file of an archive against its manifest; returns the manifest."""
    manifest = manifest_read(path)
    _members(path, manifest, None)
    return manifest


# --- Restore --------------------------------------------------------------------------

def in_use() -> str | None:
    """Why this install's database is not empty (it has members, rooms, ...), or None."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table in IN_USE_TABLES:
            if table in tables:
                quoted = connection.ops.quote_name(table)  # one of IN_USE_TABLES
                cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608  # nosec B608
                count = int(cursor.fetchone()[0])
                if count:
                    return f"its table {table} has {count} row(s)"
    return None


_DUMPED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", re.MULTILINE)


def _dumped_tables(pg_restore: str, dump: Path, environment: dict[str, str]) -> list[str]:
    """The tables the dump creates, as `schema.name` quoted (its table of contents)."""
    listed = subprocess.run(  # nosec B603  # no shell, fixed arguments
        [pg_restore, "--list", str(dump)], capture_output=True, text=True,
        env=environment, check=False)
    if listed.returncode != 0:
        raise BackupError(f"The database could not be restored (nothing of it was kept): "
                          f"{_last_line(listed.stderr)}")
    quote = connection.ops.quote_name
    return [f"{quote(schema)}.{quote(name)}"
            for schema, name in _DUMPED_TABLE.findall(listed.stdout)]


# The first release of each major whose pg_restore protects its script from psql
# meta-commands a crafted dump carries (`\restrict`, CVE-2025-8714); 18 and later do.
SAFE_PG_RESTORE = {13: 22, 14: 19, 15: 14, 16: 10, 17: 6}


def _pg_restore_safe(pg_restore: str) -> None:
    """Refuse a pg_restore whose output a crafted dump could use to run commands."""
    done = subprocess.run(  # nosec B603  # no shell, fixed arguments
        [pg_restore, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"(\d+)\.(\d+)", done.stdout)
    if found is None:
        raise BackupError(f"Could not tell pg_restore's version: {_last_line(done.stdout)}")
    major, minor = int(found.group(1)), int(found.group(2))
    if major < 18 and minor < SAFE_PG_RESTORE.get(major, 10**6):
        raise BackupError(
            f"pg_restore {major}.{minor} lets a crafted backup run commands through psql: "
            "install PostgreSQL's client tools of August 2025 or later (13.22, 14.19, 15.14, "
            "16.10, 17.6, or 18).")


def _restore_postgresql(dump: Path) -> None:
    """The dump's SQL, after dropping the (empty) tables of the dump's that `migrate` may
    have made (never another table of the database: another program's, sharing it, keeps
    its own), in one transaction: it is restored whole or not at all."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    _pg_restore_safe(pg_restore)
    environment = pg_environment()
    tables = _dumped_tables(pg_restore, dump, environment)
    connection.close()
    prefix = "".join(f"DROP TABLE IF EXISTS {table} CASCADE;\n" for table in tables)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        reader = subprocess.Popen(  # nosec B603  # no shell; the password is in the environment
            [pg_restore, "--no-owner", "--no-privileges", "--no-comments", "--file=-",
             str(dump)], stdout=subprocess.PIPE, stderr=restore_errors, env=environment)
        writer = subprocess.Popen(  # nosec B603  # no shell; the password is in the environment
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
             "--file=-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=psql_errors, env=environment)
        if reader.stdout is None or writer.stdin is None:  # not with PIPE
            raise BackupError("Could not start pg_restore and psql.")
        try:
            writer.stdin.write(prefix.encode())
            shutil.copyfileobj(reader.stdout, writer.stdin, CHUNK)
        except BrokenPipeError:
            pass  # psql stopped at an error: it says which below
        finally:
            reader.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                writer.stdin.close()
        written, read = writer.wait(), reader.wait()
        if written != 0 or read != 0:
            psql_errors.seek(0)
            restore_errors.seek(0)
            said = psql_errors.read().decode(errors="replace") \
                or restore_errors.read().decode(errors="replace")
            raise BackupError(f"The database could not be restored (nothing of it was "
                              f"kept): {_last_line(said)}")


def _restore_sqlite(copy: Path) -> None:
    """SQLite's backup API from the archive's copy into this install's database file."""
    connection.close()
    source = sqlite3.connect(str(copy))
    try:
        target = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=20)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"The database could not be restored: {error}.") from None
    finally:
        source.close()


def restore(path: Path) -> Restored:
    """Restore an archive into this install, which must be empty (no member, no room,
    nothing in MEDIA_ROOT). Every refusal comes before anything is changed: an archive
    of the other engine, of a newer Cohort (migrations this code lacks), an install in
    use, a file that does not match its checksum."""
    path = path.absolute()
    manifest = manifest_read(path)
    kind = engine()
    if manifest["engine"] != kind:
        raise BackupError(f"This backup holds a {manifest['engine']} database and this "
                          f"install runs on {kind}: restore it into an install on "
                          f"{manifest['engine']}.")
    if manifest["database"] != DATABASE_FILES[kind]:
        raise BackupError(f"{path} has a manifest whose database is not the archive's "
                          "own file: it is not a Cohort backup.")
    applied = {(app, name) for app, names in manifest["migrations"]["applied"].items()
               for name in names}
    unknown = sorted(applied - code_migrations())
    if unknown:
        shown = ", ".join(f"{app}.{name}" for app, name in unknown[:3])
        raise BackupError(f"This backup comes from a newer version of Cohort (its database "
                          f"has migrations this code lacks: {shown}): restore it with that "
                          "version or a later one.")
    why = in_use()
    if why is not None:
        raise BackupError(f"This install's database is in use ({why}): restore only into an "
                          "empty install. Nothing was changed.")
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(f"MEDIA_ROOT ({media_root}) is not empty: restore only into an "
                          "empty install. Nothing was changed.")
    try:
        media_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".cohort-restore-", dir=media_root.parent))
    except OSError as error:
        raise BackupError(_describe(error, "Could not unpack the backup")) from None
    try:
        _members(path, manifest, staging)
        database = staging / manifest["database"]
        if kind == "postgresql":
            _restore_postgresql(database)
        else:
            _restore_sqlite(database)
        media_root.mkdir(parents=True, exist_ok=True)
        unpacked = staging / MEDIA.rstrip("/")
        if unpacked.is_dir():
            for entry in sorted(unpacked.iterdir()):
                os.replace(entry, media_root / entry.name)
    except OSError as error:
        raise BackupError(_describe(error, "Could not restore the backup")) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = table_counts()
    differ = sorted(table for table, count in manifest["tables"].items()
                    if counts.get(table) != count)
    if differ:
        raise BackupError(f"The restored database differs from the backup's manifest "
                          f"({differ[0]}: {counts.get(differ[0])} rows, the manifest says "
                          f"{manifest['tables'][differ[0]]}).")
    pending = sorted(f"{app}.{name}" for app, name in code_leaves() - applied)
    return Restored(manifest=manifest, pending_migrations=pending)
