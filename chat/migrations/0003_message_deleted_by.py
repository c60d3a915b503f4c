"""Who deleted a message. Messages deleted before this were deleted by their authors
(moderators could delete, but nothing recorded it): they get their author."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _authors_deleted_their_own(apps, schema_editor):  # type: ignore[no-untyped-def]
    Message = apps.get_model("chat", "Message")
    Message.objects.filter(deleted_at__isnull=False).update(deleted_by=models.F("author"))


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0002_message_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='deleted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(_authors_deleted_their_own, migrations.RunPython.noop),
    ]
