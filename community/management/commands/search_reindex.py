"""Rebuild every profile's search texts: after an upgrade or a bulk change made in SQL."""

from typing import Any

from django.core.management.base import BaseCommand

from community.search import profiles_reindex


class Command(BaseCommand):
    help = "Rebuild the search index of every profile."

    def handle(self, *args: Any, **options: Any) -> None:
        count = profiles_reindex()
        self.stdout.write(f"cohort: {count} profiles indexed.")
