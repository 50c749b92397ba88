"""``{% topic_research topic editable %}`` (consultations/templatetags/topic_research.py) writes what the template
fragment it replaced wrote: for an adopted topic with and without linked research and choices, editable or not,
and for a topic not adopted, in both languages."""

from datetime import timedelta

import pytest
from django.db.models import Prefetch
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import override

from activities.models import Activity
from consultations.models import Topic
from tests.consultations.factories import TopicFactory
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db

FRAGMENT = '{% if topic.state == \'adopted\' %}{% with linked=topic.research_activities.all %}{% if linked or topic.research_choices %}\n    <div class="small mt-1" id="topic-{{ topic.pk }}-research"><span class="text-secondary">{% translate "research activities" %}:</span>\n      {% for a in linked %}<span class="d-inline-flex align-items-center gap-1 me-2"><a href="{% url \'activities:activity_detail\' a.pk %}">{{ a.title }}</a> <span class="text-secondary">{{ a.starts_at|date:"Y-m-d" }}</span>\n        {% if topic.pk in editable %}<form method="post" action="{% url \'consultations:topic_action\' topic.pk \'unresearch\' %}" class="d-inline">{% csrf_token %}<input type="hidden" name="activity" value="{{ a.pk }}"><button class="btn btn-link btn-sm p-0 text-danger" aria-label="{% translate \'Remove the link\' %}">×</button></form>{% endif %}</span>\n      {% empty %}<span class="text-secondary">{% translate "none yet" %}</span>{% endfor %}\n    </div>\n    {% if topic.research_choices %}<form method="post" action="{% url \'consultations:topic_action\' topic.pk \'research\' %}" class="d-flex gap-1 mt-1">{% csrf_token %}\n      <select class="form-select form-select-sm" name="activity" aria-label="{% translate \'research activities\' %}" data-picker data-picker-url="{{ topic.research_picker }}"\n        data-picker-placeholder="{% translate \'Type a title or its pinyin initials\' %}" data-picker-no-results="{% translate \'No match\' %}" data-picker-remove="{% translate \'Remove this choice\' %}">{{ topic.research_options }}</select>\n      <button class="btn btn-outline-secondary btn-sm text-nowrap">{% translate "Link research" %}</button></form>{% endif %}\n    {% endif %}{% endwith %}{% endif %}'


def _topics(world):
    """An adopted topic with two research activities linked (a title to escape), one with none, one not adopted."""
    linked = TopicFactory(committee=world.district, group=world.group, state=Topic.State.ADOPTED)
    bare = TopicFactory(committee=world.district, group=world.group, state=Topic.State.ADOPTED)
    candidate = TopicFactory(committee=world.district, group=world.group, state=Topic.State.CANDIDATE)
    now = timezone.now()
    for i, title in enumerate(["调研 <甲> & “乙”", "调研丙"]):
        activity = ActivityFactory(
            group=world.group, kind=Activity.Kind.RESEARCH, title=title, starts_at=now - timedelta(days=i, hours=20)
        )
        linked.research_activities.add(activity)
    return list(
        Topic.objects.filter(pk__in=[linked.pk, bare.pk, candidate.pk])
        .prefetch_related(Prefetch("research_activities", Activity.objects.order_by("starts_at")))
        .order_by("pk")
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_research_tag_writes_what_the_template_wrote(world, language):
    request = RequestFactory().get("/consultations/topics/")
    get_token(request)
    tag = Template("{% load topic_research %}{% topic_research topic editable %}")
    fragment = Template("{% load i18n %}" + FRAGMENT)
    rendered = 0
    with override(language):
        for topic in _topics(world):
            for choices in (False, True):
                if choices:
                    topic.research_choices = [(1, world.district.pk, timezone.now(), "调研")]
                    topic.research_options = mark_safe('<option value="1">2026-01-01 调研</option>')
                    topic.research_picker = f"/pick/research_activities/?committee={world.district.pk}&topic={topic.pk}"
                for editable in (set(), {topic.pk}):
                    context = Context({"topic": topic, "editable": editable, "csrf_token": request.META["CSRF_COOKIE"]})
                    expected = fragment.render(context)
                    assert tag.render(context) == expected, (topic.state, choices, editable)
                    rendered += bool(expected)
    assert rendered == 6  # the linked topic four times, the bare one with choices twice
