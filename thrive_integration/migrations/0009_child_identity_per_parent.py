"""A child's id names it within its parent (models.mirror._child_meta): each child table's
unique constraint moves from (connection, remote_id) to (parent, remote_id), and the parent's
own index goes, since the new unique index leads with the parent. Stored rows already satisfy
the looser constraint. A team membership's id (`<team>:<id>`) gets room for the team's name.

Under the old key, two parents listing one child id took its single row from each other, and
the one that lost it still looks unchanged to the next import. So every parent's content hash
is cleared: the next full import rewrites each record with children once, and with it
every child.
"""

import django.db.models.deletion
from django.db import migrations, models


PARENTS = ("Company", "Search", "Contact", "Candidacy")


def rewrite_parents_on_next_import(apps, schema_editor):
    for name in PARENTS:
        apps.get_model("thrive_integration", name).objects.update(content_hash="")


class Migration(migrations.Migration):
    dependencies = [
        ("thrive_integration", "0008_excluded_reason_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="candidacycomment",
            name="thrive_candidacy_comment_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="candidacytag",
            name="thrive_candidacy_tag_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="contactcomment",
            name="thrive_contact_comment_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="contactconnection",
            name="thrive_contact_connection_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="contactdocument",
            name="thrive_contact_document_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="contactnote",
            name="thrive_contact_note_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="contactreference",
            name="thrive_contact_reference_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="education",
            name="thrive_education_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="fundinground",
            name="thrive_funding_round_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="introduction",
            name="thrive_introduction_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="investment",
            name="thrive_investment_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="offlimitreason",
            name="thrive_off_limit_reason_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="outreach",
            name="thrive_outreach_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="position",
            name="thrive_position_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="searchcommission",
            name="thrive_search_commission_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="searchdocument",
            name="thrive_search_document_remote_id",
        ),
        migrations.RemoveConstraint(
            model_name="searchteammembership",
            name="thrive_search_team_membership_remote_id",
        ),
        migrations.AlterField(
            model_name="candidacycomment",
            name="candidacy",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comments",
                to="thrive_integration.candidacy",
            ),
        ),
        migrations.AlterField(
            model_name="candidacytag",
            name="candidacy",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tags",
                to="thrive_integration.candidacy",
            ),
        ),
        migrations.AlterField(
            model_name="contactcomment",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comments",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="contactconnection",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="connections",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="contactdocument",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="documents",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="contactnote",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notes",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="contactreference",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="references",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="education",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="educations",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="fundinground",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="funding_rounds",
                to="thrive_integration.company",
            ),
        ),
        migrations.AlterField(
            model_name="introduction",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="introductions",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="investment",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="investments",
                to="thrive_integration.company",
            ),
        ),
        migrations.AlterField(
            model_name="offlimitreason",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="off_limit_reasons",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="outreach",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outreaches",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="positions",
                to="thrive_integration.contact",
            ),
        ),
        migrations.AlterField(
            model_name="searchcommission",
            name="search",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="commissions",
                to="thrive_integration.search",
            ),
        ),
        migrations.AlterField(
            model_name="searchdocument",
            name="search",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="documents",
                to="thrive_integration.search",
            ),
        ),
        migrations.AlterField(
            model_name="searchteammembership",
            name="search",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="team_memberships",
                to="thrive_integration.search",
            ),
        ),
        migrations.AddConstraint(
            model_name="candidacycomment",
            constraint=models.UniqueConstraint(
                fields=("candidacy", "remote_id"), name="thrive_candidacy_comment_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="candidacytag",
            constraint=models.UniqueConstraint(
                fields=("candidacy", "remote_id"), name="thrive_candidacy_tag_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="contactcomment",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_contact_comment_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="contactconnection",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_contact_connection_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="contactdocument",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_contact_document_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="contactnote",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_contact_note_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="contactreference",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_contact_reference_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="education",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_education_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="fundinground",
            constraint=models.UniqueConstraint(
                fields=("company", "remote_id"), name="thrive_funding_round_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="introduction",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_introduction_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="investment",
            constraint=models.UniqueConstraint(
                fields=("company", "remote_id"), name="thrive_investment_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="offlimitreason",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_off_limit_reason_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="outreach",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_outreach_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="position",
            constraint=models.UniqueConstraint(
                fields=("contact", "remote_id"), name="thrive_position_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="searchcommission",
            constraint=models.UniqueConstraint(
                fields=("search", "remote_id"), name="thrive_search_commission_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="searchdocument",
            constraint=models.UniqueConstraint(
                fields=("search", "remote_id"), name="thrive_search_document_remote_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="searchteammembership",
            constraint=models.UniqueConstraint(
                fields=("search", "remote_id"), name="thrive_search_team_membership_remote_id"
            ),
        ),
        # `<team>:<id>`: an id of up to 64 characters, and the longest team's name.
        migrations.AlterField(
            model_name="searchteammembership",
            name="remote_id",
            field=models.CharField(max_length=76),
        ),
        migrations.RunPython(rewrite_parents_on_next_import, migrations.RunPython.noop),
    ]
