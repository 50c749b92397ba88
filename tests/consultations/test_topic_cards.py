"""``{% topic_card topic editable %}`` (consultations/templatetags/topic_cards.py) writes what the topic board's
card template wrote: every state, source and proposer kind, ranked or not, the annual front-line mark, with and
without a platform, a group, a resident's name, a heard-from source and a reason for declining, texts needing
escapes, editable or not (a candidate's three forms), an adopted topic's research block, in both languages."""

from itertools import product

import pytest
from django.db.models import Prefetch
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.translation import override

from activities.models import Activity
from consultations.models import Topic
from groups.models import Platform
from tests.consultations.factories import TopicFactory

pytestmark = pytest.mark.django_db

# the card as consultations/topic_board.html wrote it before the tag
CARD = (
    "{% load i18n topic_research %}"
    '<div class="card shadow-sm mb-2" id="topic-{{ topic.pk }}">\n'
    '  <div class="card-body py-2">\n'
    '    <div class="d-flex justify-content-between gap-2">\n'
    '      <div><span class="badge text-bg-light border me-1">{{ topic.year }}{% if topic.rank %} · #{{ topic.rank }}{% endif %}</span>\n'
    '        <strong>{{ topic.title }}</strong>{% if topic.is_annual_front_line %} <span class="badge text-bg-warning">{% translate "annual front-line topic" %}</span>{% endif %}</div>\n'
    "      <span class=\"badge {% if topic.state == 'adopted' %}text-bg-success{% elif topic.state == 'declined' %}text-bg-secondary{% else %}text-bg-info{% endif %}\">{{ topic.get_state_display }}</span>\n"
    "    </div>\n"
    '    <div class="small text-secondary">{{ topic.committee }}{% if topic.platform %} · {{ topic.platform }}{% endif %}{% if topic.group %} · {{ topic.group }}{% endif %}\n'
    "      · {{ topic.get_source_display }} · {{ topic.get_proposer_kind_display }}{% if topic.resident_name %}（{{ topic.resident_name }}）{% endif %}</div>\n"
    '    <div class="small mt-1">{{ topic.reasons|truncatechars:160 }}</div>\n'
    '    {% if topic.source_lead_id or topic.source_message_id or topic.source_contact_id %}<div class="small text-secondary" data-testid="topic-heard-source">{% if topic.source_lead_id %}{% translate "From a lead of what residents raised" %}{% elif topic.source_message_id %}{% translate "From a resident\'s message" %}{% else %}{% translate "From a contact with constituents" %}{% endif %}</div>{% endif %}\n'
    "    {% topic_research topic editable %}\n"
    '    {% if topic.decline_reason %}<div class="small text-secondary">{% translate "reason for declining" %}: {{ topic.decline_reason }}</div>{% endif %}\n'
    "    {% if topic.pk in editable and topic.state == 'candidate' %}\n"
    '    <div class="d-flex flex-wrap gap-2 mt-2">\n'
    '      <form method="post" action="{% url \'consultations:topic_action\' topic.pk \'rank\' %}" class="d-flex gap-1">{% csrf_token %}\n'
    '        <input class="form-control form-control-sm" style="width:5rem" name="rank" value="{{ topic.rank|default:\'\' }}" inputmode="numeric" aria-label="{% translate \'rank\' %}">\n'
    '        <button class="btn btn-outline-secondary btn-sm">{% translate "Rank" %}</button></form>\n'
    '      <form method="post" action="{% url \'consultations:topic_action\' topic.pk \'adopt\' %}" class="d-flex gap-1 align-items-center">{% csrf_token %}\n'
    '        <label class="small"><input type="checkbox" name="annual" value="1" class="form-check-input"> {% translate "annual front-line topic" %}</label>\n'
    '        <button class="btn btn-success btn-sm" name="adopt">{% translate "Adopt" %}</button></form>\n'
    '      <form method="post" action="{% url \'consultations:topic_action\' topic.pk \'decline\' %}" class="d-flex gap-1">{% csrf_token %}\n'
    '        <input class="form-control form-control-sm" name="reason" placeholder="{% translate \'reason\' %}" aria-label="{% translate \'reason\' %}">\n'
    '        <button class="btn btn-outline-danger btn-sm">{% translate "Decline" context "consultation" %}</button></form>\n'
    "    </div>\n"
    "    {% endif %}\n"
    "  </div>\n"
    "</div>"
)


def _topics(world):
    """Topics of every state, source and proposer kind, the optional parts present on every other one."""
    field = Topic._meta.get_field
    states, sources, kinds = (
        [value for value, _label in field(name).choices] for name in ("state", "source", "proposer_kind")
    )
    platform = Platform.objects.create(committee=world.district, name="委员工作室 <A&B>")
    made = []
    for n, (state, source, kind, _heard) in enumerate(product(states, sources, kinds, range(4)), start=1):
        made.append(
            TopicFactory(
                committee=world.district,
                group=world.group if n % 2 else None,
                platform=platform if n % 3 == 0 else None,
                state=state,
                source=source,
                proposer_kind=kind,
                title='协商<议题> & "民生"' if n % 2 else "请你来协商",
                reasons="理由" * (n % 3 * 60) + "<b>&",
                rank=n % 4 or None,
                is_annual_front_line=n % 5 == 0,
                resident_name="居民<甲>" if kind == Topic.ProposerKind.RESIDENT and n % 2 else "",
                decline_reason="不适合 & <先缓>" if state == Topic.State.DECLINED else "",
            )
        )
    topics = list(
        Topic.objects.filter(pk__in=[t.pk for t in made])
        .select_related("committee", "platform", "group")
        .prefetch_related(Prefetch("research_activities", Activity.objects.order_by("starts_at")))
        .order_by("pk")
    )
    for n, topic in enumerate(topics):  # the heard-from sources, without making a lead, message and contact each
        topic.source_lead_id, topic.source_message_id, topic.source_contact_id = (
            [None, None, None],
            [1, None, None],
            [None, 1, None],
            [None, None, 1],
        )[n % 4]
    return topics


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_topic_card_tag_writes_what_the_template_wrote(world, language):
    request = RequestFactory().get("/consultations/topics/")
    get_token(request)
    tag, card = Template("{% load topic_cards %}{% topic_card topic editable %}"), Template(CARD)
    with override(language):
        for topic in _topics(world):
            for editable in (set(), {topic.pk}):
                context = Context({"topic": topic, "editable": editable, "csrf_token": request.META["CSRF_COOKIE"]})
                assert tag.render(context) == card.render(context), (topic.state, topic.source, editable)
