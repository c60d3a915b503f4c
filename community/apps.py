from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Migrations after which every profile's search and matching texts must be rebuilt by the
# current code (they change what `community.search.profile_index` stores).
REINDEX_AFTER = {("community", "0007_topic_synonyms_and_text_topics")}


def reindex_after_migrations(sender: AppConfig, plan: list | None = None, **kwargs: object
                             ) -> None:
    """Rebuild the profiles' texts once the migrations that need it have been applied, so an
    upgraded community matches on free text at once (a new install has no profile yet).
    Only when the database then has this code's whole schema: the rebuild reads through
    today's models, which a database migrated part of the way (`migrate community 0007`)
    does not match yet."""
    applied = {(m.app_label, m.name) for m, backwards in plan or () if not backwards}
    if applied & REINDEX_AFTER:
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[str(kwargs.get("using") or "default")])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return
        from community.search import profiles_reindex

        profiles_reindex()


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(reindex_after_migrations, sender=self,
                             dispatch_uid="community-reindex-after-migrations")
