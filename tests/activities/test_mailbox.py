"""The members' mailbox 委员信箱 / 约见委员: the public form and its defences, routing, answers, visits, the tracking
page, who sees the resident's name and phone, the overdue reminder, the workbench to-do and the pooled themes."""

from __future__ import annotations

import contextlib
import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.mailbox_challenge import SALT, new_challenge
from activities.models import PublicMessage
from activities.selectors import mailbox as sel
from activities.services import mailbox as svc
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from groups.models import ConstituentContact
from notifications import rules
from notifications.models import Kind, Notification
from tests import factories as f

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.fixture
def point(world):
    """A community contact point of the district, linked to ``world.group``."""
    cp = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(cp)
    return cp


def submit(point, *, text="小区加装电梯进度慢，希望委员帮忙反映", address=ADDRESS, **kw):
    fields = dict(kind="message", category="livelihood", name="王阿姨", phone="13800000000")
    return svc.message_submit(
        target="contact_point", target_id=point.pk, text=text, client_address=address, **{**fields, **kw}
    )


def solved(age: float = 60) -> dict:
    """A challenge drawn ``age`` seconds ago and its right answer."""
    token, _question = new_challenge(now=time.time() - age)
    return {"token": token, "answer": str(signing.loads(token, salt=SALT)["s"])}


def form(**kw) -> dict:
    return {
        "kind": "message",
        "category": "livelihood",
        "text": "路灯坏了三个月没人修",
        "name": "",
        "phone": "",
        "website": "",
        **solved(),
        **kw,
    }


def post(client, point, data, address=ADDRESS):
    return client.post(reverse("activities:mailbox", args=["contact_point", point.pk]), data, REMOTE_ADDR=address)


# --- Submitting -------------------------------------------------------------------------------------------


def test_a_resident_leaves_a_message_and_gets_a_typeable_tracking_code(world, point):
    message = submit(point)
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}", message.tracking_code)
    assert (message.committee, message.state, message.contact_point) == (world.district, "new", point)
    assert message.answer_due == timezone.localdate() + timedelta(days=15)
    assert ADDRESS not in message.client_key and len(message.client_key) == 64  # a keyed hash, not the address
    assert AuditEvent.objects.filter(verb="received", object_id=str(message.pk)).exists()


def test_the_public_page_takes_a_message_without_an_account_and_shows_the_code(world, point):
    response = post(Client(), point, form())
    message = PublicMessage.objects.get()
    assert response.status_code == 302 and message.tracking_code in response["Location"]
    page = Client().get(response["Location"]).content.decode()
    assert message.tracking_display in page and "已收到" in page


@pytest.mark.parametrize(
    "change",
    [
        {"answer": "99"},  # a wrong sum
        {"website": "http://spam.example"},  # the honeypot filled
        {"token": "forged"},  # a token not signed by us
        {"too_fast": True},  # sent a moment after the form was drawn
    ],
)
def test_the_challenge_and_the_honeypot_refuse_robots_and_nothing_is_saved(world, point, change):
    data = form()
    if change.pop("too_fast", False):
        data.update(solved(age=0))
    data.update(change)
    response = post(Client(), point, data)
    assert response.status_code == 200 and not PublicMessage.objects.exists()


def test_size_limits_and_a_bad_phone_are_refused(world, point):
    with pytest.raises(DomainError) as exc:
        submit(point, text="长" * 1001, name="名" * 21, phone="call me")
    assert {"text", "name", "phone"} <= set(exc.value.message_dict)
    assert post(Client(), point, form(text="长" * 1001)).status_code == 200
    assert not PublicMessage.objects.exists()


def test_a_flood_from_one_address_saves_at_most_the_limit_with_a_chinese_refusal(world, point, settings):
    limit = settings.MAILBOX_PER_ADDRESS_PER_HOUR
    client = Client()
    last = None
    for i in range(limit + 50):
        last = post(client, point, form(text=f"第{i}条留言"))
    assert PublicMessage.objects.count() == limit
    assert "留言过于频繁" in last.content.decode()
    # another address is still heard
    assert post(client, point, form(), address="198.51.100.9").status_code == 302
    assert PublicMessage.objects.count() == limit + 1


def test_one_page_takes_at_most_its_hourly_limit_whatever_the_addresses(world, point, settings):
    settings.MAILBOX_PER_TARGET_PER_HOUR = 4
    for i in range(6):
        with contextlib.suppress(DomainError):
            submit(point, address=f"198.51.100.{i}")
    assert PublicMessage.objects.count() == 4


def test_a_closed_contact_point_has_no_mailbox(world, point):
    point.is_active = False
    point.save()
    assert Client().get(reverse("activities:mailbox", args=["contact_point", point.pk])).status_code == 404
    assert Client().get(reverse("activities:mailbox", args=["nowhere", point.pk])).status_code == 404


# --- Handling ---------------------------------------------------------------------------------------------


def test_the_groups_convener_passes_a_message_to_a_member_of_the_group(world, point):
    message = svc.message_route(message_id=submit(point).pk, actor=world.convener, member_id=world.member_record.pk)
    assert (message.state, message.routed_member) == ("routed", world.member_record)
    assert AuditEvent.objects.filter(verb="routed", object_id=str(message.pk)).exists()


@pytest.mark.parametrize("who", ["other_convener", "member", "leader", "unit_user", "other_staff"])
def test_others_may_not_pass_a_message_on(world, point, who):
    message = submit(point)
    with pytest.raises(NotPermitted):
        svc.message_route(message_id=message.pk, actor=getattr(world, who), member_id=world.member_record.pk)
    assert PublicMessage.objects.get().state == "new"


def test_a_convener_passes_only_to_their_own_groups_members(world, point):
    outsider = f.MemberFactory(committee=world.district)
    with pytest.raises(DomainError):
        svc.message_route(message_id=submit(point).pk, actor=world.convener, member_id=outsider.pk)
    svc.message_route(message_id=PublicMessage.objects.get().pk, actor=world.staff, member_id=outsider.pk)  # staff may


def test_the_member_records_a_visit_which_enters_the_contact_log(world, point):
    message = submit(point, kind="meeting")
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    message = svc.message_record_visit(
        message_id=message.pk,
        actor=world.member,
        contacted_on=timezone.localdate(),
        follow_up="向住建局反映",
        answer="已上门了解情况",
    )
    contact = ConstituentContact.objects.get()
    assert (contact.member, contact.contact_point, contact.raised) == (world.member_record, point, message.text)
    assert (message.state, message.contact, message.answer) == ("answered", contact, "已上门了解情况")
    with pytest.raises(InvalidTransition):
        svc.message_record_visit(message_id=message.pk, actor=world.member, contacted_on=timezone.localdate())


def test_only_the_member_it_was_passed_to_answers(world, point):
    message = submit(point)
    with pytest.raises(NotPermitted):
        svc.message_answer(message_id=message.pk, actor=world.member, answer="收到")
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    assert svc.message_answer(message_id=message.pk, actor=world.member, answer="已转交住建局").state == "answered"


def test_spam_is_set_aside_with_a_reason_and_leaves_the_convener_list(world, point, client_for):
    message = submit(point)
    svc.message_discard(message_id=message.pk, actor=world.convener, reason="广告")
    assert PublicMessage.objects.get().state == "discarded"
    assert not PublicMessage.objects.visible_to(world.convener).exists()  # staff alone keep seeing spam
    assert PublicMessage.objects.visible_to(world.staff).exists()
    with pytest.raises(InvalidTransition):
        svc.message_route(message_id=message.pk, actor=world.staff, member_id=world.member_record.pk)


def test_the_routed_member_hears_about_it_once(world, point):
    from tests.events import deliver_outboxed_events

    message = submit(point)
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    deliver_outboxed_events()
    deliver_outboxed_events()
    notes = Notification.objects.filter(kind=Kind.MAILBOX_ROUTED)
    assert [n.recipient for n in notes] == [world.member]


# --- Who sees the resident's name and phone ----------------------------------------------------------------

SEES_PERSONAL = {"staff": True, "district_staff": True, "member": True, "convener": False, "leader": False}


@pytest.mark.parametrize("who, sees", SEES_PERSONAL.items())
def test_the_residents_name_and_phone_only_for_staff_and_the_member_answering(world, point, client_for, who, sees):
    message = submit(point)
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    page = client_for(getattr(world, who)).get(reverse("activities:message_detail", args=[message.pk]))
    assert page.status_code == 200
    assert ("13800000000" in page.content.decode()) is sees and ("王阿姨" in page.content.decode()) is sees
    api = client_for(getattr(world, who)).get(reverse("api:public-message-detail", args=[message.pk])).json()
    assert (api["phone"] == "13800000000") is sees


def test_a_group_it_is_routed_to_shows_the_phone_to_that_groups_conveners(world, point):
    from groups.access import scope_of

    message = svc.message_route(message_id=submit(point).pk, actor=world.staff, group_id=world.group.pk)
    assert message.may_see_personal(scope_of(world.convener))
    assert not message.may_see_personal(scope_of(world.other_convener))


def test_the_tracking_page_never_shows_personal_data(world, point):
    message = submit(point)
    page = Client().get(reverse("activities:mailbox_track", args=[message.tracking_code])).content.decode()
    assert message.text in page and "13800000000" not in page and "王阿姨" not in page


def test_a_typed_code_with_a_dash_and_lower_case_finds_the_message(world, point):
    message = submit(point)
    typed = f"{message.tracking_code[:5].lower()}-{message.tracking_code[5:]}"
    response = Client().get(reverse("activities:mailbox_track_lookup"), {"code": typed})
    assert response.status_code == 302 and message.tracking_code in response["Location"]
    assert "没有" in Client().get(reverse("activities:mailbox_track_lookup"), {"code": "ZZZZZ-ZZZZZ"}).content.decode()


def test_the_tracking_page_shows_the_answer_and_the_proposal_it_became(world, point):
    from proposals.services import proposal_draft_from_message

    message = submit(point)
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    svc.message_answer(message_id=message.pk, actor=world.member, answer="已向住建局反映")
    proposal = proposal_draft_from_message(message_id=message.pk, actor=world.member)
    assert (proposal.source_message, proposal.lead_proposer, proposal.state) == (message, world.member_record, "draft")
    proposal.serial_number = 58
    proposal.save(update_fields=["serial_number"])
    page = Client().get(reverse("activities:mailbox_track", args=[message.tracking_code])).content.decode()
    assert "已向住建局反映" in page and "已转为提案" in page and "第58号" in page
    with pytest.raises(InvalidTransition):
        proposal_draft_from_message(message_id=message.pk, actor=world.member)


def test_only_the_member_it_was_passed_to_turns_it_into_a_proposal(world, point):
    from proposals.services import proposal_draft_from_message

    message = svc.message_route(message_id=submit(point).pk, actor=world.staff, member_id=world.member_record.pk)
    with pytest.raises(NotPermitted):
        proposal_draft_from_message(message_id=message.pk, actor=world.convener)


# --- Overdue: reminder once, workbench to-do ----------------------------------------------------------------


def test_an_overdue_message_is_reminded_exactly_once(world, point):
    message = submit(point)
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    late = message.answer_due + timedelta(days=1)
    rules.run_rule("mailbox_overdue", today=late)
    rules.run_rule("mailbox_overdue", today=late + timedelta(days=1))
    notes = Notification.objects.filter(kind=Kind.MAILBOX_OVERDUE)
    assert [n.recipient for n in notes] == [world.member]
    rules.run_rule("mailbox_overdue", today=message.answer_due)  # not yet late that day: nothing
    assert notes.count() == 1


def test_an_unrouted_overdue_message_reminds_the_staff_and_an_answered_one_nobody(world, point):
    waiting, answered = submit(point), submit(point, address="198.51.100.1")
    svc.message_route(message_id=answered.pk, actor=world.staff, member_id=world.member_record.pk)
    svc.message_answer(message_id=answered.pk, actor=world.member, answer="已答复")
    rules.run_rule("mailbox_overdue", today=waiting.answer_due + timedelta(days=1))
    notes = Notification.objects.filter(kind=Kind.MAILBOX_OVERDUE)
    assert {n.recipient for n in notes} == {world.district_staff}
    assert {str(n.object_id) for n in notes} == {str(waiting.pk)}


def test_the_workbench_counts_overdue_messages_as_rows(world, point, client_for):
    from cppcc_portal.workbench import todos

    message = submit(point)
    PublicMessage.objects.filter(pk=message.pk).update(answer_due=timezone.localdate() - timedelta(days=1))
    counts = dict((t.slug, n) for t, n in todos.counts(world.staff))
    assert counts["messages"] == 1
    page = client_for(world.staff).get(reverse("workbench:todo", args=["messages"])).content.decode()
    assert message.tracking_display in page


# --- Lists and pooled themes ---------------------------------------------------------------------------------


def test_the_list_shows_new_messages_first_in_a_fixed_number_of_queries(
    world, point, client_for, django_assert_max_num_queries
):
    """Each kind of place (contact point, group, platform) and each way of routing (to a member, to a group) is on
    the page when the bound is taken: the places and whom a message went to are read after the rows, one query per
    kind the page holds, so more messages of those kinds add none."""
    client = client_for(world.staff)
    platform = f.PlatformFactory(committee=world.district)

    def one_of_each(n: int) -> None:
        for i in range(n):
            submit(point, address=f"198.51.{n}.{i}")
            svc.message_submit(
                target="group",
                target_id=world.group.pk,
                text="路灯坏了",
                client_address=f"198.52.{n}.{i}",
                kind="message",
                category="livelihood",
                name="李先生",
                phone="13900000000",
            )
            svc.message_submit(
                target="platform",
                target_id=platform.pk,
                text="停车难",
                client_address=f"198.53.{n}.{i}",
                kind="message",
                category="livelihood",
                name="张女士",
                phone="13700000000",
            )
            svc.message_route(
                message_id=submit(point, address=f"198.54.{n}.{i}").pk,
                actor=world.staff,
                member_id=world.member_record.pk,
            )
            svc.message_route(
                message_id=submit(point, address=f"198.55.{n}.{i}").pk, actor=world.staff, group_id=world.group.pk
            )

    one_of_each(1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("activities:messages"))
    one_of_each(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("activities:messages")).status_code == 200


def test_pooled_themes_count_what_the_linked_lists_show(world, point, client_for):
    texts = [
        "小区加装电梯进度慢",
        "加装电梯资金怎么分摊",
        "路灯坏了没人修",
        "停车位太少，加装电梯也占地方",
        "学校门口交通拥堵",
    ]
    for i, text in enumerate(texts):
        submit(point, text=text, address=f"198.51.100.{i}", category="livelihood" if i < 3 else "governance")
    f.PlatformFactory(committee=world.district)
    client = client_for(world.staff)
    today = timezone.localdate()
    page = client.get(
        reverse("activities:message_themes"), {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    ).content.decode()
    links = re.findall(r'href="(/messages/\?[^"]+)"[^>]*data-testid="theme-count">(\d+)<', page)
    assert len(links) >= 3
    assert any("word=" in href for href, _n in links)
    for href, n in links:
        listed = client.get(href.replace("&amp;", "&")).content.decode()
        assert listed.count('data-testid="message-row"') == int(n), href


def test_the_themes_page_reads_its_window_once_in_a_fixed_number_of_queries(
    world, point, client_for, django_assert_max_num_queries
):
    client = client_for(world.staff)
    for i, text in enumerate(["小区加装电梯进度慢", "加装电梯资金怎么分摊", "路灯坏了没人修"]):
        submit(point, text=text, address=f"198.51.100.{i}")
    with django_assert_max_num_queries(23) as few:  # the pooled sources: 3 grouped, 3 samples, 3 word counts
        assert client.get(reverse("activities:message_themes")).status_code == 200
    for i in range(8):
        submit(point, text=f"停车位太少，加装电梯也占地方{i}", address=f"198.51.100.{50 + i}", category="governance")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("activities:message_themes")).status_code == 200


def test_recurring_words_come_from_chinese_segmentation(world):
    words = sel.recurring_words(["小区加装电梯进度慢", "加装电梯资金怎么分摊", "电梯维修"])
    assert "电梯" in words


# --- API ---------------------------------------------------------------------------------------------------


def test_the_api_routes_answers_and_drafts_a_proposal_through_the_same_services(world, point, client_for):
    message = submit(point)
    convener = client_for(world.convener)
    url = reverse("api:public-message-route", args=[message.pk])
    body = convener.post(url, {"member": world.member_record.pk}, content_type="application/json").json()
    assert body["state"] == "routed" and body["phone"] == ""  # routed to a member: the convener sees no phone
    member = client_for(world.member)
    body = member.post(
        reverse("api:public-message-answer", args=[message.pk]), {"answer": "已反映"}, content_type="application/json"
    ).json()
    assert body["state"] == "answered" and body["phone"] == "13800000000"
    response = member.post(
        reverse("api:proposal-from-message"), {"message": message.pk}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["state"] == "draft"
    assert member.get(reverse("api:public-message-detail", args=[message.pk])).json()["proposals"] == [
        response.json()["id"]
    ]


def test_another_convener_cannot_route_through_the_api(world, point, client_for):
    message = submit(point)
    response = client_for(world.other_convener).post(
        reverse("api:public-message-route", args=[message.pk]),
        {"member": world.member_record.pk},
        content_type="application/json",
    )
    assert response.status_code == 404 and PublicMessage.objects.get().state == "new"


def test_a_member_turns_their_own_contact_into_a_proposal_draft_from_the_contact_list(world, client_for):
    from activities.services.contacts import contact_record

    contact = contact_record(
        actor=world.member,
        member_id=world.member_record.pk,
        contacted_on=timezone.localdate(),
        whom_kind="household",
        whom="独居老人户",
        topic="environment",
        raised="河道垃圾多",
        place="东湖边",
    )
    client = client_for(world.member)
    assert "转为提案草稿" in client.get(reverse("activities:contacts") + "?mine=1").content.decode()
    response = client.post(reverse("proposals:from_contact", args=[contact.pk]))
    from proposals.models import Proposal

    proposal = Proposal.objects.get()
    assert response.status_code == 302 and (proposal.source_contact, proposal.category) == (contact, "ecology")
    assert client_for(world.convener).post(reverse("proposals:from_contact", args=[contact.pk])).status_code == 403
