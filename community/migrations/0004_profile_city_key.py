import unicodedata

from django.db import migrations, models


def city_keys_fill(apps, schema_editor):
    """The key community.search.city_key gives, for the profiles already there."""
    Profile = apps.get_model("community", "Profile")
    for profile in Profile.objects.exclude(city="").only("pk", "city").iterator(chunk_size=500):
        decomposed = unicodedata.normalize("NFKD", profile.city.casefold())
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        Profile.objects.filter(pk=profile.pk).update(city_key=" ".join(plain.split())[:80])


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0003_invitation_resend_and_link'),
    ]

    operations = [
        migrations.AddField(
            model_name='profile',
            name='city_key',
            field=models.CharField(db_index=True, default='', editable=False, max_length=80),
        ),
        migrations.RunPython(city_keys_fill, migrations.RunPython.noop, elidable=True),
    ]
