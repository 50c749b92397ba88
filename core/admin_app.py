"""The admin's app config (in ``INSTALLED_APPS`` in place of ``django.contrib.admin``)."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The admin, with every registered model admin's writes going through services: our admins inherit
    ``ServiceDoors``; the libraries' (users' groups, tokens, beat schedules, axes) are wrapped once all are
    registered."""

    def ready(self):
        super().ready()  # autodiscover: every app's admin module is imported by now
        from core.admin_doors import wrap_registered

        wrap_registered(self.module.site)
