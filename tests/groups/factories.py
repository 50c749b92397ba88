"""factory_boy factories for activities, attendance, evidence and plans."""

import io
from datetime import date, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from activities import coverage
from activities.models import Activity, AnnualPlan, Attendance, PlanItem
from groups.models import PlenarySession, Term
from tests import factories as f


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    group = factory.SubFactory(f.ActivityGroupFactory)
    committee = factory.SelfAttribute("group.committee")
    kind = Activity.Kind.STUDY
    title = factory.Sequence(lambda n: f"学习座谈会{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "东湖街道会议室"


class ThreeEntersFactory(ActivityFactory):
    kind = Activity.Kind.THREE_ENTERS
    target = Activity.Target.COMMUNITY
    title = factory.Sequence(lambda n: f"委员进社区{n}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    activity = factory.SubFactory(ActivityFactory)
    member = factory.SubFactory(f.MemberFactory, committee=factory.SelfAttribute("..activity.committee"))


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    group = factory.SubFactory(f.ActivityGroupFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    plan = factory.SubFactory(AnnualPlanFactory)
    quarter = 1
    month = 2
    kind = Activity.Kind.STUDY
    title = factory.Sequence(lambda n: f"计划事项{n}")


def png_bytes(size=(40, 30), fmt="PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def photo_upload(name="现场照片.png", fmt="PNG") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(fmt=fmt), content_type="image/png")


def pdf_upload(name="签到表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def held_activity(world, *, kind=Activity.Kind.STUDY, starts_at=None, members=None, **kw) -> Activity:
    """A held activity of ``world.group`` with ``members`` (default: the world's member) present."""
    starts_at = starts_at or timezone.now() - timedelta(days=1)
    activity = ActivityFactory(group=world.group, kind=kind, starts_at=starts_at, state=Activity.State.HELD, **kw)
    members = members if members is not None else [world.member_record]
    for m in members:
        Attendance.objects.create(
            activity=activity,
            member=m,
            status=Attendance.Status.PRESENT,
            signed_in_at=starts_at,
            sign_in_method=Attendance.Method.CONVENER,
        )
    coverage.refresh(coverage.attendance_cells(activity, [m.pk for m in members]))
    return activity


def coverage_recounted() -> int:
    """The coverage cells counted again from the rows (``activities.coverage.rebuild``): for a test that wrote
    attendance, activities or contacts past the services (``create``, ``update``), as a bulk load does."""
    return coverage.rebuild()


class PlenarySessionFactory(factory.django.DjangoModelFactory):
    """The 2026 plenary session of a committee's current term: 2026-01-10 to 01-12, four half-day sittings."""

    class Meta:
        model = PlenarySession

    class Params:
        committee = factory.SubFactory(f.CommitteeFactory)

    term = factory.LazyAttribute(
        lambda o: Term.objects.filter(committee=o.committee, is_current=True).first()
        or Term.objects.filter(committee=o.committee).first()
        or f.TermFactory(committee=o.committee)
    )
    number = factory.Sequence(lambda n: n + 1)
    year = 2026
    start_date = date(2026, 1, 10)
    end_date = date(2026, 1, 12)
    half_days = 4
