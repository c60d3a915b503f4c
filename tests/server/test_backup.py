"""Backups and their restore (server/backups.py, `manage.py backup` and `restore`).

A populated community is backed up, restored into another, empty database and media
folder by `manage.py restore` in a child process, and every table is compared row by row
and every file byte by byte. Refusals change nothing: an install in use, a damaged or
cut-short archive, an archive of another engine or of a newer Cohort. A full disk during a
backup leaves no file behind, whether the error comes through `open_for_writing` or from
the kernel (a child process under RLIMIT_FSIZE).

Runs on SQLite (embedded) and on PostgreSQL (DATABASE_URL), where the second database is
created and dropped by the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from server import backups

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def png(colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def populate() -> dict[str, Any]:
    """The demo community, plus what it lacks: profile photos, a document with two versions
    and a comment that mentions someone (a notification), a data export's zip (in
    exports/)."""
    from chat.models import Message
    from community.models import User
    from community.services import profile_update
    from documents import services as documents
    from mentoring.models import Mentorship

    call_command("seed_demo", stdout=io.StringIO())
    lea = User.objects.get(email="lea.mentee@cohort.example")
    nadia = User.objects.get(email="nadia.mentor@cohort.example")
    for member, colour in ((lea, "teal"), (nadia, "orange")):
        profile_update(viewer=member, member=member, values={},
                       photo=SimpleUploadedFile("me.png", png(colour), content_type="image/png"))
    pair = Mentorship.objects.get(mentee=lea).room
    assert pair is not None
    document = documents.document_upload(user=lea, room_id=pair.pk,
                                         stream=io.BytesIO(b"My promotion case, draft 1\n"),
                                         name="case.txt", note="first draft")
    documents.version_add(user=nadia, document_id=document.pk,
                          stream=io.BytesIO(png("navy")), name="case.png", note="as a picture")
    documents.comment_add(user=nadia, document_id=document.pk,
                          text="Good start, @**Léa Martin**: add the numbers.")
    # A data export's zip, as the task worker writes it (community.my_data).
    default_storage.save(f"exports/{lea.pk}/{'0' * 32}.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    assert Message.objects.exists()
    return {"lea": lea, "nadia": nadia}


# --- Databases, rows and files ----------------------------------------------------------

def _postgres_params(name: str) -> dict[str, Any]:
    database = connection.settings_dict
    return {"dbname": name, "user": database["USER"] or "postgres",
            "host": database["HOST"] or "127.0.0.1", "port": database["PORT"] or 5432,
            **({"password": database["PASSWORD"]} if database["PASSWORD"] else {})}


def database_rows(where: str) -> dict[str, list[str]]:
    """Every row of every table of a database (a SQLite file or a PostgreSQL database's
    name), each as its text, sorted: what two copies must agree on."""
    tables: dict[str, list[str]] = {}
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(where) as copy:
            names = [row[0] for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
            for name in names:
                rows = copy.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                tables[name] = sorted(repr(row) for row in rows)
        return tables
    import psycopg

    with psycopg.connect(**_postgres_params(where)) as copy:
        names = [row[0] for row in copy.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").fetchall()]
        for name in names:
            rows = copy.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
            tables[name] = sorted(repr(row) for row in rows)
    return tables


def files_of(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def empty_install(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Another install: a database that does not exist yet for SQLite (a file), or a
    new PostgreSQL database (dropped afterwards), and its own data folder and media."""
    data = tmp_path / "second"
    data.mkdir()
    install: dict[str, Any] = {"data": data, "media": data / "media"}
    if connection.vendor == "sqlite":
        install["where"] = str(data / "restored.sqlite3")
        install["env"] = {"SQLITE_PATH": install["where"]}
        yield install
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = _postgres_params(name)
    install["where"] = name
    install["env"] = {"DATABASE_URL": f"postgres://{params['user']}@{params['host']}:"
                                      f"{params['port']}/{name}"}
    try:
        yield install
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, env: dict[str, str], data: Path,
           limit_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` in a child process on production settings, pointed at `env`'s
    database and at `data` (COHORT_DATA_DIR, its media in data/media)."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "MEDIA_ROOT",
                                  "DJANGO_SETTINGS_MODULE", "COHORT_DATA_DIR")}
    environment.update({"DJANGO_SETTINGS_MODULE": "server.settings", "DEBUG": "true",
                        "COHORT_DATA_DIR": str(data), "MEDIA_ROOT": str(data / "media"),
                        "LOG_LEVEL": "WARNING", **env})

    def limited() -> None:
        if limit_bytes is not None:  # what a full disk looks like to this process: EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=300,
                          preexec_fn=limited if limit_bytes is not None else None,  # noqa: PLW1509
                          check=False)


def source_env() -> dict[str, str]:
    from tests.servers import database_env

    return database_env()


def source_where() -> str:
    return str(connection.settings_dict["NAME"])


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# --- The whole round ---------------------------------------------------------------------

@pytest.mark.parametrize("migrated_first", [False, True], ids=["new", "migrated"])
def test_a_backup_restores_every_row_and_file_into_an_empty_install(
        tmp_path: Path, empty_install: dict[str, Any], migrated_first: bool) -> None:
    populate()
    source_media = media_root()
    # The source install's media is this test's MEDIA_ROOT: the child uses it as its own.
    source_data = tmp_path / "first"
    source_data.mkdir()
    (source_data / "media").symlink_to(source_media, target_is_directory=True)
    done = manage("backup", "--output", str(tmp_path / "backups"), env=source_env(),
                  data=source_data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Backup written: ") and "checked" in done.stdout
    [archive] = (tmp_path / "backups").iterdir()
    assert backups.ARCHIVE_NAME.match(archive.name)
    assert archive.stat().st_mode & 0o077 == 0  # its owner's only: it holds every password hash

    manifest = backups.archive_verify(archive)
    assert manifest["engine"] == backups.engine()
    assert manifest["migrations"]["latest"]["community"] == max(
        manifest["migrations"]["applied"]["community"])
    assert manifest["tables"]["community_user"] == 9
    assert manifest["tables"]["documents_version"] == 2
    photos = sorted(name for name in manifest["files"] if name.startswith("media/photos/"))
    assert len(photos) == 2
    assert manifest["cohort"]["version"]
    # The data export's zip is left out (a copy of the database's data, built again on
    # request); it is in the source's media.
    assert any(path.startswith("exports/") for path in files_of(source_media))
    assert not any(name.startswith("media/exports/") for name in manifest["files"])

    if migrated_first:  # the new install's `migrate` ran before the restore
        migrated = manage("migrate", "--no-input", env=empty_install["env"],
                          data=empty_install["data"])
        assert migrated.returncode == 0, migrated.stderr
    restored = manage("restore", str(archive), env=empty_install["env"],
                      data=empty_install["data"])
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored the backup of ")
    assert "migrate" not in restored.stdout  # the same version: nothing to migrate

    assert database_rows(empty_install["where"]) == database_rows(source_where())
    expected = {path: body for path, body in files_of(source_media).items()
                if not path.startswith("exports/")}
    assert files_of(empty_install["media"]) == expected
    assert len(expected) >= 3  # two photos and two versions' files at least

    # Once restored, the install is in use: a second restore is refused, nothing changes.
    before = database_rows(empty_install["where"])
    again = manage("restore", str(archive), env=empty_install["env"],
                   data=empty_install["data"])
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "CommandError: Restore failed: This install's database is in use (its table "
        "community_user has 9 row(s)): restore only into an empty install. Nothing was "
        "changed."]
    assert database_rows(empty_install["where"]) == before
    assert files_of(empty_install["media"]) == expected


# --- Refusals ----------------------------------------------------------------------------

def _backup_of_an_empty_database(tmp_path: Path) -> Path:
    """An archive of this (migrated, memberless) database with two uploaded files; the
    media folder is emptied again, so the install is empty for a restore."""
    (media_root() / "photos" / "7").mkdir(parents=True)
    (media_root() / "photos" / "7" / "me.jpg").write_bytes(png() * 20)
    (media_root() / "documents" / "3").mkdir(parents=True)
    (media_root() / "documents" / "3" / "a1b2").write_bytes(b"minutes of the meeting\n" * 50)
    written = backups.backup_create(output=tmp_path / "backups")
    media_root().rename(tmp_path / "old-media")
    return written.path


def _rewritten(archive: Path, change: Any) -> Path:
    """A copy of `archive` whose manifest `change` edited (its files untouched)."""
    copy = archive.with_name("edited.tar")
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        for member in source:
            body = source.extractfile(member)
            assert body is not None
            data = body.read()
            if member.name == backups.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def _unchanged(counts: dict[str, int]) -> None:
    assert backups.table_counts() == counts
    assert not media_root().exists() or not any(media_root().iterdir())


def test_a_damaged_archive_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    with tarfile.open(archive) as reading:
        member = reading.getmember("media/documents/3/a1b2")
    body = bytearray(archive.read_bytes())
    body[member.offset_data + 100] ^= 0x01  # one bit of one uploaded file
    archive.write_bytes(bytes(body))

    with pytest.raises(backups.BackupError, match="does not match its checksum"):
        backups.archive_verify(archive)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    assert str(refused.value) == (
        f"Restore failed: {archive} is damaged: media/documents/3/a1b2 does not match its "
        "checksum.")
    _unchanged(counts)
    assert not list(media_root().parent.glob(".cohort-restore-*"))  # nothing left unpacked


@pytest.mark.parametrize("cut", ["in_a_file", "before_the_manifest"])
def test_a_cut_short_archive_is_refused_and_nothing_changes(tmp_path: Path, cut: str) -> None:
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    with tarfile.open(archive) as reading:
        member = reading.getmember("media/documents/3/a1b2" if cut == "in_a_file"
                                   else backups.MANIFEST)
    archive.write_bytes(archive.read_bytes()[:member.offset_data + 10])

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    assert str(refused.value).startswith(f"Restore failed: {archive} ")
    assert "incomplete" in str(refused.value) or "cut short" in str(refused.value)
    _unchanged(counts)


def test_an_archive_of_another_engine_or_a_newer_cohort_is_refused(tmp_path: Path) -> None:
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    other = "sqlite" if backups.engine() == "postgresql" else "postgresql"

    def engine(manifest: dict[str, Any]) -> None:
        manifest["engine"] = other

    with pytest.raises(CommandError, match=f"holds a {other} database and this install "
                                           f"runs on {backups.engine()}"):
        call_command("restore", str(_rewritten(archive, engine)))
    _unchanged(counts)

    def newer(manifest: dict[str, Any]) -> None:
        manifest["migrations"]["applied"]["community"].append("9999_from_the_future")

    with pytest.raises(CommandError, match=r"newer version of Cohort .*"
                                           r"community\.9999_from_the_future"):
        call_command("restore", str(_rewritten(archive, newer)))
    _unchanged(counts)


def test_a_manifest_naming_a_database_outside_the_archive_is_refused(tmp_path: Path) -> None:
    """The database is the archive's own file: a crafted manifest pointing at another
    file on the machine (an absolute path, `../`) restores nothing."""
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    name = backups.DATABASE_FILES[backups.engine()]
    outside = tmp_path / "elsewhere" / name
    outside.parent.mkdir()
    with tarfile.open(archive) as reading:
        body = reading.extractfile(name)
        assert body is not None
        outside.write_bytes(body.read())

    for where in (str(outside), f"../../{name}"):
        def elsewhere(manifest: dict[str, Any], where: str = where) -> None:
            manifest["database"] = where

        with pytest.raises(CommandError, match="whose database is not the archive's"):
            call_command("restore", str(_rewritten(archive, elsewhere)))
        _unchanged(counts)


@pytest.mark.parametrize("crafted", ["../escaped.txt", "/cohort-absolute.txt",
                                     "media/../../escaped.txt", "media/link", "media/hard"])
def test_a_member_outside_media_or_a_link_is_refused_and_nothing_is_written(
        tmp_path: Path, crafted: str) -> None:
    """A crafted archive whose manifest lists a path out of the install, a symlink or a
    hard link (with a checksum that matches): refused, nothing written anywhere."""
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    body = b"planted\n"
    copy = tmp_path / "crafted.tar"
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        manifest = {}
        for member in source:
            handle = source.extractfile(member)
            assert handle is not None
            data = handle.read()
            if member.name == backups.MANIFEST:
                manifest = json.loads(data)
                continue
            target.addfile(member, io.BytesIO(data))
        extra = tarfile.TarInfo(crafted)
        if crafted == "media/link":
            extra.type, extra.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif crafted == "media/hard":
            extra.type, extra.linkname = tarfile.LNKTYPE, backups.DATABASE_FILES[
                backups.engine()]
        else:
            extra.size = len(body)
        target.addfile(extra, io.BytesIO(body) if extra.isreg() else None)
        manifest["files"][crafted] = {"size": extra.size,
                                      "sha256": hashlib.sha256(body).hexdigest()}
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(backups.MANIFEST)
        info.size = len(data)
        target.addfile(info, io.BytesIO(data))

    with pytest.raises(CommandError, match="which its manifest does not list"):
        call_command("restore", str(copy))
    _unchanged(counts)
    assert not (media_root().parent / "escaped.txt").exists()
    assert not (media_root().parent.parent / "escaped.txt").exists()
    assert not Path("/cohort-absolute.txt").exists()


def test_a_member_larger_than_its_manifest_says_is_refused_before_it_is_unpacked(
        tmp_path: Path) -> None:
    """A compressed archive whose file unpacks to 64 MiB where the manifest says a few
    bytes (a tar bomb): refused from the member's header, nothing written."""
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    bomb = tmp_path / "bomb.tar.gz"
    huge = 64 * 1024 * 1024
    with tarfile.open(archive) as source, tarfile.open(bomb, "w:gz") as target:
        for member in source:
            body = source.extractfile(member)
            assert body is not None
            if member.name == "media/documents/3/a1b2":
                member.size = huge
                target.addfile(member, io.BytesIO(bytes(huge)))
            else:
                target.addfile(member, body)
    assert bomb.stat().st_size < 2 * 1024 * 1024

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bomb))
    assert str(refused.value).endswith(
        f"media/documents/3/a1b2 is {huge} bytes, its manifest says 1150.")
    _unchanged(counts)


@pytest.mark.postgres
def test_a_restore_keeps_the_tables_of_another_program_sharing_the_database(
        tmp_path: Path) -> None:
    """Only the tables the backup holds are replaced: another program's table in the same
    PostgreSQL database keeps its rows."""
    archive = _backup_of_an_empty_database(tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE someone_elses (note text)")
        cursor.execute("INSERT INTO someone_elses VALUES ('keep me')")
    try:
        call_command("restore", str(archive), stdout=io.StringIO())
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM someone_elses")
            assert cursor.fetchall() == [("keep me",)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS someone_elses")


@pytest.mark.postgres
def test_a_pg_restore_that_a_crafted_dump_could_abuse_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_restore before August 2025 lets a dump carry psql commands (`\\!`): restore
    says which client tools to install, and changes nothing."""
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    tools = tmp_path / "old-tools"
    tools.mkdir()
    fake = tools / "pg_restore"
    fake.write_text("#!/bin/sh\necho 'pg_restore (PostgreSQL) 15.13'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(CommandError, match=r"pg_restore 15\.13 lets a crafted backup run "
                                           r"commands through psql: install"):
        call_command("restore", str(archive))
    _unchanged(counts)


def test_media_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    archive = _backup_of_an_empty_database(tmp_path)
    counts = backups.table_counts()
    media_root().mkdir()
    (media_root() / "left-over.txt").write_text("someone's file")
    with pytest.raises(CommandError, match=r"MEDIA_ROOT \(.*\) is not empty"):
        call_command("restore", str(archive))
    assert backups.table_counts() == counts
    assert files_of(media_root()) == {"left-over.txt": b"someone's file"}


def test_an_older_archive_is_restored_and_says_to_migrate(tmp_path: Path) -> None:
    """Into this empty install: its files come back, and the output says to run
    `migrate` when the archive's database lacks a migration of this code."""
    archive = _backup_of_an_empty_database(tmp_path)
    old_media = files_of(tmp_path / "old-media")
    latest = max(backups.code_leaves())

    def older(manifest: dict[str, Any]) -> None:
        manifest["migrations"]["applied"][latest[0]].remove(latest[1])

    out = io.StringIO()
    call_command("restore", str(_rewritten(archive, older)), stdout=out)
    assert out.getvalue().startswith("Restored the backup of ")
    assert f"({latest[0]}.{latest[1]}): run `manage.py migrate` now" in out.getvalue()
    assert files_of(media_root()) == old_media


# --- Retention and a full disk -----------------------------------------------------------

def test_keep_deletes_the_oldest_archives_only(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    written = [backups.backup_create(output=folder, keep=2,
                                     now=datetime(2026, 12, day, 3, 0, tzinfo=UTC)).path
               for day in (1, 2, 3)]
    assert sorted(path.name for path in folder.iterdir()) == [
        "cohort-backup-20261202T030000Z.tar", "cohort-backup-20261203T030000Z.tar",
        "notes.txt"]
    assert not written[0].exists()
    out = io.StringIO()
    call_command("backup", "--output", str(folder), "--keep", "1", stdout=out)
    assert "Deleted an older backup: " in out.getvalue()
    assert len([path for path in folder.iterdir() if path.suffix == ".tar"]) == 1


class _FullDisk(io.RawIOBase):
    """A file on a disk that fills after `room` bytes."""

    def __init__(self, path: Path, room: int) -> None:
        self.handle = open(path, "wb")  # noqa: SIM115
        self.room = room

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.handle.tell()

    def fileno(self) -> int:
        return self.handle.fileno()

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            self.handle.write(bytes(data[:self.room]))
            self.room = 0
            raise OSError(28, "No space left on device", str(self.handle.name))
        self.room -= len(data)
        return self.handle.write(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


def test_a_full_disk_during_a_backup_leaves_no_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    populate()
    folder = tmp_path / "backups"
    folder.mkdir()
    monkeypatch.setattr(backups, "open_for_writing", lambda path: _FullDisk(path, 50_000))
    with pytest.raises(CommandError) as failed:
        call_command("backup", "--output", str(folder))
    message = str(failed.value)
    assert message.startswith("Backup failed: Could not write the backup: no space left on "
                              "the device (")
    assert "\n" not in message
    assert list(folder.iterdir()) == []  # no partial archive, no temporary folder


def test_the_commands_exit_codes_and_a_kernel_full_disk(tmp_path: Path) -> None:
    """`manage.py backup` under a file size limit (what a full disk does to a write, but
    EFBIG): exit 1, one line, nothing left; then without the limit: exit 0."""
    populate()
    # The limit leaves room for the database (SQLite's copy is a file as big as the test
    # database, which grows with the schema), not for the uploaded file that follows it.
    limit = 2_000_000
    if connection.vendor == "sqlite":
        limit += Path(connection.settings_dict["NAME"]).stat().st_size
    big = media_root() / "documents" / "1" / "large"
    big.parent.mkdir(parents=True, exist_ok=True)
    big.write_bytes(os.urandom(limit + 1_000_000))
    data = tmp_path / "first"
    data.mkdir()
    (data / "media").symlink_to(media_root(), target_is_directory=True)
    folder = tmp_path / "backups"

    failed = manage("backup", "--output", str(folder), env=source_env(), data=data,
                    limit_bytes=limit)
    assert failed.returncode == 1
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith("CommandError: Backup failed: ")
    assert "past the size this process may write" in line
    assert list(folder.iterdir()) == []

    missing = manage("restore", str(tmp_path / "nowhere.tar"), env=source_env(), data=data)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"CommandError: Restore failed: {tmp_path / 'nowhere.tar'} does not exist.")

    done = manage("backup", "--output", str(folder), "--keep", "3", env=source_env(),
                  data=data)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    [archive] = folder.iterdir()
    assert backups.archive_verify(archive)["files"]["media/documents/1/large"]["size"] \
        == limit + 1_000_000
