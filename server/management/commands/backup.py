"""`manage.py backup`: one archive of the database and the uploaded files
(server.backups; docs/deployment.md, "Backups and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.files import human_size
from server import backups


class Command(BaseCommand):
    help = ("Write one archive of the database and the uploaded files to "
            "$COHORT_DATA_DIR/backups (or --output), checked before it is kept.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None,
                            help="a folder for the archive, or the archive's .tar path")
        parser.add_argument("--keep", type=int, default=None, metavar="N",
                            help="then delete the older archives of that folder, past the "
                                 "newest N")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = backups.backup_create(output=options["output"], keep=options["keep"])
        except backups.BackupError as error:
            raise CommandError(f"Backup failed: {error}") from None
        manifest = written.manifest
        media = sum(1 for name in manifest["files"] if name.startswith(backups.MEDIA))
        self.stdout.write(
            f"Backup written: {written.path} ({human_size(written.path.stat().st_size)}; "
            f"{manifest['engine']} database, {media} uploaded file(s), checked).")
        for path in written.pruned:
            self.stdout.write(f"Deleted an older backup: {path}")
