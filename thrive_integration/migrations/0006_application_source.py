# Existing applications start with an empty source: a remap run (its "applications" step) or
# the next import that changes a candidacy fills it through the candidacy field mappings.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("thrive_integration", "0005_payloads_unchecked"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="source",
            field=models.CharField(blank=True, default="", max_length=255),
            preserve_default=False,
        ),
    ]
