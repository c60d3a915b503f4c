"""`manage.py restore ARCHIVE`: an archive of `manage.py backup` into an empty install
(server.backups; docs/deployment.md, "Backups and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from server import backups


class Command(BaseCommand):
    help = ("Restore a backup into this install, which must be empty (a new database, an "
            "empty MEDIA_ROOT). The archive is checked before anything is changed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the .tar written by manage.py backup")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = backups.restore(options["archive"])
        except backups.BackupError as error:
            raise CommandError(f"Restore failed: {error}") from None
        manifest = restored.manifest
        made = manifest.get("created_at")
        version = manifest.get("cohort") or {}
        media = sum(1 for name in manifest["files"] if name.startswith(backups.MEDIA))
        self.stdout.write(
            f"Restored the backup of {made} (Cohort {version.get('version') or '?'}, commit "
            f"{(version.get('commit') or '?')[:12]}): the database, with every table's rows "
            f"counted as the backup's manifest says, and {media} uploaded file(s).")
        if restored.pending_migrations:
            self.stdout.write(
                "This backup was made before some of this version's migrations "
                f"({', '.join(restored.pending_migrations[:3])}"
                f"{', ...' if len(restored.pending_migrations) > 3 else ''}): run "
                "`manage.py migrate` now, before starting the server.")
