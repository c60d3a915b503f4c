"""List the members whose names look alike (community.names): names given before the
check, or changed in SQL. Nothing is renamed; the admins decide. `--refresh` recomputes
every member's look-alike key first (after an upgrade of the confusables table)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from community.models import User
from community.names import confusable_pairs, skeleton


class Command(BaseCommand):
    help = "List members whose display names look alike."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refresh", action="store_true",
                            help="Recompute every member's look-alike key first.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["refresh"]:
            for user in User.objects.only("pk", "name").iterator(chunk_size=500):
                User.objects.filter(pk=user.pk).update(name_key=skeleton(user.name))
        groups = confusable_pairs()
        for group in groups:
            self.stdout.write(" ~ ".join(f"{user.name!r} <{user.email}> (#{user.pk})"
                                         for user in group))
        self.stdout.write(f"cohort: {len(groups)} group(s) of look-alike names.")
