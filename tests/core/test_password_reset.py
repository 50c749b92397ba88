"""Password reset for everyone: a link by e-mail (Django's token) or a six-digit code by SMS (hashed, expiring,
few tries, limited per number and per network). Never a password in clear; every reset audited."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from core.models import ApiToken, PasswordResetCode
from core.services import api_token_issue, events_for, password_reset_code_confirm, password_reset_code_send
from tests.core.backends import RecordingSmsBackend

pytestmark = pytest.mark.django_db
NEW = "a-good-long-passphrase"


@pytest.fixture
def sms(settings, monkeypatch):
    """The codes texted, at once (the service texts after commit; a test's transaction never commits)."""
    from django.db import transaction

    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    RecordingSmsBackend.sent.clear()
    return RecordingSmsBackend.sent


@pytest.fixture
def phoned(world):
    user = world.member
    user.phone, user.email = "13700000001", "member@example.cn"
    user.save()
    return user


def _code(sent) -> str:
    return sent[-1][2]["code"]


def test_a_member_resets_the_password_by_email_and_the_link_works_once(phoned, client):
    response = client.post(reverse("password_reset"), {"email": "member@example.cn"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "重置" in mail.outbox[0].subject or "密码" in mail.outbox[0].subject
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    phoned.refresh_from_db()
    assert phoned.check_password(NEW)
    assert events_for(phoned).filter(verb="password_reset", data__by="link").exists()
    assert not client.get(link, follow=True).context["validlink"]  # used: the password hash changed


def test_an_unknown_email_address_gets_the_same_answer_and_no_mail(world, client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.cn"})
    assert response.status_code == 302 and not mail.outbox


def test_a_member_resets_the_password_with_a_code_by_sms(phoned, client, sms):
    api_token_issue(user=phoned, actor=phoned)
    response = client.post(reverse("password_reset_sms"), {"phone": "13700000001"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_sms_confirm")
    assert sms[-1][0] == "13700000001"
    code = _code(sms)
    row = PasswordResetCode.objects.get(user=phoned)
    assert code not in row.code_hash and len(row.code_hash) == 64  # only a keyed hash is kept
    page = client.get(reverse("password_reset_sms_confirm"))
    assert page.context["form"]["phone"].value() == "13700000001"
    done = client.post(
        reverse("password_reset_sms_confirm"),
        {"phone": "13700000001", "code": code, "new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    phoned.refresh_from_db()
    assert phoned.check_password(NEW) and not ApiToken.objects.filter(user=phoned).exists()
    assert events_for(phoned).filter(verb="password_reset", data__by="sms").exists()
    with pytest.raises(DomainError):  # used once
        password_reset_code_confirm(phone="13700000001", code=code, password=NEW + "x")


def test_an_unknown_number_is_told_the_same_and_nothing_is_sent(world, client, sms):
    response = client.post(reverse("password_reset_sms"), {"phone": "13799999999"})
    assert response.status_code == 302 and not sms


def test_a_wrong_code_uses_up_the_tries_and_then_even_the_right_code_fails(phoned, sms, settings):
    settings.SMS_CODE_MAX_ATTEMPTS = 3
    password_reset_code_send(phone="13700000001", ip="10.0.0.1")
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(DomainError) as refused:
            password_reset_code_confirm(phone="13700000001", code=wrong, password=NEW)
        assert str(left) in str(refused.value)
    with pytest.raises(DomainError):
        password_reset_code_confirm(phone="13700000001", code=wrong, password=NEW)
    with pytest.raises(DomainError):
        password_reset_code_confirm(phone="13700000001", code=code, password=NEW)
    phoned.refresh_from_db()
    assert not phoned.check_password(NEW)
    assert PasswordResetCode.objects.get().attempts == 3


def test_an_expired_code_fails_and_a_newer_code_replaces_an_older_one(phoned, sms):
    now = timezone.now()
    password_reset_code_send(phone="13700000001", now=now - timedelta(minutes=30))
    old = _code(sms)
    with pytest.raises(DomainError):
        password_reset_code_confirm(phone="13700000001", code=old, password=NEW)
    password_reset_code_send(phone="13700000001")
    new = _code(sms)
    if new != old:
        with pytest.raises(DomainError):
            password_reset_code_confirm(phone="13700000001", code=old, password=NEW)
    password_reset_code_confirm(phone="13700000001", code=new, password=NEW)
    phoned.refresh_from_db()
    assert phoned.check_password(NEW)


def test_codes_are_limited_per_number_and_per_network(phoned, sms, settings, client):
    settings.SMS_CODE_MAX_PER_PHONE_PER_DAY = 2
    settings.SMS_CODE_MAX_PER_IP_PER_HOUR = 3
    now = timezone.now()
    password_reset_code_send(phone="13700000001", ip="10.0.0.1", now=now - timedelta(minutes=10))
    with pytest.raises(DomainError, match="."):  # too soon after the last one
        password_reset_code_send(phone="13700000001", ip="10.0.0.2", now=now - timedelta(minutes=10))
    password_reset_code_send(phone="13700000001", ip="10.0.0.1", now=now - timedelta(minutes=5))
    with pytest.raises(DomainError):  # the number's daily limit
        password_reset_code_send(phone="13700000001", ip="10.0.0.3", now=now)
    password_reset_code_send(phone="13711111111", ip="10.0.0.1", now=now)  # unknown numbers count too
    with pytest.raises(DomainError):  # the network's hourly limit
        password_reset_code_send(phone="13722222222", ip="10.0.0.1", now=now)
    assert len(sms) == 2
    # the page shows the refusal on the form, with the number kept
    settings.SMS_CODE_MAX_PER_IP_PER_HOUR = 0
    page = client.post(reverse("password_reset_sms"), {"phone": "13733333333"})
    assert page.status_code == 200 and page.context["form"].errors
    assert 'value="13733333333"' in page.content.decode()


def test_two_logins_with_one_number_get_no_code(phoned, world, sms):
    world.convener.phone = "13700000001"
    world.convener.save()
    assert password_reset_code_send(phone="13700000001") is False
    assert not sms


def test_a_deactivated_login_gets_no_code(phoned, sms):
    phoned.is_active = False
    phoned.save()
    assert password_reset_code_send(phone="13700000001") is False and not sms


def test_the_reset_pages_are_chinese_and_linked_from_the_login_page(client):
    login = client.get(reverse("login")).content.decode()
    assert reverse("password_reset_sms") in login and reverse("password_reset") in login
    for name in ("password_reset", "password_reset_sms", "password_reset_sms_confirm", "password_reset_done"):
        text = client.get(reverse(name)).content.decode()
        assert "密码" in text or "验证码" in text or "邮件" in text, name
    bad = client.get(reverse("first_login", args=["MQ", "abc-def"]), follow=True)
    assert bad.status_code == 200 and "链接" in bad.content.decode()


def test_email_links_are_limited_per_address_and_per_network(phoned, settings, client):
    from core.services import password_reset_email_request

    settings.PASSWORD_RESET_EMAIL_MAX_PER_DAY = 2
    settings.PASSWORD_RESET_EMAIL_MAX_PER_IP_PER_HOUR = 3
    now = timezone.now()
    password_reset_email_request(email="member@example.cn", ip="10.0.0.1", now=now - timedelta(minutes=10))
    with pytest.raises(DomainError):  # too soon after the last one, whatever the network
        password_reset_email_request(email="Member@Example.cn", ip="10.0.0.2", now=now - timedelta(minutes=10))
    password_reset_email_request(email="member@example.cn", ip="10.0.0.1", now=now - timedelta(minutes=5))
    with pytest.raises(DomainError):  # the address's daily limit
        password_reset_email_request(email="member@example.cn", ip="10.0.0.3", now=now)
    password_reset_email_request(email="nobody@example.cn", ip="10.0.0.1", now=now)  # unknown addresses count too
    with pytest.raises(DomainError):  # the network's hourly limit
        password_reset_email_request(email="other@example.cn", ip="10.0.0.1", now=now)


def test_the_email_page_refuses_past_the_limit_in_chinese_and_sends_nothing(phoned, settings, client):
    assert client.post(reverse("password_reset"), {"email": "member@example.cn"}).status_code == 302
    again = client.post(reverse("password_reset"), {"email": "member@example.cn"})
    assert again.status_code == 200 and "请稍等一分钟" in again.content.decode()
    assert 'value="member@example.cn"' in again.content.decode()
    assert len(mail.outbox) == 1
    settings.PASSWORD_RESET_EMAIL_MAX_PER_IP_PER_HOUR = 1
    other = client.post(reverse("password_reset"), {"email": "someone@example.cn"})
    assert "该网络" in other.content.decode() and len(mail.outbox) == 1
