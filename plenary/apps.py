from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlenaryConfig(AppConfig):
    name = "plenary"
    verbose_name = _("Plenary attendance")

    def ready(self):
        from plenary import verbs  # noqa: F401  (registers the audit verbs)
