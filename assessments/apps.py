from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Duty records and assessments")

    def ready(self):
        from assessments import (
            services,  # noqa: F401  (registers what follows a rule set's edit)
            verbs,  # noqa: F401  (registers the audit verbs)
        )
