"""The product index's one state row (version 0: no product change seen yet)."""

from django.db import migrations


def create_state(apps, schema_editor):
    IndexState = apps.get_model("matching", "IndexState")
    IndexState.objects.get_or_create(pk=1, defaults={"version": 0})


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_state, migrations.RunPython.noop),
    ]
