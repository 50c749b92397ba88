from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activity ledger")

    def ready(self):
        from activities import coverage, verbs  # noqa: F401  (the audit verbs; the coverage counts' member hooks)
        from activities.services import contacts  # noqa: F401  (register what follows an admin edit of their rows)
