"""The account through the API (#15): the password change of the password page, the notification preferences and
the private calendar link of the preferences page, with the same services."""

import pytest

from core.models import ApiToken
from core.services import events_for
from notifications.models import NotificationSettings

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _token(client, user, password="s3cret-Pass!"):
    user.set_password(password)
    user.save()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": password}, content_type=JSON)
    return response.json()["token"]


def test_a_user_changes_their_password_through_the_api_and_their_tokens_are_revoked(world, client):
    token = _token(client, world.member)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    wrong = client.post(
        "/api/v1/auth/password/",
        {"old_password": "nope", "new_password1": "Another-Pass-2026", "new_password2": "Another-Pass-2026"},
        content_type=JSON,
        **auth,
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()  # the page's form and message
    short = client.post(
        "/api/v1/auth/password/",
        {"old_password": "s3cret-Pass!", "new_password1": "abc", "new_password2": "abc"},
        content_type=JSON,
        **auth,
    )
    assert short.status_code == 400 and "new_password2" in short.json()
    world.member.refresh_from_db()
    assert world.member.check_password("s3cret-Pass!")
    done = client.post(
        "/api/v1/auth/password/",
        {"old_password": "s3cret-Pass!", "new_password1": "Another-Pass-2026", "new_password2": "Another-Pass-2026"},
        content_type=JSON,
        **auth,
    )
    assert done.status_code == 204
    world.member.refresh_from_db()
    assert world.member.check_password("Another-Pass-2026") and not ApiToken.objects.filter(user=world.member).exists()
    assert "password_changed" in [e.verb for e in events_for(world.member)]
    assert client.get("/api/v1/auth/me/", **auth).status_code == 401  # sign in again


def test_anonymous_cannot_change_a_password(client, db):
    response = client.post(
        "/api/v1/auth/password/", {"old_password": "a", "new_password1": "b", "new_password2": "b"}, content_type=JSON
    )
    assert response.status_code in (401, 403)


def test_notification_preferences_and_the_calendar_link_through_the_api(world, client_for):
    world.member.email = "member@example.cn"  # e-mail is offered only to someone with an address
    world.member.save()
    client = client_for(world.member)
    current = client.get("/api/v1/notifications/preferences/")
    assert current.status_code == 200 and current.json()["channels"] == {}  # opt-in: nothing chosen yet
    kind = "activity_tomorrow"
    saved = client.post("/api/v1/notifications/preferences/", {"channels": {kind: ["email"]}}, content_type=JSON)
    assert saved.status_code == 200 and saved.json()["channels"][kind] == ["email"]
    assert NotificationSettings.objects.get(user=world.member).channels[kind] == ["email"]
    bad = client.post("/api/v1/notifications/preferences/", {"channels": {"nonsense": ["email"]}}, content_type=JSON)
    assert bad.status_code == 400
    link = client.post("/api/v1/notifications/calendar-link/", {"action": "regenerate"}, content_type=JSON)
    token = NotificationSettings.objects.get(user=world.member).calendar_token
    assert link.status_code == 200 and token and link.json()["feed_url"].endswith(f"{token}.ics")
    assert client.get(link.json()["feed_url"]).status_code == 200
    off = client.post("/api/v1/notifications/calendar-link/", {"action": "revoke"}, content_type=JSON)
    assert off.json()["feed_url"] is None and NotificationSettings.objects.get(user=world.member).calendar_token is None
    # someone else's settings are untouched
    assert not NotificationSettings.objects.filter(user=world.convener, calendar_token__isnull=False).exists()
