"""Excluded rejection reasons unique by `reason_key` (case and spacing ignored), not exact text.

A connection may already exclude one reason in several spellings ("Not a fit", "NOT A FIT"):
the first one added is kept and the others, which hid nothing more, are deleted. The old
constraint goes first, since trimming a reason may make it equal to another's exact text.
Self-contained: `reason_key` is what `normalize.name_key` computes.
"""

import re
import unicodedata

from django.db import migrations, models

_WHITESPACE = re.compile(r"\s+")


def reason_key(reason: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", reason).strip()).casefold()


def merge_spellings(apps, schema_editor):
    Excluded = apps.get_model("thrive_integration", "ExcludedRejectionReason")
    first = {}
    for row in Excluded.objects.order_by("id"):
        row.reason = row.reason.strip()
        row.reason_key = reason_key(row.reason)
        first.setdefault((row.connection_id, row.reason_key), row)
    kept = list(first.values())
    Excluded.objects.exclude(pk__in=[row.pk for row in kept]).delete()
    Excluded.objects.bulk_update(kept, ["reason", "reason_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("thrive_integration", "0007_child_list_index"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="excludedrejectionreason",
            name="thrive_excluded_rejection_reason",
        ),
        migrations.AddField(
            model_name="excludedrejectionreason",
            name="reason_key",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(merge_spellings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="excludedrejectionreason",
            constraint=models.UniqueConstraint(
                fields=("connection", "reason_key"),
                name="thrive_excluded_rejection_reason",
                violation_error_message=(
                    "This reason is already excluded for this connection "
                    "(case and spacing are ignored)."
                ),
            ),
        ),
    ]
