"""factory_boy factories for consultations."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from consultations.models import ConsultationSession, Outcome, Participant, Topic
from tests.factories import CommitteeFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    committee = factory.SubFactory(CommitteeFactory)
    title = factory.Sequence(lambda n: f"老旧小区加装电梯议题{n}")
    reasons = "居民反映强烈，涉及面广"
    source = Topic.Source.PUBLIC
    proposer_kind = Topic.ProposerKind.STAFF
    year = factory.LazyFunction(lambda: timezone.localdate().year)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationSession

    committee = factory.SubFactory(CommitteeFactory)
    title = factory.Sequence(lambda n: f"请你来协商·第{n}期")
    form = ConsultationSession.Form.GRASSROOTS
    level = "community"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    place = "东湖社区协商议事厅"
    state = ConsultationSession.State.HELD


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    session = factory.SubFactory(SessionFactory)
    committee = factory.SelfAttribute("session.committee")
    title = factory.Sequence(lambda n: f"增设非机动车充电桩{n}")
    content = "在小区东门增设充电桩二十个"
    state = Outcome.State.PENDING


def handed_outcome(unit, *, state=Outcome.State.ASSIGNED, deadline=None, **kwargs):
    """An outcome already at ``unit``."""
    kwargs.setdefault("session__committee", unit.committee)
    return OutcomeFactory(
        unit=unit,
        deadline=deadline or date.today() + timedelta(days=30),
        state=state,
        assigned_at=timezone.now(),
        **kwargs,
    )


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    session = factory.SubFactory(SessionFactory)
    kind = Participant.Kind.RESIDENT
    name = "王阿姨"
    contact = "13900001111"
