"""Login protection and the security audit trail."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _try(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_a_login_and_a_failed_login_are_in_the_audit_trail(client):
    user = f.UserFactory(username="wang")
    _try(client, "wang", "wrong-password")
    assert _try(client, "wang", "demo-pass-2026").status_code == 302
    verbs = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("verb", flat=True))
    assert "login_failed" in verbs and "logged_in" in verbs


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, settings):
    f.UserFactory(username="li")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "li", "wrong-password")
    response = _try(client, "li", "demo-pass-2026")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_does_not_spill_over_to_another_user(client, settings):
    f.UserFactory(username="li")
    f.UserFactory(username="zhao")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "li", "wrong-password")
    assert _try(client, "zhao", "demo-pass-2026").status_code == 302


def test_changing_the_password_logs_out_every_other_session(client):
    user = f.UserFactory(username="sun")
    other_device = Client()
    assert _try(other_device, "sun", "demo-pass-2026").status_code == 302
    assert _try(client, "sun", "demo-pass-2026").status_code == 302
    user.set_password("a-new-long-password-2027")
    user.save()
    assert other_device.get(reverse("groups:my_groups")).status_code == 302  # back to the login page


def test_granting_and_revoking_a_staff_position_is_audited(world):
    position = f.StaffPositionFactory(committee=world.district, user=world.member)
    position.delete()
    verbs = set(AuditEvent.objects.filter(object_id=str(world.member.pk)).values_list("verb", flat=True))
    assert {"position_granted", "position_revoked"} <= verbs


def test_making_a_user_superuser_is_audited(world):
    world.member.is_superuser = True
    world.member.save()
    event = AuditEvent.objects.get(verb="privileges_changed", object_id=str(world.member.pk))
    assert event.data == {"is_superuser": [False, True]}


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password", "abc"):
        with pytest.raises(ValidationError):
            validate_password(weak)


@pytest.mark.parametrize(
    "path, payload",
    [
        ("/accounts/login/", None),
        ("/api/v1/auth/token/", "json"),
    ],
)
def test_a_failed_login_for_an_unknown_username_is_a_clear_refusal_and_audited(client, path, payload):
    """Found by the API fuzzer: the audit row for an unknown user was built on an unsaved AuditEvent whose
    ``__str__`` crashed (no ``created_at``), turning every such attempt into a 500."""
    data = {"username": "nobody-here", "password": "wrong-password-1"}
    response = client.post(path, data, content_type="application/json") if payload else client.post(path, data)
    assert response.status_code in (200, 400)
    assert AuditEvent.objects.filter(verb="login_failed", data__username="nobody-here").exists()
