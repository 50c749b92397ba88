from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from core import signals

        signals.connect_position_audit()

        # Each app registers its reminder rules in <app>/reminders.py, its calendar providers in
        # <app>/calendars.py and its domain-event subscribers (core.events) in <app>/subscribers.py;
        # importing them here fills the registries in web, worker and beat alike.
        autodiscover_modules("reminders", "calendars", "subscribers")
