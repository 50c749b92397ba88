"""Logins for members, made in bulk by the secretariat: no password, a first-login link (sent or printed once),
deactivated at the end of a term; the user admin shows staff their own committee's members' logins only."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from core.accounts import first_login_token
from core.exceptions import DomainError
from core.models import ApiToken
from core.services import api_token_issue, events_for
from groups.models import Committee, Member
from groups.services import logins
from notifications import delivery
from notifications.models import Kind, Notification
from tests import factories as f
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def newcomers(world):
    return [
        f.MemberFactory(committee=world.district, name="张伟", phone="13900000001", email="zw@example.cn"),
        f.MemberFactory(committee=world.district, name="李娜", phone="13900000002"),
    ]


def test_staff_create_logins_named_by_phone_with_no_password_and_an_audit_row(world, newcomers):
    outcomes = logins.member_logins_create(
        member_ids=[m.pk for m in newcomers], actor=world.district_staff, deliver=logins.PRINT
    )
    assert sorted(o.username for o in outcomes) == ["13900000001", "13900000002"]
    for member in newcomers:
        member.refresh_from_db()
        user = member.user
        assert user.username == member.phone and user.name == member.name and user.phone == member.phone
        assert not user.has_usable_password() and user.is_active and not user.is_staff
        event = events_for(member).get(verb="login_created")
        assert event.actor == world.district_staff and event.data["username"] == user.username
    links = {o.member.pk: o.link for o in outcomes}
    assert all(link.startswith("http") and "/accounts/first-login/" in link for link in links.values())


def test_the_committee_may_name_logins_in_pinyin_and_a_taken_name_gets_a_number(world, newcomers):
    Committee.objects.filter(pk=world.district.pk).update(login_username_rule="pinyin")
    f.UserFactory(username="zhangwei")
    outcomes = logins.member_logins_create(member_ids=[m.pk for m in newcomers], actor=world.district_staff)
    assert sorted(o.username for o in outcomes) == ["lina", "zhangwei2"]


def test_the_portal_setting_names_logins_when_the_committee_chose_nothing(world, newcomers, settings):
    settings.MEMBER_USERNAME_RULE = "pinyin"
    outcomes = logins.member_logins_create(member_ids=[newcomers[0].pk], actor=world.district_staff)
    assert outcomes[0].username == "zhangwei"


def test_members_without_a_phone_in_use_or_who_left_get_no_login_and_are_told_why(world, newcomers):
    no_phone = f.MemberFactory(committee=world.district, name="王芳", phone="")
    gone = f.MemberFactory(committee=world.district, name="赵强", status=Member.Status.LEFT)
    outcomes = logins.member_logins_create(
        member_ids=[no_phone.pk, gone.pk, world.member_record.pk], actor=world.district_staff
    )
    skipped = {o.member.pk: o.skipped for o in outcomes}
    assert all(skipped.values())
    assert "手机" in skipped[no_phone.pk] or "phone" in skipped[no_phone.pk].lower()
    assert not User.objects.filter(name__in=["王芳", "赵强"]).exists()


def test_another_committees_staff_cannot_create_or_deactivate_our_members_logins(world, newcomers):
    for actor in (world.other_staff, world.member, world.convener):
        with pytest.raises(DomainError):
            logins.member_logins_create(member_ids=[newcomers[0].pk], actor=actor)
        with pytest.raises(DomainError):
            logins.member_logins_deactivate(member_ids=[world.member_record.pk], actor=actor)
    with pytest.raises(DomainError):  # one foreign member refuses the whole batch
        logins.member_logins_create(member_ids=[newcomers[0].pk, world.outsider_member.pk], actor=world.district_staff)
    assert not Member.objects.filter(pk=newcomers[0].pk, user__isnull=False).exists()


def test_the_first_login_link_is_sent_by_sms_and_email_after_commit_never_a_password(world, newcomers, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    from tests.core.backends import RecordingSmsBackend

    RecordingSmsBackend.sent.clear()
    logins.member_logins_create(member_ids=[m.pk for m in newcomers], actor=world.district_staff)
    assert not Notification.objects.filter(kind=Kind.ACCOUNT_INVITATION).exists()  # not before commit
    deliver_outboxed_events()
    notices = Notification.objects.filter(kind=Kind.ACCOUNT_INVITATION)
    assert {n.recipient.name for n in notices} == {"张伟", "李娜"}
    delivery.deliver_batch()
    phones = sorted(phone for phone, _template, _params, _out_id in RecordingSmsBackend.sent)
    assert phones == ["13900000001", "13900000002"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zw@example.cn"]  # only 张伟 has an e-mail address
    params = RecordingSmsBackend.sent[0][2]
    assert "/accounts/first-login/" in params["link"] and not any("password" in v for v in params.values())


def test_a_new_link_for_an_unused_login_kills_the_old_one_and_a_used_login_gets_none(world, newcomers):
    first = logins.member_logins_create(member_ids=[newcomers[0].pk], actor=world.district_staff, deliver=logins.PRINT)[
        0
    ]
    again = logins.member_logins_create(member_ids=[newcomers[0].pk], actor=world.district_staff, deliver=logins.PRINT)[
        0
    ]
    assert not again.created and again.link != first.link
    assert events_for(newcomers[0]).filter(verb="first_login_link_renewed").exists()
    user = Member.objects.get(pk=newcomers[0].pk).user
    old_token = first.link.rstrip("/").rsplit("/", 1)[-1]
    new_token = again.link.rstrip("/").rsplit("/", 1)[-1]
    assert not first_login_token.check_token(user, old_token)
    assert first_login_token.check_token(user, new_token)
    user.set_password("a-good-long-passphrase")
    user.save()
    third = logins.member_logins_create(member_ids=[newcomers[0].pk], actor=world.district_staff)[0]
    assert third.skipped and not first_login_token.check_token(user, new_token)


def test_deactivating_at_the_end_of_a_term_switches_logins_off_and_revokes_api_tokens(world):
    user = world.member
    api_token_issue(user=user, actor=user)
    outcomes = logins.member_logins_deactivate(member_ids=[world.member_record.pk], actor=world.district_staff)
    user.refresh_from_db()
    assert not user.is_active and not outcomes[0].skipped
    assert not ApiToken.objects.filter(user=user).exists()
    assert events_for(user).get(verb="login_deactivated").actor == world.district_staff
    assert events_for(world.member_record).filter(verb="login_deactivated").exists()


def test_a_login_that_is_also_a_staff_position_is_not_deactivated(world):
    member = f.MemberFactory(committee=world.district, user=world.district_staff)
    outcomes = logins.member_logins_deactivate(member_ids=[member.pk], actor=world.staff)
    world.district_staff.refresh_from_db()
    assert outcomes[0].skipped and world.district_staff.is_active


# --- the admin ---------------------------------------------------------------------------------------


def test_the_member_admin_prints_the_links_once_and_deactivates(world, newcomers, client_for):
    client = client_for(world.district_staff)
    url = reverse("admin:groups_member_changelist")
    page = client.post(url, {"action": "create_logins_and_print", "_selected_action": [m.pk for m in newcomers]})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert text.count('data-testid="first-login-link"') == 2 and "13900000001" in text
    response = client.post(
        url, {"action": "deactivate_logins", "_selected_action": [newcomers[0].pk], "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.get(username="13900000001").is_active


def test_the_user_admin_lets_staff_see_and_edit_their_members_logins_only(world, client_for, newcomers):
    logins.member_logins_create(member_ids=[m.pk for m in newcomers], actor=world.district_staff)
    ours = User.objects.get(username="13900000001")
    client = client_for(world.district_staff)
    listing = client.get(reverse("admin:core_user_changelist"))
    assert listing.status_code == 200
    shown = {u.username for u in listing.context["cl"].result_list}
    assert {"13900000001", "13900000002", world.member.username, world.convener.username} <= shown
    assert not shown & {
        world.outsider_member.user.username,
        world.district_staff.username,
        world.staff.username,
        world.unit_user.username,
    }
    change = reverse("admin:core_user_change", args=[ours.pk])
    assert client.get(change).status_code == 200
    response = client.post(change, {"name": "张伟", "phone": "13900000009", "email": "new@example.cn"})
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.phone == "13900000009" and ours.is_active and not ours.has_usable_password()
    assert events_for(ours).filter(verb="updated").exists()
    assert client.get(reverse("admin:auth_user_password_change", args=[ours.pk])).status_code == 403
    # another committee's staff: neither our members' logins nor their pages
    other = client_for(world.other_staff)
    shown = {u.username for u in other.get(reverse("admin:core_user_changelist")).context["cl"].result_list}
    assert shown == {world.outsider_member.user.username}
    assert other.get(change).status_code in (302, 403, 404)
    assert other.post(change, {"name": "x", "phone": "1", "email": ""}).status_code in (302, 403, 404)
    ours.refresh_from_db()
    assert ours.name == "张伟"
    # a staff login is never theirs to edit
    assert client.get(reverse("admin:core_user_change", args=[world.staff.pk])).status_code in (302, 403, 404)


def test_staff_create_and_deactivate_logins_through_the_api_within_their_committee(world, newcomers, client_for):
    client = client_for(world.district_staff)
    made = client.post(
        "/api/v1/members/logins/",
        {"members": [m.pk for m in newcomers], "deliver": "print"},
        content_type="application/json",
    )
    assert made.status_code == 200, made.content
    assert {row["username"] for row in made.json()} == {"13900000001", "13900000002"}
    assert all("/accounts/first-login/" in row["link"] for row in made.json())
    stranger = f.MemberFactory(committee=world.other, phone="13900000009")
    refused = client.post("/api/v1/members/logins/", {"members": [stranger.pk]}, content_type="application/json")
    assert refused.status_code == 400 and "members" in refused.json()
    stranger.refresh_from_db()
    assert stranger.user_id is None
    off = client.post(
        "/api/v1/members/logins/deactivate/", {"members": [newcomers[0].pk]}, content_type="application/json"
    )
    assert off.status_code == 200
    newcomers[0].refresh_from_db()
    assert not newcomers[0].user.is_active
    member_try = client_for(world.member).post(
        "/api/v1/members/logins/", {"members": [newcomers[1].pk]}, content_type="application/json"
    )
    assert member_try.status_code in (400, 403)
