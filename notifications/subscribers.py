"""What notifications does when core says something happened (``core.events``; imported at start-up)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.events import subscribe
from core.export_jobs import ExportFinished
from core.models import ExportJob

from .models import Kind
from .services import notify


@subscribe(ExportFinished)
def tell_requester_export_finished(event: ExportFinished) -> None:
    """The one who asked for an export prepared in the background: it is ready in "My exports", or it failed and
    why (after commit; keyed on the job, so a delivery that comes twice tells once)."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=event.job_id).first()
    if job is None or job.state not in (ExportJob.State.DONE, ExportJob.State.FAILED):
        return
    with translation.override(settings.LANGUAGE_CODE):
        if job.state == ExportJob.State.DONE:
            title = _("Your export is ready: %(title)s") % {"title": job.title}
            body = _("Download it from My exports.")
        else:
            title = _("Your export could not be prepared: %(title)s") % {"title": job.title}
            body = job.error
        notify(
            kind=Kind.EXPORT_FINISHED,
            recipient=job.requested_by,
            obj=job,
            due=event.occurred_on,
            title=title,
            body=body,
            url=reverse("exports"),
        )
