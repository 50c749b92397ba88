from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from core import signals  # noqa: F401  (connects the security audit receivers)

        # Each app registers its reminder rules in <app>/reminders.py, its calendar providers in
        # <app>/calendars.py, its domain events (core.events) in <app>/events.py and its subscribers in
        # <app>/subscribers.py; importing them here fills the registries in web, worker and beat alike.
        autodiscover_modules("reminders", "calendars", "events", "subscribers")
