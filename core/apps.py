from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from core import (  # noqa: F401  (the deploy checks; the security audit receivers)
            checks,
            signals,
            verbs,  # noqa: F401  (registers core's audit verbs)
        )
        from core.choices import install_choice_labels, install_empty_choice_label
        from core.pdf import compress_quickly, lock_reportlab

        lock_reportlab()  # before any PDF is written: ReportLab reads no URL and no file but fonts
        compress_quickly()
        _bound_pillow()
        install_empty_choice_label()  # "请选择", not "---------", in every select
        install_choice_labels()  # get_<field>_display without building a dict of the choices on every call

        # Each app registers its reminder rules in <app>/reminders.py, its calendar providers in
        # <app>/calendars.py, its domain events (core.events) in <app>/events.py and its subscribers in
        # <app>/subscribers.py, its searched pickers' sources (core.pickers) in <app>/pickers.py, its exports
        # (core.export_jobs) in <app>/exports.py; importing them here fills the registries in web, worker and beat
        # alike.
        autodiscover_modules("reminders", "calendars", "events", "subscribers", "pickers", "exports")
        from core.events import keep_deliveries_until_done

        keep_deliveries_until_done()  # an event delivery's outbox row stays until it is done (worker killed: resent)


def _bound_pillow() -> None:
    """Pillow itself refuses (past twice the budget) or warns about images over the upload pixel budget, so any
    image path, present or future, is bounded; uploads are checked against the budget exactly by
    ``core.uploads.UploadValidator``."""
    from django.conf import settings
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_IMAGE_PIXELS
