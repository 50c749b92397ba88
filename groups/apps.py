from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Organisation and activity groups")

    def ready(self):
        from groups import (  # noqa: F401  (answers core.directory)
            directory,
            signals,
            verbs,  # noqa: F401  (registers the audit verbs)
        )
        from groups.services import records  # noqa: F401  (register what follows an admin edit of their rows)

        signals.connect_position_audit()
