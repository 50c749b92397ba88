"""API tokens expire, can be revoked, and end with a log-out or a new password; every user can change theirs."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import ApiToken, AuditEvent
from core.services import api_token_issue

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-2026"
NEW_PASSWORD = "lake-side-orchard-2027"


def _issue(username: str, client=None) -> str:
    response = (client or Client()).post(reverse("api:token"), {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _me(token: str):
    return Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}")


def _post(name: str, token: str):
    return Client().post(reverse(name), HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_works_until_its_lifetime_is_over_and_then_is_refused(world, settings):
    settings.API_TOKEN_TTL = timedelta(hours=2)
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        response = Client().post(reverse("api:token"), {"username": "member", "password": PASSWORD})
        token = response.json()["token"]
        expiry = datetime.fromisoformat(response.json()["expiry"])  # in Shanghai time; the instant is what counts
        assert expiry == issued + timedelta(hours=2) and expiry.utcoffset() == timedelta(hours=8)
    with time_machine.travel(issued + timedelta(hours=2) - timedelta(minutes=1), tick=False):
        assert _me(token).status_code == 200
    with time_machine.travel(issued + timedelta(hours=2, minutes=1), tick=False):
        response = _me(token)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_the_token_lifetime_is_read_from_the_environment():
    import os
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; print(settings.API_TOKEN_TTL)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cppcc_portal.settings", "API_TOKEN_TTL_HOURS": "36"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "1 day, 12:00:00"
    bad = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, "API_TOKEN_TTL_HOURS": "0"}
    )
    assert bad.returncode != 0 and "ImproperlyConfigured" in bad.stderr


def test_only_a_hash_of_the_token_is_stored(world):
    token = _issue("member")
    row = ApiToken.objects.get(user=world.member)
    assert token not in (row.digest, row.token_key) and len(row.digest) == 128


def test_api_logout_revokes_the_token_it_was_made_with_and_no_other(world):
    phone, tablet = _issue("member"), _issue("member")
    assert _post("api:token-logout", phone).status_code == 204
    assert _me(phone).status_code == 401
    assert _me(tablet).status_code == 200


def test_logout_all_revokes_every_token_of_the_user_and_only_theirs(world):
    phone, tablet, other = _issue("member"), _issue("member"), _issue("convener")
    assert _post("api:token-logout-all", phone).status_code == 204
    assert _me(phone).status_code == 401 and _me(tablet).status_code == 401
    assert _me(other).status_code == 200
    event = AuditEvent.objects.get(verb="api_tokens_revoked", object_id=str(world.member.pk))
    assert event.data["reason"] == "api_logout_all" and len(event.data["tokens"]) == 2


def test_api_logout_with_a_session_instead_of_a_token_is_a_clear_refusal(world, client_for):
    response = client_for(world.member).post(reverse("api:token-logout"))
    assert response.status_code == 400


def test_a_browser_session_can_revoke_all_its_users_tokens(world, client_for):
    token = _issue("member")
    assert client_for(world.member).post(reverse("api:token-logout-all")).status_code == 204
    assert _me(token).status_code == 401


def test_logging_out_of_the_portal_revokes_the_users_api_tokens(world, client):
    token, other = _issue("member"), _issue("convener")
    client.post(reverse("login"), {"username": "member", "password": PASSWORD})
    assert client.post(reverse("logout")).status_code == 302
    assert _me(token).status_code == 401
    assert _me(other).status_code == 200


def test_a_revoked_token_is_401_everywhere_in_the_api(world):
    token = _issue("staff")
    _post("api:token-logout", token)
    for name in ("api:me", "api:proposal-list", "api:member-list"):
        response = Client().get(reverse(name), HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 401, name


def test_a_token_of_a_deactivated_user_is_refused(world):
    token = _issue("member")
    world.member.is_active = False
    world.member.save()
    assert _me(token).status_code == 401


def test_a_password_set_anywhere_ends_the_tokens_issued_before(world):
    """The admin, ``manage.py changepassword`` and a shell do not go through the portal's page."""
    token = _issue("member")
    world.member.set_password(NEW_PASSWORD)
    world.member.save()
    assert _me(token).status_code == 401
    assert _me(api_token_issue(user=world.member, actor=world.member)[1]).status_code == 200


@pytest.mark.parametrize("role", ["member", "unit_user"])
def test_every_user_can_change_their_password_and_it_revokes_their_tokens(world, client, role):
    user = getattr(world, role)
    token = _issue(user.username)
    other_device = Client()
    other_device.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _me(token).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get(reverse("notifications:inbox")).status_code == 200  # this session stays
    assert other_device.get(reverse("notifications:inbox")).status_code == 302  # the other one ends
    assert AuditEvent.objects.filter(verb="password_changed", object_id=str(user.pk)).exists()


def test_a_wrong_current_password_changes_nothing(world, client_for):
    client = client_for(world.member)
    token = _issue("member")
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.check_password(PASSWORD)
    assert _me(token).status_code == 200


def test_a_weak_new_password_is_refused_in_chinese(world, client_for):
    response = client_for(world.member).post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200 and "密码" in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.check_password(PASSWORD)


def test_the_user_menu_links_to_the_password_page(world, client_for):
    page = client_for(world.unit_user).get(reverse("notifications:inbox")).content.decode()
    assert reverse("password_change") in page


def test_issuing_a_token_is_audited_with_the_client_address_and_drops_expired_tokens(world, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.10"]
    with time_machine.travel(timezone.now() - settings.API_TOKEN_TTL - timedelta(hours=1)):
        api_token_issue(user=world.member, actor=world.member)
    Client().post(
        reverse("api:token"),
        {"username": "member", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.10",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert ApiToken.objects.filter(user=world.member).count() == 1
    event = AuditEvent.objects.filter(verb="api_token_issued", object_id=str(world.member.pk)).first()
    assert event.data["ip"] == "203.0.113.5"
