"""Notifications and reminders: the in-app inbox, channels, exactly-once delivery, rules, calendar feed.

Public entry points for other apps:

- ``notifications.services.notify(kind=, recipient=, obj=, due=, title=, body=, url=)`` — idempotent.
- ``notifications.services.notify_many([Notice(...), ...])`` — the same for many people at once, set-based
  (one transaction and five queries per batch of 1,000); rules and fan-out subscribers use it.
- ``notifications.rules.register(name, kind=..., ...)`` — a reminder rule run by Celery beat
  (put it in ``<app>/reminders.py``; it is imported at start-up).
- ``notifications.calendar.register(name)`` — a calendar provider for the private iCal feed
  (put it in ``<app>/calendars.py``).

See ``docs/NOTIFICATIONS.md``.
"""
