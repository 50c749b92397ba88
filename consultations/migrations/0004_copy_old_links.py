"""Carry the placeholder links over to the real ones (separate migration: PostgreSQL's deferred FK checks)."""
import re

from django.db import migrations


def copy_old_links(apps, schema_editor):
    Session = apps.get_model("consultations", "ConsultationSession")
    Outcome = apps.get_model("consultations", "Outcome")
    Activity = apps.get_model("groups", "Activity")
    Proposal = apps.get_model("proposals", "Proposal")
    legacy = Session.objects.filter(legacy_activity_id__isnull=False)
    existing = set(Activity.objects.filter(pk__in=legacy.values("legacy_activity_id")).values_list("pk", flat=True))
    for session in legacy.only("pk", "legacy_activity_id"):
        if session.legacy_activity_id in existing:
            Session.objects.filter(pk=session.pk).update(activity_id=session.legacy_activity_id)
    for outcome in Outcome.objects.exclude(proposal_ref="").only("pk", "committee_id", "proposal_ref"):
        ref = outcome.proposal_ref.strip()
        proposal = None
        if ref.isdigit():
            proposal = Proposal.objects.filter(pk=int(ref), committee_id=outcome.committee_id).first()
        if proposal is None:
            digits = re.findall(r"\d+", ref)
            if digits:
                proposal = (Proposal.objects.filter(committee_id=outcome.committee_id, serial_number=int(digits[-1]))
                            .order_by("-year").first())
        if proposal is not None:
            Outcome.objects.filter(pk=outcome.pk).update(proposal_id=proposal.pk)



class Migration(migrations.Migration):
    dependencies = [("consultations", "0003_links_to_activities_and_proposals")]

    operations = [migrations.RunPython(copy_old_links, migrations.RunPython.noop, elidable=True)]
