"""Who a user is in the organisation, for core code that must know it without importing the app that does.

core is the ground floor: it imports no app. Yet its admin screens, its notification defaults and the audit
trail need to know a user's committees and roles, which ``groups`` (one floor up) knows. So ``groups``
registers the answers here at start-up (``groups/directory.py``, imported by ``GroupsConfig.ready``), and core
asks through these functions::

    from core import directory
    scope = directory.scope_of(request.user)      # groups.access.Scope

An answer nobody registered is an error at the first call (a missing app, not a silent "nobody").
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_PROVIDERS: dict[str, Callable] = {}


def provide(name: str):
    """Decorator: ``func`` answers the question ``name`` (one of the functions below)."""

    def wrap(func):
        _PROVIDERS[name] = func
        return func

    return wrap


def _ask(name: str, *args):
    try:
        provider = _PROVIDERS[name]
    except KeyError:
        raise ImproperlyConfigured(f"core.directory: no app provides {name!r}") from None
    return provider(*args)


def scope_of(user):
    """The user's access scope: ``is_superuser``, ``staff_committee_ids`` … (see ``groups.access.Scope``)."""
    return _ask("scope_of", user)


def bindable_users(scope):
    """Logins the scope's secretariat may bind to its members, staff positions and handling units."""
    return _ask("bindable_users", scope)


def committee_of_record(obj) -> int | None:
    """The committee a record belongs to, read from the row and what it has loaded (no query); None when that
    does not tell. Stored on each audit row, so staff read their committee's audit log."""
    return _ask("committee_of_record", obj)


def committee_of(user) -> int | None:
    """The committee whose notification defaults apply to ``user`` (as a member, unit user or staff)."""
    return _ask("committee_of", user)


def member_logins(scope):
    """Logins the scope's secretariat manage: their committees' members' own logins (no other tie outside those
    committees, no secretariat position, never a superuser or an admin login)."""
    return _ask("member_logins", scope)
