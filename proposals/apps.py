from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals and public-opinion reports")

    def ready(self):
        # Register what follows an admin edit of a counted record or of a calendar day.
        from proposals import (  # noqa: F401
            holidays,
            services,
            verbs,  # noqa: F401  (registers the audit verbs)
        )
