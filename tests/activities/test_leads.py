"""From what was heard to what is done: leads 线索 pooling messages, contacts and activity suggestions, turned into
a proposal draft, a public-opinion report draft or a consultation topic, linked both ways (the resident's tracking
page shows what it became and how it stands); refusals change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivitySuggestion, Lead
from activities.services import leads as svc
from activities.services import mailbox as mailbox_svc
from consultations.models import Topic
from consultations.services import topic_adopt, topic_decline, topic_from_heard
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from groups.models import ConstituentContact
from notifications.models import Notification
from proposals.models import Level, OpinionReport, Proposal
from proposals.services import (
    proposal_draft_from_lead,
    report_accept,
    report_draft_from_heard,
    report_record_adoption,
    report_submit_draft,
)
from tests import factories as f
from tests.events import deliver_outboxed_events
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(world):
    cp = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(cp)
    return cp


def submit(point, text="小区加装电梯进度慢，希望委员帮忙反映", address="203.0.113.9"):
    return mailbox_svc.message_submit(
        target="contact_point",
        target_id=point.pk,
        text=text,
        client_address=address,
        kind="message",
        category="livelihood",
        name="王阿姨",
        phone="13800000000",
    )


def contact(world, raised="老旧小区电梯加装难"):
    return ConstituentContact.objects.create(
        committee=world.district,
        member=world.member_record,
        contacted_on=timezone.localdate(),
        place="东湖社区",
        whom_kind="household",
        whom="一户居民",
        topic="livelihood",
        raised=raised,
        recorded_by=world.member,
    )


def track(message) -> str:
    return Client().get(reverse("activities:mailbox_track", args=[message.tracking_code])).content.decode()


@pytest.fixture
def lead(world, point):
    message = submit(point)
    activity = ActivityFactory(group=world.group)
    suggestion = svc.suggestion_record(
        activity_id=activity.pk, actor=world.convener, text="增设电梯补贴", category="livelihood"
    )
    return svc.lead_create(
        actor=world.staff,
        committee_id=world.district.pk,
        title="老旧小区加装电梯",
        category="livelihood",
        group_id=world.group.pk,
        message_ids=[message.pk],
        contact_ids=[contact(world).pk],
        suggestion_ids=[suggestion.pk],
    )


def test_a_lead_pools_a_message_a_contact_and_a_suggestion(world, lead):
    assert (lead.messages.count(), lead.contacts.count(), lead.suggestions.count()) == (1, 1, 1)
    assert lead.state == Lead.State.OPEN
    assert AuditEvent.objects.filter(verb="created", object_id=str(lead.pk)).exists()


def test_a_lead_becomes_a_members_proposal_draft_linked_both_ways_and_the_member_is_told(world, lead):
    message = lead.messages.get()
    proposal = proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    lead.refresh_from_db()
    assert (proposal.source_lead, proposal.lead_proposer, proposal.state) == (lead, world.member_record, "draft")
    assert lead.state == Lead.State.CONVERTED and list(lead.proposals.all()) == [proposal]
    assert "增设电梯补贴" in proposal.suggestions and "老旧小区电梯加装难" in proposal.analysis
    proposal.serial_number = 12
    proposal.save(update_fields=["serial_number"])
    page = track(message)
    assert "已转为提案" in page and "第12号" in page and "草稿" in page
    deliver_outboxed_events()
    notice = Notification.objects.get(recipient=world.member)
    assert "提案草稿" in notice.title and notice.url == reverse("proposals:edit", args=[proposal.pk])
    with pytest.raises(InvalidTransition, match="已经"):
        proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    assert Proposal.objects.count() == 1


def test_a_message_becomes_a_report_draft_whose_adoption_the_resident_sees(world, point):
    message = mailbox_svc.message_route(
        message_id=submit(point).pk, actor=world.convener, member_id=world.member_record.pk
    )
    report = report_draft_from_heard(actor=world.member, message_id=message.pk)
    assert (report.source_message, report.author, report.state) == (message, world.member_record, "draft")
    assert "已转为社情民意信息" in track(message)
    report_submit_draft(report_id=report.pk, actor=world.member)
    report_accept(report_id=report.pk, actor=world.staff)
    report_record_adoption(report_id=report.pk, actor=world.staff, level=Level.CITY, date=timezone.localdate())
    page = track(message)
    assert "已采纳" in page and "被市政协采用" in page
    with pytest.raises(InvalidTransition):
        report_draft_from_heard(actor=world.member, message_id=message.pk)


def test_a_lead_becomes_a_consultation_topic_and_the_resident_sees_it_adopted(world, lead):
    message = lead.messages.get()
    topic = topic_from_heard(actor=world.convener, lead_id=lead.pk)
    assert (topic.source_lead, topic.group, topic.state, topic.source) == (lead, world.group, "candidate", "public")
    assert "已列入协商选题" in track(message)
    topic_adopt(topic_id=topic.pk, actor=world.staff)
    assert "已采纳" in track(message)


def test_a_single_message_becomes_a_topic_and_a_declined_one_says_so(world, point):
    message = submit(point)
    topic = topic_from_heard(actor=world.staff, message_id=message.pk)
    topic_decline(topic_id=topic.pk, reason="已在年度计划中", actor=world.staff)
    page = track(message)
    assert "已列入协商选题" in page and "不采纳" in page


def test_a_contact_becomes_a_report_draft_of_its_member(world):
    c = contact(world)
    report = report_draft_from_heard(actor=world.member, contact_id=c.pk)
    assert (report.source_contact, report.author) == (c, world.member_record)
    with pytest.raises(NotPermitted):
        report_draft_from_heard(actor=world.convener, contact_id=contact(world).pk)


def test_no_one_outside_the_committee_or_group_converts_a_lead_and_nothing_changes(world, lead):
    for actor in (world.other_staff, world.other_convener, world.member, world.unit_user):
        with pytest.raises(NotPermitted) as refused:
            proposal_draft_from_lead(lead_id=lead.pk, actor=actor, member_id=world.member_record.pk)
        assert "秘书处" in str(refused.value.messages) or "召集人" in str(refused.value.messages)
        with pytest.raises(NotPermitted):
            topic_from_heard(actor=actor, lead_id=lead.pk)
        with pytest.raises(NotPermitted):
            report_draft_from_heard(actor=actor, lead_id=lead.pk, member_id=world.member_record.pk)
    lead.refresh_from_db()
    assert lead.state == Lead.State.OPEN
    assert not (Proposal.objects.exists() or OpinionReport.objects.exists() or Topic.objects.exists())


def test_a_closed_lead_is_not_taken_up_and_a_writer_from_elsewhere_is_refused(world, lead):
    with pytest.raises(DomainError, match="在任委员"):
        proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.outsider_member.pk)
    lead.refresh_from_db()
    assert lead.state == Lead.State.OPEN and not Proposal.objects.exists()
    with pytest.raises(DomainError):
        svc.lead_close(lead_id=lead.pk, actor=world.staff, reason=" ")
    svc.lead_close(lead_id=lead.pk, actor=world.staff, reason="已由部门解决")
    with pytest.raises(InvalidTransition, match="已关闭"):
        proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    assert not Proposal.objects.exists()


def test_a_lead_takes_only_items_of_its_committee_the_actor_sees(world, point):
    theirs = ConstituentContact.objects.create(
        committee=world.other,
        member=world.outsider_member,
        contacted_on=timezone.localdate(),
        place="远山",
        whom_kind="person",
        whom="居民",
        topic="other",
        raised="路灯",
    )
    with pytest.raises(DomainError) as refused:
        svc.lead_create(
            actor=world.staff,
            committee_id=world.district.pk,
            title="路灯",
            category="other",
            contact_ids=[theirs.pk],
        )
    assert "items" in refused.value.message_dict
    with pytest.raises(DomainError):
        svc.lead_create(actor=world.staff, committee_id=world.district.pk, title="空", category="other")
    with pytest.raises(DomainError):
        svc.lead_create(actor=world.staff, title="空", category="other")
    with pytest.raises(NotPermitted):
        svc.lead_create(
            actor=world.other_convener,
            committee_id=world.district.pk,
            group_id=world.group.pk,
            title="路灯",
            category="other",
            message_ids=[submit(point).pk],
        )
    assert not Lead.objects.exists()


def test_an_activitys_free_text_suggestions_stay_and_items_are_recorded_by_its_organisers(world):
    activity = ActivityFactory(group=world.group, suggestions="多建停车位\n增加绿化")
    with pytest.raises(NotPermitted):
        svc.suggestion_record(activity_id=activity.pk, actor=world.member, text="x")
    svc.suggestion_record(activity_id=activity.pk, actor=world.convener, text="多建停车位", category="governance")
    activity.refresh_from_db()
    assert activity.suggestions == "多建停车位\n增加绿化"
    assert list(ActivitySuggestion.objects.values_list("text", flat=True)) == ["多建停车位"]


# --- Matters that keep returning -------------------------------------------------------------------------------


def left(world, point, text, *, on, category="livelihood", state="new"):
    """A message left at ``point`` on the day ``on`` (noon, local time)."""
    from datetime import datetime, time

    from activities.models import PublicMessage

    message = PublicMessage.objects.create(
        committee=world.district,
        target="contact_point",
        contact_point=point,
        category=category,
        text=text,
        tracking_code=f"T{PublicMessage.objects.count():09d}",
        client_key="k",
        state=state,
        answer_due=on,
    )
    moment = datetime.combine(on, time(12), tzinfo=timezone.get_current_timezone())
    PublicMessage.objects.filter(pk=message.pk).update(created_at=moment)
    return message


def test_the_same_matter_at_the_same_place_in_two_quarters_is_flagged_and_a_one_off_is_not(world, point):
    from datetime import date

    from activities.models import PublicMessage
    from activities.selectors import mailbox as sel

    other = f.ContactPointFactory(committee=world.district, name="西湖社区")
    left(world, point, "东湖社区电梯加装进度慢", on=date(2026, 2, 10))
    left(world, point, "电梯加装还是没有动静", on=date(2026, 5, 10))
    left(world, other, "路灯坏了", on=date(2026, 5, 11), category="governance")
    left(world, other, "广场舞噪音扰民", on=date(2026, 5, 12), category="environment")
    left(world, point, "垃圾信息", on=date(2026, 5, 13), state="discarded")
    found = sel.recurring(PublicMessage.objects.all(), sel.Period(2026, 2))
    assert [(m.label, m.place, m.n, m.quarters) for m in found["matters"]] == [("民生保障", "东湖社区", 2, 2)]
    assert (found["since"], found["until"]) == (date(2025, 7, 1), date(2026, 6, 30))
    assert "电梯" in [w.label for w in found["words"]] or "加装" in [w.label for w in found["words"]]


def test_many_messages_on_one_matter_in_one_quarter_are_flagged(world, point):
    from datetime import date

    from activities.models import PublicMessage
    from activities.selectors import mailbox as sel

    for day in (3, 4, 5):
        left(world, point, f"停车难第{day}次反映", on=date(2026, 8, day), category="governance")
    found = sel.recurring(PublicMessage.objects.all(), sel.Period(2026, 3))
    assert [(m.n, m.quarters) for m in found["matters"]] == [(3, 1)]


# --- Pages ------------------------------------------------------------------------------------------------------


def test_a_convener_creates_a_lead_from_ticked_items_and_staff_turn_it_into_a_report_from_the_page(
    world, point, client_for
):
    message = submit(point)
    client = client_for(world.convener)
    page = client.get(reverse("activities:lead_new") + f"?message={message.pk}").content.decode()
    assert f'value="{message.pk}" id="m{message.pk}" checked' in page
    response = client.post(
        reverse("activities:lead_new"),
        {"title": "电梯加装", "category": "livelihood", "group": world.group.pk, "message": [message.pk]},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("activities:lead_detail", args=[lead.pk])
    refused = client.post(reverse("activities:lead_new"), {"title": "空", "category": "livelihood"})
    assert refused.status_code == 400 and "请至少选择" in refused.content.decode() and Lead.objects.count() == 1
    staff = client_for(world.staff)
    response = staff.post(
        reverse("proposals:heard_to_report", args=["lead", lead.pk]), {"member": world.member_record.pk}
    )
    report = OpinionReport.objects.get()
    assert response.status_code == 302 and report.author == world.member_record and report.source_lead == lead
    assert "电梯加装" in staff.get(reverse("proposals:report_detail", args=[report.pk])).content.decode()
    assert "已转为社情民意信息" in track(message)


def test_a_refused_conversion_on_the_page_says_why_in_chinese_and_changes_nothing(world, lead, client_for):
    client = client_for(world.staff)
    response = client.post(
        reverse("proposals:lead_to_proposal", args=[lead.pk]), {"member": world.outsider_member.pk}, follow=True
    )
    assert "执笔人必须是同一政协的在任委员" in response.content.decode()
    assert not Proposal.objects.exists() and Lead.objects.get().state == Lead.State.OPEN
    assert (
        client_for(world.other_staff).post(reverse("consultations:heard_to_topic", args=["lead", lead.pk])).status_code
        == 403
    )
    assert not Topic.objects.exists()


def test_the_lead_page_shows_residents_names_only_to_whom_may_see_them(world, lead, client_for):
    page = client_for(world.staff).get(reverse("activities:lead_detail", args=[lead.pk])).content.decode()
    assert "王阿姨" in page and "13800000000" in page
    for user in (world.leader, world.convener):  # not passed to the convener's group: no name
        page = client_for(user).get(reverse("activities:lead_detail", args=[lead.pk])).content.decode()
        assert "王阿姨" not in page and "13800000000" not in page and "老旧小区加装电梯" in page
    assert client_for(world.member).get(reverse("activities:lead_detail", args=[lead.pk])).status_code == 403
    api = client_for(world.staff).get(reverse("api:lead-detail", args=[lead.pk])).json()
    assert "王阿姨" not in str(api) and api["messages"] == [lead.messages.get().pk]


def test_the_lead_list_and_page_run_a_fixed_number_of_queries(
    world, point, lead, client_for, django_assert_max_num_queries
):
    client = client_for(world.staff)
    client.get(reverse("activities:leads"))
    client.get(reverse("activities:lead_detail", args=[lead.pk]))
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("activities:leads"))
    with django_assert_max_num_queries(40) as detail_one:
        client.get(reverse("activities:lead_detail", args=[lead.pk]))
    for i in range(4):
        extra = svc.lead_create(
            actor=world.staff,
            title=f"线索{i}",
            category="other",
            message_ids=[submit(point, text=f"留言{i}", address=f"198.51.100.{i}").pk],
            contact_ids=[contact(world).pk],
        )
        lead.messages.add(submit(point, text=f"又一条{i}", address=f"198.51.100.{i + 10}"))
        lead.contacts.add(contact(world))
        proposal_draft_from_lead(lead_id=extra.pk, actor=world.staff, member_id=world.member_record.pk)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("activities:leads")).content.decode().count('data-testid="lead-row"') == 5
    with django_assert_max_num_queries(len(detail_one.captured_queries)):
        client.get(reverse("activities:lead_detail", args=[lead.pk]))


def test_the_tracking_page_runs_a_fixed_number_of_queries(world, lead, django_assert_max_num_queries):
    message = lead.messages.get()
    client = Client()
    proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    report_draft_from_heard(actor=world.staff, lead_id=lead.pk, member_id=world.member_record.pk)
    with django_assert_max_num_queries(6) as before:
        client.get(reverse("activities:mailbox_track", args=[message.tracking_code]))
    mailbox_svc.message_route(message_id=message.pk, actor=world.staff, member_id=world.member_record.pk)
    report = report_draft_from_heard(actor=world.member, message_id=message.pk)
    report_submit_draft(report_id=report.pk, actor=world.member)
    report_accept(report_id=report.pk, actor=world.staff)
    report_record_adoption(report_id=report.pk, actor=world.staff, level=Level.CITY, date=timezone.localdate())
    topic_from_heard(actor=world.staff, lead_id=lead.pk)
    # once it became a topic, the topic's published outcomes and their follow-up records: two more, whatever the rows
    with django_assert_max_num_queries(len(before.captured_queries) + 2):
        page = client.get(reverse("activities:mailbox_track", args=[message.tracking_code])).content.decode()
    assert "已转为提案" in page and page.count("已转为社情民意信息") == 2 and "已列入协商选题" in page


def test_api_creates_a_lead_and_turns_it_into_a_topic(world, point, client_for):
    message = submit(point)
    client = client_for(world.staff)
    created = client.post(
        reverse("api:lead-list"),
        {"title": "电梯", "category": "livelihood", "messages": [message.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    lead_id = created.json()["id"]
    topic = client.post(
        reverse("api:consultation-topic-from-heard"), {"lead": lead_id}, content_type="application/json"
    )
    assert topic.status_code == 201 and topic.json()["source_lead"] == lead_id
    assert client.get(reverse("api:lead-detail", args=[lead_id])).json()["consultation_topics"] == [topic.json()["id"]]
    twice = client.post(
        reverse("api:consultation-topic-from-heard"), {"lead": lead_id}, content_type="application/json"
    )
    assert twice.status_code == 400 and Topic.objects.count() == 1
    refused = client_for(world.other_staff).post(
        reverse("api:proposal-from-lead"), {"lead": lead_id}, content_type="application/json"
    )
    assert refused.status_code == 403 and not Proposal.objects.exists()


# --- Items of an existing lead, closing behind the confirmation step ---------------------------------------------


def test_staff_add_items_to_an_open_lead_and_take_one_out_each_audited(world, point, lead):
    more, again = submit(point, text="电梯加装又拖了", address="198.51.100.7"), contact(world, raised="电梯维护费")
    svc.lead_add_items(lead_id=lead.pk, actor=world.staff, message_ids=[more.pk], contact_ids=[again.pk])
    assert (lead.messages.count(), lead.contacts.count()) == (2, 2)
    added = AuditEvent.objects.get(verb="items_added", object_id=str(lead.pk))
    assert added.data == {"messages": [more.pk], "contacts": [again.pk], "suggestions": []}
    svc.lead_remove_item(lead_id=lead.pk, actor=world.convener, kind="contact", item_id=again.pk)
    assert lead.contacts.count() == 1 and ConstituentContact.objects.filter(pk=again.pk).exists()
    removed = AuditEvent.objects.get(verb="item_removed", object_id=str(lead.pk))
    assert removed.data == {"contacts": [again.pk]} and removed.actor == world.convener


def test_items_already_in_the_lead_or_not_in_it_are_refused_and_a_lead_keeps_one(world, point):
    message = submit(point)
    lead = svc.lead_create(actor=world.staff, title="一条", category="livelihood", message_ids=[message.pk])
    with pytest.raises(DomainError, match="已在线索中"):
        svc.lead_add_items(lead_id=lead.pk, actor=world.staff, message_ids=[message.pk])
    with pytest.raises(DomainError, match="不在此线索中"):
        svc.lead_remove_item(lead_id=lead.pk, actor=world.staff, kind="contact", item_id=contact(world).pk)
    with pytest.raises(DomainError, match="至少保留一条"):
        svc.lead_remove_item(lead_id=lead.pk, actor=world.staff, kind="message", item_id=message.pk)
    assert lead.messages.count() == 1


@pytest.mark.parametrize("how", ["closed", "converted"])
def test_the_items_of_a_closed_or_taken_up_lead_do_not_change(world, point, lead, how):
    if how == "closed":
        svc.lead_close(lead_id=lead.pk, actor=world.staff, reason="已由街道解决")
    else:
        proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    message = lead.messages.get()
    with pytest.raises(InvalidTransition, match="线索已关闭或已转化"):
        svc.lead_add_items(lead_id=lead.pk, actor=world.staff, message_ids=[submit(point, address="198.51.100.8").pk])
    with pytest.raises(InvalidTransition, match="线索已关闭或已转化"):
        svc.lead_remove_item(lead_id=lead.pk, actor=world.staff, kind="message", item_id=message.pk)
    assert lead.messages.count() == 1
    assert not AuditEvent.objects.filter(verb__in=["items_added", "item_removed"]).exists()


def test_only_the_leads_keepers_change_its_items(world, point, lead):
    for outsider in (world.other_staff, world.other_convener, world.leader, world.member):
        with pytest.raises(NotPermitted):
            svc.lead_add_items(lead_id=lead.pk, actor=outsider, contact_ids=[contact(world).pk])
        with pytest.raises(NotPermitted):
            svc.lead_remove_item(lead_id=lead.pk, actor=outsider, kind="message", item_id=lead.messages.get().pk)


def test_a_conversion_is_audited_under_the_verb_its_caller_names_and_no_other(world, lead):
    proposal_draft_from_lead(lead_id=lead.pk, actor=world.staff, member_id=world.member_record.pk)
    assert AuditEvent.objects.filter(verb="became_proposal", object_id=str(lead.pk)).count() == 1
    with pytest.raises(ValueError, match="not a conversion"):
        svc.lead_take_up(lead_id=lead.pk, actor=world.staff, verb="closed", taken=Proposal.objects.none())


def test_the_lead_page_adds_and_takes_out_items_and_closes_only_after_confirming(world, point, lead, client_for):
    client = client_for(world.convener)
    page = client.get(reverse("activities:lead_detail", args=[lead.pk])).content.decode()
    assert 'data-confirm="lead_close"' in page and page.count('data-testid="item-remove"') == 3
    more = submit(point, text="电梯加装又拖了", address="198.51.100.7")
    picker = client.get(reverse("activities:lead_items", args=[lead.pk])).content.decode()
    assert f'value="{more.pk}"' in picker and f'value="{lead.messages.first().pk}"' not in picker
    response = client.post(reverse("activities:lead_items", args=[lead.pk]), {"message": [more.pk]})
    assert response.status_code == 302 and lead.messages.count() == 2
    empty = client.post(reverse("activities:lead_items", args=[lead.pk]), {})
    assert empty.status_code == 400 and "请至少选择" in empty.content.decode()
    suggestion = lead.suggestions.get()
    response = client.post(
        reverse("activities:lead_item_remove", args=[lead.pk, "suggestion", suggestion.pk]), follow=True
    )
    assert "已移出线索" in response.content.decode() and not lead.suggestions.exists()
    refused = client.post(reverse("activities:lead_close", args=[lead.pk]), {"reason": ""}, follow=True)
    assert Lead.objects.get().state == Lead.State.OPEN and "关闭原因" in refused.content.decode()
    client.post(reverse("activities:lead_close", args=[lead.pk]), {"reason": "已由街道解决"})
    closed = Lead.objects.get()
    assert (closed.state, closed.close_reason) == (Lead.State.CLOSED, "已由街道解决")
    assert AuditEvent.objects.get(verb="closed", object_id=str(lead.pk)).comment == "已由街道解决"
    page = client.get(reverse("activities:lead_detail", args=[lead.pk])).content.decode()
    assert 'data-testid="item-remove"' not in page and 'data-confirm="lead_close"' not in page
    assert "lead-add-items" not in page
    response = client.post(reverse("activities:lead_items", args=[lead.pk]), {"message": [more.pk]})
    assert response.status_code == 400 and "线索已关闭或已转化" in response.content.decode()
    removal = client.post(reverse("activities:lead_item_remove", args=[lead.pk, "message", more.pk]), follow=True)
    assert "线索已关闭或已转化" in removal.content.decode() and Lead.objects.get().messages.count() == 2


def test_api_adds_and_takes_out_items(world, point, lead, client_for):
    client = client_for(world.staff)
    more = submit(point, text="电梯加装又拖了", address="198.51.100.7")
    response = client.post(
        reverse("api:lead-add-items", args=[lead.pk]), {"messages": [more.pk]}, content_type="application/json"
    )
    assert response.status_code == 200 and sorted(response.json()["messages"]) == sorted(
        lead.messages.values_list("pk", flat=True)
    )
    response = client.post(
        reverse("api:lead-remove-item", args=[lead.pk]),
        {"kind": "message", "item": more.pk},
        content_type="application/json",
    )
    assert response.status_code == 200 and more.pk not in response.json()["messages"]
    outsider = client_for(world.other_staff).post(
        reverse("api:lead-add-items", args=[lead.pk]), {"messages": [more.pk]}, content_type="application/json"
    )
    assert outsider.status_code in (403, 404) and lead.messages.count() == 1


def test_the_add_items_page_runs_a_fixed_number_of_queries(
    world, point, lead, client_for, django_assert_max_num_queries
):
    client = client_for(world.staff)
    url = reverse("activities:lead_items", args=[lead.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    for i in range(5):
        submit(point, text=f"留言{i}", address=f"198.51.100.{i + 20}")
        contact(world, raised=f"反映{i}")
        svc.suggestion_record(activity_id=lead.suggestions.get().activity_id, actor=world.staff, text=f"建议{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="form-check-input"') == 15


# --- A pooled theme's rows, over what was heard ----------------------------------------------------------------


def test_a_theme_page_lists_the_messages_contacts_and_suggestions_behind_its_count(
    world, point, lead, client_for, django_assert_max_num_queries
):
    today = timezone.localdate()
    query = f"?since={today.replace(day=1)}&until={today}&category=livelihood"
    client = client_for(world.staff)
    url = reverse("activities:heard_theme") + query
    client.get(url)
    with django_assert_max_num_queries(40) as one:
        page = client.get(url).content.decode()
    assert 'data-total="3"' in page and page.count("data-row") == 3
    for i in range(3):
        submit(point, text=f"电梯{i}", address=f"198.51.100.{i + 40}")
        contact(world, raised=f"电梯{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert 'data-total="9"' in page and page.count("data-row") == 9
    by_word = client.get(
        reverse("activities:heard_theme") + f"?word=补贴&since={today.replace(day=1)}"
    ).content.decode()
    assert 'data-total="1"' in by_word and "增设电梯补贴" in by_word
    place = client.get(reverse("activities:heard_theme") + f"?place=contact_point:{point.pk}").content.decode()
    assert 'data-total="4"' in place  # the messages left at the point (contacts there: none; they name a place)
    assert 'data-total="0"' in client_for(world.other_staff).get(url).content.decode()


def test_a_theme_of_more_rows_than_a_page_is_paged_with_every_row_once_and_a_fixed_query_count(
    world, point, lead, client_for, django_assert_max_num_queries
):
    """Rows of the three sources over several days, more than a page (50): the pages, newest day first, hold every
    row of the theme exactly once; the total is the rows across them; each page takes the same queries."""
    import re
    from datetime import timedelta

    from activities.models import PublicMessage
    from activities.selectors.heard import THEME_PAGE

    today = timezone.localdate()
    activity = lead.suggestions.get().activity
    for i in range(30):
        message = submit(point, text=f"路灯{i}", address=f"198.51.100.{i + 60}")
        PublicMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=i % 7))
        row = contact(world, raised=f"路灯{i}")
        ConstituentContact.objects.filter(pk=row.pk).update(contacted_on=today - timedelta(days=i % 5))
    for i in range(12):
        svc.suggestion_record(activity_id=activity.pk, actor=world.convener, text=f"路灯{i}", category="livelihood")
    total = 3 + 30 + 30 + 12
    client = client_for(world.staff)
    url = reverse("activities:heard_theme") + "?category=livelihood"
    client.get(url)
    with django_assert_max_num_queries(40) as first_page:
        first = client.get(url).content.decode()
    with django_assert_max_num_queries(len(first_page.captured_queries)):
        second = client.get(url + "&page=2").content.decode()
    assert f'data-total="{total}"' in first and f'data-total="{total}"' in second
    assert (first.count("data-row"), second.count("data-row")) == (THEME_PAGE, total - THEME_PAGE)
    assert "第 2 页，共 2 页" in second and "page=2" in first and "category=livelihood&amp;page=2" in first
    links = re.findall(
        r'data-row data-kind="(\w+)">\s*<div class="small text-secondary">(?:<a href="([^"]+)">)?[^·]*· (\d{4}-\d\d-\d\d)',
        first + second,
    )
    days = [day for _kind, _href, day in links]
    assert days == sorted(days, reverse=True)  # newest day first, across the pages
    texts = re.findall(r'<div class="text-break">([^<]+)</div>', first + second)
    assert len(texts) == total
    kinds = [kind for kind, _href, _day in links]
    assert (kinds.count("message"), kinds.count("contact"), kinds.count("suggestion")) == (31, 31, 13)
    hrefs = [href for kind, href, _day in links if kind == "message"]
    assert len(set(hrefs)) == 31  # no message on both pages
    assert client.get(url + "&page=x").content.decode().count("data-row") == THEME_PAGE  # a bad page: the first
    assert client.get(url + "&page=99").content.decode().count("data-row") == total - THEME_PAGE  # past: the last


# --- The admin ----------------------------------------------------------------------------------------------------


def test_the_lead_admin_lists_the_staffs_committees_leads_with_read_only_links_to_their_items(world, lead, client_for):
    far = svc.lead_create(
        actor=world.other_staff,
        committee_id=world.other.pk,
        title="远方的线索",
        category="other",
        suggestion_ids=[
            svc.suggestion_record(
                activity_id=ActivityFactory(group=f.ActivityGroupFactory(committee=world.other)).pk,
                actor=world.other_staff,
                text="远方建议",
            ).pk
        ],
    )
    client = client_for(world.district_staff)
    listing = client.get(reverse("admin:activities_lead_changelist")).content.decode()
    assert "老旧小区加装电梯" in listing and "远方的线索" not in listing
    assert client.get(reverse("admin:activities_lead_change", args=[far.pk])).status_code in (302, 403, 404)
    page = client.get(reverse("admin:activities_lead_change", args=[lead.pk])).content.decode()
    message = lead.messages.get()
    assert reverse("admin:activities_publicmessage_change", args=[message.pk]) in page and "增设电梯补贴" in page
    assert 'name="messages"' not in page and 'name="state"' not in page  # the links are read-only
    assert client.get(reverse("admin:activities_lead_add")).status_code == 403
    response = client.post(
        reverse("admin:activities_lead_change", args=[lead.pk]),
        {"title": "老旧小区加装电梯（更正）", "category": "livelihood", "group": world.group.pk},
    )
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).title == "老旧小区加装电梯（更正）" and lead.messages.count() == 1
    assert Lead.objects.get(pk=lead.pk).group == world.group
    assert not AuditEvent.objects.filter(object_id=str(lead.pk), verb="group_changed").exists()
    assert AuditEvent.objects.filter(object_id=str(lead.pk), verb="updated").exists()


def test_the_lead_admin_hands_a_lead_to_another_group_of_its_committee_only_through_the_service(
    world, lead, client_for
):
    same = f.ActivityGroupFactory(committee=world.district, name="东湖街道第二活动组")
    far = f.ActivityGroupFactory(committee=world.other, name="远方活动组")
    client = client_for(world.district_staff)
    change = reverse("admin:activities_lead_change", args=[lead.pk])
    offered = client.get(change).context["adminform"].form.fields["group"].queryset
    assert same in offered and world.group in offered and far not in offered
    data = {"title": lead.title, "category": lead.category}
    response = client.post(change, data | {"group": far.pk})
    assert response.status_code == 200 and response.context["adminform"].form.errors["group"]
    assert Lead.objects.get(pk=lead.pk).group == world.group
    response = client.post(change, data | {"group": same.pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).group == same
    event = AuditEvent.objects.get(object_id=str(lead.pk), verb="group_changed")
    assert (event.actor, event.data) == (world.district_staff, {"from": world.group.pk, "to": same.pk})
    with pytest.raises(DomainError) as refused:
        svc.lead_set_group(lead_id=lead.pk, actor=world.district_staff, group_id=far.pk)
    assert refused.value.message_dict == {"group": ["活动组必须属于该线索所在的政协。"]}
    with pytest.raises(NotPermitted):
        svc.lead_set_group(lead_id=lead.pk, actor=world.other_staff, group_id=None)
    with pytest.raises(NotPermitted):  # a convener keeps the lead, but does not hand it on
        svc.lead_set_group(lead_id=lead.pk, actor=world.convener, group_id=None)
    assert client_for(world.other_staff).post(change, data | {"group": ""}).status_code in (302, 403, 404)
    assert Lead.objects.get(pk=lead.pk).group == same
    client_for(world.district_staff).post(change, data | {"group": ""})  # to the secretariat's own
    assert Lead.objects.get(pk=lead.pk).group is None


def test_the_lead_admin_closes_leads_after_a_confirmation_that_asks_the_reason(world, lead, client_for):
    client = client_for(world.district_staff)
    listing = reverse("admin:activities_lead_changelist")
    ask = {"action": "close_selected", "_selected_action": [lead.pk]}
    page = client.post(listing, ask)
    assert page.status_code == 200 and 'data-testid="confirm-reason"' in page.content.decode()
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.OPEN  # asking changes nothing
    again = client.post(listing, ask | {"confirmed": "yes", "reason": "  "})
    assert "请填写原因。" in again.content.decode() and Lead.objects.get(pk=lead.pk).state == Lead.State.OPEN
    done = client.post(listing, ask | {"confirmed": "yes", "reason": "已由街道直接解决"}, follow=True)
    assert "已关闭 1 条线索。" in done.content.decode()
    closed = Lead.objects.get(pk=lead.pk)
    assert (closed.state, closed.close_reason) == (Lead.State.CLOSED, "已由街道直接解决")
    assert AuditEvent.objects.filter(object_id=str(lead.pk), verb="closed", actor=world.district_staff).exists()
    refused = client.post(listing, ask | {"confirmed": "yes", "reason": "再关一次"}, follow=True)
    assert "只有待处理的线索可以关闭。" in refused.content.decode()
    assert Lead.objects.get(pk=lead.pk).close_reason == "已由街道直接解决"


def test_another_committees_staff_cannot_close_a_lead_from_the_admin(world, lead, client_for):
    listing = reverse("admin:activities_lead_changelist")
    client_for(world.other_staff).post(
        listing, {"action": "close_selected", "_selected_action": [lead.pk], "confirmed": "yes", "reason": "不是我的"}
    )
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.OPEN
    assert not AuditEvent.objects.filter(object_id=str(lead.pk), verb="closed").exists()


def test_the_api_hands_a_lead_to_another_group_of_its_committee(world, lead, client_for):
    same = f.ActivityGroupFactory(committee=world.district)
    far = f.ActivityGroupFactory(committee=world.other)
    client = client_for(world.district_staff)
    url = f"/api/v1/leads/{lead.pk}/group/"
    assert client.post(url, {"group": far.pk}, content_type="application/json").status_code == 400
    response = client.post(url, {"group": same.pk}, content_type="application/json")
    assert response.status_code == 200 and Lead.objects.get(pk=lead.pk).group == same
    assert client_for(world.convener).post(url, {"group": None}, content_type="application/json").status_code in (
        403,
        404,
    )
