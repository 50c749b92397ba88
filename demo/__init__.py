"""The demo committee: ``manage.py seed_demo`` runs the steps listed in its ``STEPS`` (one module per app, then
the ``*_volume`` steps that give two years at a real committee's proportions). Not loaded by production settings
(``settings.DEMO``); it may import every app, and no app imports it (the import-linter contract in pyproject.toml).
"""
