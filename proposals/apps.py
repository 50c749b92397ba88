from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals and public-opinion reports")

    def ready(self):
        from proposals import services  # noqa: F401  (registers what follows an admin edit of a counted record)
