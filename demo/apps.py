from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only when ``settings.DEMO`` is on (DEBUG, or DEMO=true): it brings ``manage.py seed_demo``."""

    name = "demo"
    verbose_name = "Demo data"
