"""Every figure equals the rows behind it (issue 17, item 3).

Each figure page is rendered as each role allowed to see it, over data with edge cases (two years, two
committees, adoptions dated across a year boundary, merged and draft proposals, overdue and on-time
replies). Every figure is an ``<a data-figure="N" href=...>`` (``core/templatetags/figures.py``); this
module follows every such link as the same user and counts the rows on the page behind it
(``data-total`` on the list, ``data-row`` per row). Inside a figure container (``data-figures``) a bare
number that is not such a link fails the test, so a new figure cell cannot be added without its rows.
"""

import importlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Adoption, Category, Instruction, Level, OpinionReport, Proposal
from tests.proposals.factories import OpinionReportFactory, ProposalFactory

pytestmark = pytest.mark.django_db
S = Proposal.State
R = OpinionReport.State
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NUMBER = re.compile(r"[\s\d.,%/—]*\d[\s\d.,%/—]*")
PAGE_SIZE = 50


@dataclass
class Figure:
    value: int
    href: str
    title: str = ""


@dataclass
class Page(HTMLParser):
    """What a rendered page says: its figure links, bare numbers in figure containers, its row count."""

    figures: list[Figure] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)
    total: int | None = None
    rows: int = 0

    def __post_init__(self):
        HTMLParser.__init__(self)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, in a figure container, in a figure link)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        in_box, in_link = self.stack[-1][1:] if self.stack else (False, False)
        if "data-total" in a:
            self.total = int(a["data-total"])
        if "data-row" in a:
            self.rows += 1
        if tag == "a" and "data-figure" in a:
            self.figures.append(Figure(int(a["data-figure"]), a.get("href", ""), a.get("title", "")))
            in_link = True
        if tag not in VOID:
            # th: a heading; data-not-a-count: a rank, a checklist's progress (六个一 3/6) or an amount of
            # points or money, which no list of rows adds up to
            exempt = tag in ("th", "option", "script") or "data-not-a-count" in a
            self.stack.append((tag, in_box or "data-figures" in a, in_link or exempt))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self.stack and self.stack[-1][1] and not self.stack[-1][2] and NUMBER.fullmatch(data.strip() or "x"):
            self.bare.append(data.strip())


def read(response) -> Page:
    assert response.status_code == 200, response
    page = Page()
    page.feed(response.content.decode())
    return page


def second_load_counts(client, urls, assert_max_num_queries, limit: int = 12) -> dict[str, int]:
    """Each URL's queries on its second load (the first warms the session and the caches), each within ``limit``:
    a drill-down page's count before its rows grow, to hold it to afterwards."""
    counts = {}
    for url in urls:
        client.get(url)
        with assert_max_num_queries(limit) as few:
            client.get(url)
        counts[url] = len(few.captured_queries)
    return counts


def assert_figures_add_up(client, url: str, *, at_least: int = 1) -> Page:
    """Every figure on ``url`` links to exactly that many rows, as the same user; no bare number."""
    page = read(client.get(url))
    assert not page.bare, f"{url}: numbers without the rows behind them: {page.bare}"
    assert len(page.figures) >= at_least, f"{url}: {len(page.figures)} figures"
    assert any(fig.value for fig in page.figures), f"{url}: every figure is 0; the data do not exercise it"
    for fig in page.figures:
        behind = read(client.get(fig.href))
        assert behind.total == fig.value, f"{url}: figure {fig.value} links to {behind.total} rows ({fig.href})"
        assert behind.rows == min(fig.value, PAGE_SIZE) or behind.rows >= 30, f"{fig.href}: {behind.rows} rows"
        if fig.title:  # a rate: numerator/denominator, the link goes to the numerator's rows
            assert int(fig.title.split("/")[0]) == fig.value, fig
    return page


# --- proposals and public-opinion reports ----------------------------------------------------------------


def proposals_and_reports(world) -> None:
    """Two committees, two years, every state a figure counts or must not count."""
    today = timezone.localdate()
    filed = timezone.now() - timedelta(days=40)
    units = (world.unit, world.other_unit)
    for committee in (world.city, world.district):
        for year in (2025, 2026):

            def proposal(committee=committee, year=year, **kw):
                return ProposalFactory(committee=committee, year=year, **kw)

            proposal(state=S.DRAFT)
            proposal(state=S.SUBMITTED, category=Category.ECONOMY)
            proposal(state=S.NOT_FILED, not_filed_reason="不属于政协履职范围")
            target = proposal(state=S.FILED, filed_at=filed)
            proposal(state=S.MERGED, merged_into=target)
            proposal(state=S.ASSIGNED, filed_at=filed, lead_unit=units[0], reply_due=today - timedelta(days=3))
            proposal(state=S.HANDLING, filed_at=filed, lead_unit=units[1], reply_due=today + timedelta(days=3))
            proposal(state=S.REPLIED, filed_at=filed, lead_unit=units[0], replied_on_time=True, result_code="A")
            proposal(state=S.REPLIED, filed_at=filed, lead_unit=units[1], replied_on_time=False, result_code="B")
            proposal(
                state=S.RATED,
                filed_at=filed,
                lead_unit=units[0],
                replied_on_time=True,
                result_code="A",
                first_rating=Proposal.Rating.UNSATISFIED,
                rating=Proposal.Rating.SATISFIED,
            )
            proposal(
                state=S.CLOSED,
                filed_at=filed,
                lead_unit=units[1],
                replied_on_time=True,
                result_code="A",
                first_rating=Proposal.Rating.BASIC,
                rating=Proposal.Rating.BASIC,
                implemented_on=today,
                category=Category.ECONOMY,
            )
            proposal(
                state=S.CLOSED,
                filed_at=filed,
                lead_unit=units[0],
                replied_on_time=False,
                result_code="B",
                first_rating=Proposal.Rating.UNSATISFIED,
                rating=Proposal.Rating.UNSATISFIED,
            )
            reports(committee, year)


def reports(committee, year) -> None:
    OpinionReportFactory(committee=committee, year=year, state=R.DRAFT)
    OpinionReportFactory(committee=committee, year=year, state=R.SUBMITTED)
    OpinionReportFactory(committee=committee, year=year, state=R.DECLINED, decline_reason="已有同类信息")
    OpinionReportFactory(committee=committee, year=year, state=R.ACCEPTED)  # accepted, not compiled yet
    twice = OpinionReportFactory(committee=committee, year=year, state=R.COMPILED)
    late = OpinionReportFactory(committee=committee, year=year, state=R.COMPILED)
    # adopted at two levels (one report), and adopted in the next January: counted in the report's year
    Adoption.objects.create(report=twice, level=Level.CITY, date=date(year, 12, 30))
    Adoption.objects.create(report=twice, level=Level.PROVINCIAL, date=date(year + 1, 1, 4))
    Adoption.objects.create(report=late, level=Level.CITY, date=date(year + 1, 1, 2))
    for when in (date(year, 12, 31), date(year + 1, 1, 5)):  # two instructions on one report
        Instruction.objects.create(report=twice, leader="王市长", level=Level.CITY, date=when, text="请研究")


FIGURE_PAGES = ["proposals:figures"]


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
@pytest.mark.parametrize("query", ["year=2026", "year=2025", "year=2026&category=economy"])
def test_every_proposal_and_report_figure_is_the_number_of_rows_behind_it(world, client_for, who, query):
    proposals_and_reports(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, f"{reverse('proposals:figures')}?{query}", at_least=30)
    if who != "district_staff":  # the city's staff and leader see a row per committee, each adding up
        district = read(client.get(f"{reverse('proposals:figures')}?{query}&committee={world.district.pk}"))
        assert len(district.figures) < len(page.figures) or "category" in query


def test_the_accepted_figure_counts_compiled_reports_like_its_list(world, client_for):
    """已采纳 counted accepted and compiled reports but linked to the compiled ones only (69 vs 53)."""
    reports(world.district, 2026)
    response = client_for(world.district_staff).get(reverse("proposals:figures") + "?year=2026")
    assert response.context["reports"]["accepted"] == 3
    listed = read(client_for(world.district_staff).get(reverse("proposals:reports") + "?year=2026&figure=accepted"))
    assert listed.total == 3


def test_a_rate_links_to_its_numerator_and_says_its_fraction(world, client_for):
    proposals_and_reports(world)
    page = read(client_for(world.district_staff).get(reverse("proposals:figures") + "?year=2026"))
    filing = next(fig for fig in page.figures if fig.title and "figure=filed" in fig.href)
    assert (filing.value, filing.title) == (8, "8/11")  # filed and beyond, of the eleven submitted (no draft)


def test_the_figures_export_holds_the_numbers_of_the_page(world, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    proposals_and_reports(world)
    client = client_for(world.staff)
    totals = client.get(reverse("proposals:figures") + "?year=2026").context["totals"]
    wb = load_workbook(BytesIO(client.get(reverse("proposals:figures_xlsx") + "?year=2026").content))
    numbers = {v for row in wb.worksheets[0].iter_rows(values_only=True) for v in row if isinstance(v, int)}
    assert {totals["submitted"], totals["filed"]} <= numbers


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
@pytest.mark.parametrize("year", [2026, 2025])
def test_every_adoption_and_instruction_count_on_the_reports_list_is_the_rows_behind_it(world, client_for, who, year):
    """Per report: its adoptions (one at two levels, one in the next January) and its leaders' instructions; another
    committee's report and its rows out of reach."""
    proposals_and_reports(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, f"{reverse('proposals:reports')}?year={year}", at_least=10)
    assert sorted(fig.value for fig in page.figures if fig.value) == sorted(
        [1, 2, 2] * (1 if who == "district_staff" else 2)
    )
    far = OpinionReportFactory(committee=world.other, year=year, state=R.COMPILED)
    Adoption.objects.create(report=far, level=Level.CITY, date=date(year, 6, 1))
    assert client.get(reverse("proposals:report_rows", args=[far.pk]) + "?figure=adoptions").status_code == 404


def test_the_rows_behind_a_reports_count_take_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    report = OpinionReportFactory(committee=world.district, year=2026, state=R.COMPILED)
    client = client_for(world.staff)
    urls = [f"{reverse('proposals:report_rows', args=[report.pk])}?figure={n}" for n in ("adoptions", "instructions")]

    levels = list(Level)  # one adoption per level at most

    def more(day):
        if day <= len(levels):
            Adoption.objects.create(report=report, level=levels[day - 1], date=date(2026, 6, day))
        Instruction.objects.create(report=report, leader="王市长", level=Level.CITY, date=date(2026, 6, day), text="阅")

    more(1)
    counts = second_load_counts(client, urls, django_assert_max_num_queries)
    for day in range(2, 8):
        more(day)
    for url, n in zip(urls, (len(levels), 7), strict=True):
        with django_assert_max_num_queries(counts[url]):
            assert read(client.get(url)).rows == n > 1
    assert client.get(urls[0].replace("adoptions", "issues")).status_code == 404


# --- three enters coverage and the ledger behind it --------------------------------------------------------


def coverage_year(world) -> None:
    """Two groups in the district, a city group, 三进 activities in two years and two quarters, a member who left."""
    from activities.models import Activity, Attendance
    from groups.models import GroupMembership
    from tests import factories as f
    from tests.groups.factories import ActivityFactory, ThreeEntersFactory, coverage_recounted

    tz = timezone.get_current_timezone()
    city_group = f.ActivityGroupFactory(committee=world.city)
    groups = (world.group, world.other_group, city_group)
    members = {g: [f.MembershipFactory(group=g).member for _ in range(3)] for g in groups}
    f.MembershipFactory(group=world.group, left_on=date(2026, 2, 1))  # left: not counted
    for g, (when, state) in zip(
        groups,
        [
            ((2026, 3, 31, 23), Activity.State.HELD),
            ((2026, 4, 1, 9), Activity.State.FILED),
            ((2025, 12, 31, 22), Activity.State.HELD),
        ],
        strict=True,
    ):
        three = ThreeEntersFactory(group=g, state=state, starts_at=timezone.datetime(*when, tzinfo=tz))
        for m in members[g][:2]:
            Attendance.objects.create(
                activity=three, member=m, status=Attendance.Status.PRESENT, signed_in_at=three.starts_at
            )
        Attendance.objects.create(activity=three, member=members[g][2], status=Attendance.Status.ABSENT)
        ActivityFactory(group=g, state=Activity.State.HELD, starts_at=timezone.datetime(2026, 6, 1, 9, tzinfo=tz))
        ActivityFactory(group=g, state=Activity.State.ANNOUNCED)  # not held: not counted
    coverage_recounted()  # attendance written past the services
    assert GroupMembership.objects.count() >= 10


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
@pytest.mark.parametrize("query", ["year=2026", "year=2026&quarter=1", "year=2026&quarter=2", "year=2025&quarter=4"])
def test_every_coverage_figure_is_the_number_of_members_or_activities_behind_it(world, client_for, who, query):
    coverage_year(world)
    assert_figures_add_up(client_for(getattr(world, who)), f"{reverse('activities:coverage')}?{query}", at_least=8)


def test_the_coverage_page_lists_one_committees_groups_a_page_at_a_time_each_figure_its_rows(
    world, client_for, monkeypatch
):
    """The groups table holds the chosen committee's groups (by default the first card's: the user's own
    committee), a page at a time; every figure of every page links to its rows, and the pages together list each
    active group of the committee once."""
    from activities.views import activities as views
    from groups.models import ActivityGroup

    coverage_year(world)
    monkeypatch.setattr(views, "GROUPS_PER_PAGE", 1)
    url = reverse("activities:coverage")

    def names(html: str) -> list[str]:
        return re.findall(r"<tr data-row>\s*<td>([^<]+)<", html)

    for who, committee in (("staff", world.city), ("district_staff", world.district)):
        client = client_for(getattr(world, who))
        expected = sorted(
            ActivityGroup.objects.filter(committee=committee, is_active=True).values_list("name", flat=True)
        )
        default = client.get(f"{url}?year=2026").content.decode()
        assert len(names(default)) == 1 and names(default)[0] in expected, who
        listed = []
        for number in range(1, len(expected) + 1):
            query = f"year=2026&committee={committee.pk}&page={number}"
            page = assert_figures_add_up(client, f"{url}?{query}", at_least=4)
            assert page.total == len(expected) and page.rows == 1
            listed += names(client.get(f"{url}?{query}").content.decode())
        assert sorted(listed) == expected, who
    assert len(expected) >= 2  # the district's pages are more than one


def test_the_coverage_drilldown_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    url = f"{reverse('activities:coverage_members')}?year=2026&committee={world.district.pk}&covered=0"
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    coverage_year(world)
    coverage_year(world)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert read(client.get(url)).rows > 5


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_dashboard_figure_is_the_number_of_members_or_groups_behind_it(world, client_for, who):
    from tests import factories as f

    coverage_year(world)
    f.MemberFactory(committee=world.district, is_standing=True)
    f.MemberFactory(committee=world.district, status="left")  # not active: not counted
    f.ActivityGroupFactory(committee=world.district, is_active=False)
    assert_figures_add_up(client_for(getattr(world, who)), reverse("groups:dashboard"), at_least=3)


# --- the annual assessment's group settlement ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_settlement_count_on_the_annual_page_is_the_rows_behind_it(world, client_for, who):
    """Members at any time of the year (one left in May still counts), activities filed in the year."""
    from activities.models import Activity
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    coverage_year(world)
    f.MembershipFactory(group=world.group, joined_on=date(2025, 3, 1), left_on=date(2026, 5, 1))
    f.MembershipFactory(group=world.group, joined_on=date(2024, 3, 1), left_on=date(2025, 5, 1))  # not in 2026
    tz = timezone.get_current_timezone()
    for when in ((2026, 1, 1, 0, 30), (2026, 12, 31, 23, 30), (2027, 1, 1, 0, 30)):
        ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=timezone.datetime(*when, tzinfo=tz))
    url = f"{reverse('assessments:annual')}?committee={world.district.pk}&year=2026"
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, f"{url}&show=groups", at_least=4)
    assert max(fig.value for fig in page.figures) >= 4
    # the members' tab: the latest roll-up's members, per grade and below the minimums (kept by the roll-up), each
    # the number of rows its list counts
    from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset

    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    for quarter in (1, 2):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    page = assert_figures_add_up(client, url, at_least=3)
    names = {fig.href.split("&")[-1].split("=")[0] for fig in page.figures}
    assert {"quarter", "grade", "below"} <= names, page.figures


# --- the pooled themes' matters that keep returning ---------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_theme_and_recurring_matter_count_is_the_number_of_rows_heard_behind_it(world, client_for, who):
    """Messages across the window's edges (the first day of the window, the last hour of the quarter shown, the day
    after it), a discarded one (not counted) and another committee's (out of sight)."""
    from activities.models import PublicMessage
    from tests import factories as f

    tz = timezone.get_current_timezone()
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    far = f.ContactPointFactory(committee=world.other, name="远山社区")

    def left(place, when, text, state="new", category="livelihood"):
        m = PublicMessage.objects.create(
            committee=place.committee,
            target="contact_point",
            contact_point=place,
            category=category,
            text=text,
            tracking_code=f"D{PublicMessage.objects.count():09d}",
            client_key="k",
            state=state,
            answer_due=date(2026, 6, 30),
        )
        PublicMessage.objects.filter(pk=m.pk).update(created_at=timezone.datetime(*when, tzinfo=tz))

    left(point, (2025, 7, 1, 0, 30), "小区电梯加装进度慢")
    left(point, (2026, 6, 30, 23, 30), "电梯加装没有动静")
    left(point, (2026, 7, 1, 0, 30), "电梯加装还是慢")  # after the quarter shown
    left(point, (2026, 5, 2, 9, 0), "电梯广告骚扰", state="discarded")
    left(point, (2026, 4, 2, 9, 0), "夜市噪音扰民", category="environment")
    left(point, (2026, 4, 3, 9, 0), "夜市噪音又来了", category="environment")
    left(point, (2026, 4, 4, 9, 0), "夜市油烟噪音", category="environment")
    left(far, (2026, 5, 2, 9, 0), "电梯加装")
    left(far, (2025, 8, 2, 9, 0), "电梯加装难")
    # heard elsewhere than the mailbox: a contact at the same point, a suggestion at an activity held there
    from activities.models import ActivitySuggestion
    from groups.models import ConstituentContact
    from tests.groups.factories import ActivityFactory

    ConstituentContact.objects.create(
        committee=world.district,
        member=world.member_record,
        contacted_on=date(2026, 4, 20),
        contact_point=point,
        whom_kind="household",
        whom="一户居民",
        topic="environment",
        raised="夜市噪音到深夜",
        recorded_by=world.member,
    )
    activity = ActivityFactory(group=world.group, committee=world.district, contact_point=point)
    said = ActivitySuggestion.objects.create(activity=activity, category="livelihood", text="电梯加装补贴")
    ActivitySuggestion.objects.filter(pk=said.pk).update(created_at=timezone.datetime(2025, 9, 1, 9, tzinfo=tz))
    url = f"{reverse('activities:message_themes')}?year=2026&quarter=2"
    page = assert_figures_add_up(client_for(getattr(world, who)), url, at_least=2)
    # the matters at 东湖社区: the night market 3 messages and a contact; the lift 2 messages and a suggestion
    assert sorted(fig.value for fig in page.figures if "place" in fig.href) == [3, 4]


# --- consultations ----------------------------------------------------------------------------------------------


def consultation_year(world) -> None:
    """Sessions of two committees and two years (one cancelled), on two platforms, with members present and absent,
    participants of two kinds and outcomes in every state a figure counts or must not count."""
    from consultations.models import Attendance, ConsultationSession, Outcome, Participant
    from groups.models import Platform
    from tests import factories as f
    from tests.consultations.factories import OutcomeFactory, SessionFactory

    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    for committee in (world.city, world.district):
        platforms = [
            Platform.objects.get_or_create(
                committee=committee, kind=Platform.Kind.CONSULTATION, name=f"{committee.code}{i}"
            )[0]
            for i in (1, 2)
        ]
        members = [f.MemberFactory(committee=committee) for _ in range(3)]
        for year in (2025, 2026):
            for i, (level, form, state) in enumerate(
                [
                    ("district", ConsultationSession.Form.THEMATIC, "held"),
                    ("community", ConsultationSession.Form.GRASSROOTS, "held"),
                    ("community", ConsultationSession.Form.GRASSROOTS, "planned"),
                    ("community", ConsultationSession.Form.GRASSROOTS, "cancelled"),  # never counted
                ]
            ):
                s = SessionFactory(
                    committee=committee,
                    level=level,
                    form=form,
                    state=state,
                    platform=platforms[i % 2],
                    starts_at=timezone.datetime(year, 12 if i else 1, 31 if i else 1, 22, tzinfo=tz),
                )
                for m, status in zip(members, ("present", "present", "absent"), strict=True):
                    Attendance.objects.create(session=s, member=m, status=status)
                Participant.objects.create(session=s, kind=Participant.Kind.RESIDENT, name="居民")
                Participant.objects.create(session=s, kind=Participant.Kind.DEPARTMENT, name="局长", unit=world.unit)
                if state == "cancelled":
                    continue
                OutcomeFactory(session=s)
                OutcomeFactory(
                    session=s,
                    unit=world.unit,
                    state=Outcome.State.HANDLING,
                    deadline=today - timedelta(days=2),  # overdue
                )
                OutcomeFactory(
                    session=s,
                    unit=world.unit,
                    state=Outcome.State.REPLIED,
                    reply="已办",
                    replied_at=timezone.now(),
                    answered_on_time=bool(i % 2),
                    deadline=today - timedelta(days=2),  # replied: not overdue
                )


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
@pytest.mark.parametrize("query", ["year=2026", "year=2025", ""])
def test_every_consultation_figure_is_the_number_of_rows_behind_it(world, client_for, who, query):
    consultation_year(world)
    client = client_for(getattr(world, who))
    url = f"{reverse('consultations:figures')}?{query}"
    page = assert_figures_add_up(client, url, at_least=15)
    platform = next(fig for fig in page.figures if "platform=" in fig.href)
    narrowed = assert_figures_add_up(client, platform.href.replace(reverse("consultations:figure_rows"), url, 1))
    assert len(narrowed.figures) < len(page.figures) or who == "district_staff"


def test_the_consultation_figures_count_what_their_lists_list(world, client_for):
    consultation_year(world)
    client = client_for(world.district_staff)
    data = client.get(reverse("consultations:figures") + "?year=2026").context["data"]
    assert data["session_total"] == 3 and data["members_present"] == 6  # the cancelled session counts nothing
    assert data["totals"] == {"replied": 3, "on_time": 1, "overdue": 3}
    rows = read(client.get(reverse("consultations:figure_rows") + "?year=2026&figure=overdue"))
    assert rows.total == 3


def test_the_consultation_drilldown_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    urls = [
        f"{reverse('consultations:figure_rows')}?figure={figure}"
        for figure in ("sessions", "present", "participants", "outcomes", "overdue")
    ]
    consultation_year(world)
    counts = second_load_counts(client, urls, django_assert_max_num_queries)
    consultation_year(world)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert read(client.get(url)).rows > 5


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader", "convener"])
def test_every_count_of_a_session_on_the_session_list_is_the_number_of_rows_behind_it(world, client_for, who):
    """Members present (not the absent), other participants and outcomes per session, a cancelled session's too;
    a convener sees their group's sessions and the rows behind them, not the rest of the committee's."""
    from consultations.models import ConsultationSession

    consultation_year(world)
    ConsultationSession.objects.filter(committee=world.district, starts_at__year=2026).update(group=world.group)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, reverse("consultations:sessions"), at_least=9)
    sessions = {int(re.search(r"/sessions/(\d+)/rows/", fig.href)[1]) for fig in page.figures}
    expected = {"staff": 16, "leader": 16, "district_staff": 8, "convener": 4}[who]
    assert len(sessions) == expected and len(page.figures) == 3 * expected
    # members present 2 of 3, participants 2, outcomes 3 (a cancelled session's none)
    assert sorted({fig.value for fig in page.figures}) == [0, 2, 3]
    if who == "convener":  # another session of the committee: not theirs, nor its rows
        other = ConsultationSession.objects.filter(committee=world.district, starts_at__year=2025).first()
        url = reverse("consultations:session_rows", args=[other.pk]) + "?figure=present"
        assert client.get(url).status_code == 404


def test_the_rows_behind_a_sessions_count_take_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from consultations.models import Attendance, Participant
    from tests import factories as f
    from tests.consultations.factories import OutcomeFactory, SessionFactory

    session = SessionFactory(committee=world.district, state="held")
    client = client_for(world.staff)

    def more():
        Attendance.objects.create(session=session, member=f.MemberFactory(committee=world.district), status="present")
        Participant.objects.create(session=session, kind=Participant.Kind.DEPARTMENT, name="局长", unit=world.unit)
        OutcomeFactory(session=session, unit=world.unit)

    more()
    urls = [
        f"{reverse('consultations:session_rows', args=[session.pk])}?figure={n}"
        for n in ("present", "participants", "outcomes")
    ]
    counts = second_load_counts(client, urls, django_assert_max_num_queries)
    for _ in range(6):
        more()
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert read(client.get(url)).rows == 7
    assert client.get(urls[0].replace("present", "absent")).status_code == 404


# --- the leaders' headline ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_headline_count_is_the_number_of_rows_behind_it(world, client_for, who):
    """The leaders' home: each rate links to its numerator's rows and says its fraction; the reports adopted."""
    proposals_and_reports(world)
    coverage_year(world)
    page = assert_figures_add_up(
        client_for(getattr(world, who)), f"{reverse('workbench:leader_home')}?year=2026", at_least=6
    )
    assert any(fig.title for fig in page.figures)


# --- the activity ledger's per-activity attendance ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_attendance_count_of_the_ledger_is_the_number_of_attendances_behind_it(world, client_for, who):
    """Present of invited per activity, and how the present signed in (scan, convener, correction)."""
    from activities.models import Attendance

    coverage_year(world)
    present = Attendance.objects.filter(status=Attendance.Status.PRESENT).order_by("pk")
    for attendance, method in zip(present, [m for m in Attendance.Method.values for _ in range(2)], strict=False):
        Attendance.objects.filter(pk=attendance.pk).update(sign_in_method=method)
    page = assert_figures_add_up(
        client_for(getattr(world, who)), f"{reverse('activities:ledger')}?year=2026", at_least=4
    )
    assert {"on_site", "convener", "correction"} <= {fig.href.rsplit("method=", 1)[-1] for fig in page.figures}


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader", "convener"])
def test_present_and_invited_of_an_activity_are_its_attendance_rows_on_every_page_that_counts_them(
    world, client_for, who
):
    """One activity with every edge the two counts meet: a member who signed in, one staff corrected to present, one
    who asked for leave and one whose leave was approved (excused), one removed from the group since (their
    invitation stays), an absent one and a guest from another group who signed up. The ledger (staff, leaders), the
    convener's dashboard and the sign-in screen (the group's editors) each count what the list behind them lists."""
    from activities.models import Attendance
    from activities.services.activities import attendance_correct
    from groups.models import GroupMembership
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    now = timezone.now()
    activity = ActivityFactory(group=world.group, state="held", starts_at=now - timedelta(hours=1))
    members = [f.MembershipFactory(group=world.group).member for _ in range(6)]
    guest = f.MembershipFactory(group=world.other_group).member
    A = Attendance
    rows = [
        {"status": A.Status.PRESENT, "signed_in_at": now, "sign_in_method": A.Method.ON_SITE},
        {"status": A.Status.ABSENT},  # corrected to present below
        {"leave": A.Leave.REQUESTED, "leave_reason": "出差", "leave_requested_at": now},
        {"status": A.Status.EXCUSED, "leave": A.Leave.APPROVED, "leave_reason": "生病"},
        {},  # removed from the group below
        {"status": A.Status.ABSENT},
    ]
    for member, fields in zip(members, rows, strict=True):
        A.objects.create(activity=activity, member=member, **fields)
    A.objects.create(activity=activity, member=guest, signed_up_at=now - timedelta(days=2))
    attendance_correct(activity_id=activity.pk, member_id=members[1].pk, actor=world.district_staff, status="present")
    GroupMembership.objects.filter(group=world.group, member=members[4]).update(left_on=timezone.localdate())
    client = client_for(getattr(world, who))
    behind = reverse("activities:attendance_rows", args=[activity.pk])
    pages = {
        "staff": ["ledger", "dashboard", "screen"],
        "district_staff": ["ledger", "dashboard", "screen"],
        "leader": ["ledger"],
        "convener": ["dashboard", "screen"],
    }[who]
    urls = {
        "ledger": f"{reverse('activities:ledger')}?year={now.year}",
        "dashboard": reverse("activities:group_activities", args=[world.group.pk]),
    }
    for name in pages:
        if name == "screen":
            counts = client.get(reverse("activities:sign_in_screen", args=[activity.pk])).context["counts"]
            assert counts == {
                "present": read(client.get(f"{behind}?status=present")).total,
                "invited": read(client.get(behind)).total,
            }
            assert counts == {"present": 2, "invited": 7}
            continue
        page = assert_figures_add_up(client, urls[name])
        mine = {fig.href.partition("?")[2]: fig.value for fig in page.figures if fig.href.startswith(behind)}
        assert (mine["status=present"], mine[""]) == (2, 7), (name, mine)


def test_the_attendance_list_behind_a_ledger_figure_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from activities.models import Attendance
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    url = reverse("activities:attendance_rows", args=[activity.pk]) + "?status=present"
    client = client_for(world.staff)
    Attendance.objects.create(
        activity=activity,
        member=f.MemberFactory(committee=world.district),
        status="present",
        signed_in_at=activity.starts_at,
    )
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(8):
        Attendance.objects.create(
            activity=activity,
            member=f.MemberFactory(committee=world.district),
            status="present",
            signed_in_at=activity.starts_at,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert read(client.get(url)).rows == 9


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_count_of_the_funding_export_is_the_number_of_rows_its_link_lists(world, client_for, who):
    """The group funding workbook: a sheet names each count's list; following it as the same user counts them."""
    from io import BytesIO

    from openpyxl import load_workbook

    coverage_year(world)
    client = client_for(getattr(world, who))
    query = f"committee={world.district.pk}&year=2026"
    book = load_workbook(BytesIO(client.get(f"{reverse('assessments:funding_export')}?{query}").content))
    settled = {
        row[1]: (row[3], row[4])
        for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)
        if row and isinstance(row[0], int)
    }
    behind = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(behind) == 2 * len(settled) >= 4
    for group, _figure, count, link in behind:
        assert count in settled[group]
        assert read(client.get(link)).total == count, link
    page = read(client.get(f"{reverse('assessments:annual')}?{query}&show=groups"))
    assert sorted(fig.value for fig in page.figures) == sorted(row[2] for row in behind)


# --- the duty record's categories ------------------------------------------------------------------------------------


class Record(HTMLParser):
    """The duty record's category figures (``data-expand``) and, per folded group, its lines' points."""

    def __init__(self):
        super().__init__()
        self.items: dict[str, int] = {}
        self.points: dict[str, str] = {}
        self.lines: dict[str, list[str]] = {}
        self.group = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-category-items" in a:
            self.items[a["data-expand"]] = int(a["data-category-items"])
        if "data-category-points" in a:
            self.points[a["data-expand"]] = a["data-category-points"]
        if tag == "details" and "id" in a:
            self.group = a["id"]
            self.lines[self.group] = []
        if "data-points" in a and self.group:
            self.lines[self.group].append(a["data-points"])


@pytest.fixture
def capped_record(world, monkeypatch):
    """A member under 桐城's rules whose proposals are shared three ways (10 / 3 = 3.33, rounded) and whose
    proposals, activities and reports go past their categories' caps."""
    from assessments import selectors
    from assessments.kinds import EventKind as K
    from assessments.kinds import Role
    from assessments.services import ruleset_create_from_preset
    from tests.assessments.helpers import ev, many

    ruleset_create_from_preset(committee=world.district, year=2026, preset="tongcheng", actor=None)
    events = [
        ev(K.PLENARY_PRESENT, 1, 10, qty=4),
        ev(K.PROPOSAL_SUBMITTED, 1, 11, role=Role.LEAD),
        ev(K.PROPOSAL_FILED_LEAD, 2, 1, role=Role.LEAD),
        ev(K.PROPOSAL_SUBMITTED, 1, 12, role=Role.FIRST_AUTHOR, authors=3),
        ev(K.PROPOSAL_JOINT_FIRST, 2, 2, role=Role.FIRST_AUTHOR, authors=3),
        *many(K.ACTIVITY_PRESENT, 6, month=4),
        ev(K.REPORT_SUBMITTED, 5, 1),
        ev(K.REPORT_SUBMITTED, 5, 2),
        ev(K.REPORT_ADOPTED, 6, 1),
    ]
    member = world.member_record.pk

    def fake(committee, start, end, *, member_ids=None):
        return iter(e for e in events if start <= e.on <= end and (member_ids is None or member in member_ids))

    monkeypatch.setattr(selectors, "duty_events", lambda *a, **kw: ((member, e) for e in fake(*a, **kw)))


@pytest.mark.parametrize("who", ["member", "staff", "district_staff"])
def test_each_category_of_the_duty_record_opens_into_lines_that_add_up_to_it(world, client_for, capped_record, who):
    from decimal import Decimal

    url = reverse("assessments:member_record", args=[world.member_record.pk])
    response = client_for(getattr(world, who)).get(url, {"year": 2026})
    record = Record()
    record.feed(response.content.decode())
    assert len(record.items) == 4, record.items  # 会议, 提案, 活动, 社情民意
    capped = 0
    for anchor, items in record.items.items():
        lines = record.lines[anchor]
        assert len(lines) == items
        assert sum(Decimal(p) for p in lines) == Decimal(record.points[anchor]), anchor
        capped += any(Decimal(p) != Decimal(p).quantize(Decimal(1)) for p in lines)
    assert {record.points[a] for a in record.items} == {"50.00", "25.00", "10.00", "15.00"}
    assert capped  # a line of 3.33: the rounding is in the sum
    quarter = client_for(getattr(world, who)).get(url, {"year": 2026, "quarter": 2}).content.decode()
    assert "data-category-items" not in quarter  # a quarter's lines are not the year's categories


# --- the duty dashboard's tables -------------------------------------------------------------------------------------


def rolled_up(world) -> None:
    """The coverage year under 合肥's rules, rolled up for the first two quarters of 2026."""
    from assessments.models import RuleSet
    from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset

    coverage_year(world)
    if not RuleSet.objects.filter(committee=world.district, year=2026).exists():
        ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    for quarter in (1, 2):
        run = rollup_start(committee=world.district, year=2026, quarter=quarter, actor=world.district_staff)
        rollup_execute(run_id=run.pk)


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_count_of_the_dashboard_is_the_number_of_members_behind_it(world, client_for, who):
    """The charts' numbers, as tables without JavaScript: members and members covered per quarter, members per
    band of points."""
    rolled_up(world)
    client = client_for(getattr(world, who))
    url = f"{reverse('assessments:dashboard')}?committee={world.district.pk}&year=2026"
    page = assert_figures_add_up(client, url, at_least=13 + 2 * 3)
    assert sum(fig.value for fig in page.figures if "bucket=" in fig.href) == max(fig.value for fig in page.figures)
    if who != "district_staff":  # the city's: each district's coverage
        city = f"{reverse('assessments:dashboard')}?committee={world.city.pk}&year=2026"
        assert any(f"committee={world.district.pk}" in fig.href for fig in assert_figures_add_up(client, city).figures)


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_a_dashboard_figure_still_equals_its_rows_after_a_change_since_the_roll_up(world, client_for, who):
    """Staff correct an attendance of the first quarter after its roll-up (an absent member was there): the snapshot
    says two attended, the records three. The quarters changed since show their duty events counted now, by the
    query of the list behind them; members and coverage stay the snapshot's, whose list is the snapshot's members;
    the page says when each quarter was rolled up and which changed since, and so does the list of events."""
    from activities.models import Attendance
    from activities.services.activities import attendance_correct
    from assessments.models import RollupRun

    rolled_up(world)
    absent = Attendance.objects.get(activity__group=world.group, status=Attendance.Status.ABSENT)
    attendance_correct(
        activity_id=absent.activity_id, member_id=absent.member_id, actor=world.district_staff, status="present"
    )
    client = client_for(getattr(world, who))
    url = f"{reverse('assessments:dashboard')}?committee={world.district.pk}&year=2026"
    page = assert_figures_add_up(client, url, at_least=13 + 2 * 3)
    first = next(fig for fig in page.figures if "quarter=1" in fig.href and "figure=activities_present" in fig.href)
    assert first.value == 3
    members = next(fig for fig in page.figures if fig.href.endswith("quarter=1") and "dashboard/members" in fig.href)
    assert members.value == read(client.get(members.href)).total  # the snapshot's members, listed from it
    html = client.get(url).content.decode()
    runs = RollupRun.objects.filter(committee=world.district, year=2026, status="done").order_by("quarter")
    for run in runs:
        assert run.is_stale and timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M") in html
    assert html.count('data-testid="events-as-of"') == 2 and html.count("text-warning-emphasis") == 2
    events = client.get(first.href).content.decode()
    assert 'data-testid="events-as-of"' in events and "text-warning-emphasis" in events


def test_a_stale_runs_summed_figures_no_longer_claim_the_events_listed_now(world, client_for):
    """The progress page of a run that a later correction made stale: its figures are as of the run, which it says;
    the summed duty events are no longer links to the events now (the members still open the run's snapshot)."""
    from activities.models import Attendance
    from activities.services.activities import attendance_correct
    from assessments.models import RollupRun

    rolled_up(world)
    absent = Attendance.objects.get(activity__group=world.group, status=Attendance.Status.ABSENT)
    attendance_correct(
        activity_id=absent.activity_id, member_id=absent.member_id, actor=world.district_staff, status="present"
    )
    run = RollupRun.objects.get(committee=world.district, year=2026, quarter=1, status="done")
    client = client_for(world.district_staff)
    response = client.get(reverse("admin:assessments_rolluprun_progress", args=[run.pk]))
    page = assert_figures_add_up(client, reverse("admin:assessments_rolluprun_progress", args=[run.pk]), at_least=3)
    assert {fig.href.split("?")[0] for fig in page.figures} == {
        reverse("assessments:dashboard_members"),
        reverse("assessments:dashboard_groups"),
    }
    assert "data-stale" in response.content.decode()


def test_a_runs_count_of_groups_is_the_groups_it_counted_whatever_groups_came_or_went_since(
    world, client_for, django_assert_max_num_queries
):
    """The run's progress page counts the committee's active groups when it ran: two groups made since and one wound
    up since change the coverage page, not the run's groups, which its own list shows (in a fixed number of queries)."""
    from assessments.models import RollupRun
    from groups.models import ActivityGroup
    from tests import factories as f

    rolled_up(world)
    run = RollupRun.objects.get(committee=world.district, year=2026, quarter=2, status="done")
    client = client_for(world.district_staff)
    progress = reverse("admin:assessments_rolluprun_progress", args=[run.pk])
    named = {"members", "events"}  # the run's other figures' lists: the groups' is the one left

    def of_groups(page):
        return next(fig for fig in page.figures if not any(f"dashboard/{n}/" in fig.href for n in named))

    before = of_groups(assert_figures_add_up(client, progress, at_least=8))
    f.ActivityGroupFactory(committee=world.district)
    f.ActivityGroupFactory(committee=world.district)
    ActivityGroup.objects.filter(pk=world.other_group.pk).update(is_active=False)
    page = assert_figures_add_up(client, progress, at_least=8)
    groups = of_groups(page)
    assert groups.value == before.value >= 2 and "dashboard/groups/" in groups.href
    counts = second_load_counts(client, [groups.href], django_assert_max_num_queries)
    for _ in range(3):
        f.ActivityGroupFactory(committee=world.district)
    rolled_up(world)
    with django_assert_max_num_queries(counts[groups.href]):
        assert read(client.get(groups.href)).rows == before.value + 4  # the next run: one wound up, five made


def test_the_members_behind_a_dashboard_figure_take_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from assessments.models import MemberSnapshot

    rolled_up(world)
    client = client_for(world.staff)
    url = f"{reverse('assessments:dashboard_members')}?committee={world.district.pk}&year=2026&quarter=2"
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert read(client.get(url)).rows == MemberSnapshot.objects.filter(quarter=2).count() > 5
    rolled_up(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert read(client.get(url)).rows > 10


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
@pytest.mark.parametrize("year", [2026, 2025])
def test_every_unit_sheet_figure_is_the_number_of_proposals_or_outcomes_behind_it(world, client_for, who, year):
    """The committee's sheet (a row per unit) and one unit's sheet: each count links to the unit's proposals or
    outcomes of the year, as many as it says."""
    proposals_and_reports(world)
    consultation_year(world)
    client = client_for(getattr(world, who))
    committee = world.unit.committee_id
    page = assert_figures_add_up(
        client, f"{reverse('assessments:unit_sheets')}?committee={committee}&year={year}", at_least=20
    )
    assert any(
        reverse("assessments:unit_sheet_rows", args=[world.unit.pk]) in fig.href and fig.value >= 3
        for fig in page.figures
    )
    assert_figures_add_up(client, f"{reverse('assessments:unit_sheet', args=[world.unit.pk])}?year={year}", at_least=19)


@pytest.mark.parametrize("who", ["unit_user", "staff", "district_staff", "leader"])
def test_a_units_own_sheet_adds_up_for_the_unit_itself(world, client_for, who):
    """The unit's own user reads its sheet and every list behind it (its own proposals and outcomes only)."""
    from proposals.models import Assignment

    proposals_and_reports(world)
    consultation_year(world)
    today = timezone.localdate()
    for p in Proposal.objects.filter(lead_unit__isnull=False):  # as proposals_assign leaves them
        Assignment.objects.create(
            proposal=p, unit=p.lead_unit, role="lead", assigned_on=today, due_date=today, reassign_until=today
        )
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, f"{reverse('assessments:unit_sheet', args=[world.unit.pk])}?year=2026")
    assert all(f"/units/{world.unit.pk}/rows/" in fig.href for fig in page.figures)
    for fig in page.figures:  # every row the unit sees opens for it
        behind = client.get(fig.href).content.decode()
        for href in re.findall(r'href="(/(?:proposals|consultations)/[^"]+/)" data-row', behind)[:3]:
            assert client.get(href).status_code == 200, href


# --- a handling unit's home: its cards of proposals and consultation outcomes ------------------------------------


def assigned(world) -> None:
    """The proposals with a lead unit, assigned to it as ``proposals_assign`` leaves them."""
    from proposals.models import Assignment

    today = timezone.localdate()
    for p in Proposal.objects.filter(lead_unit__isnull=False):
        due = p.reply_due or today + timedelta(days=30)
        Assignment.objects.create(
            proposal=p, unit=p.lead_unit, role="lead", assigned_on=today, due_date=due, reassign_until=today
        )


@pytest.mark.parametrize("who", ["unit_user", "other_unit_user"])
def test_every_count_of_a_units_cards_is_the_number_of_rows_behind_it(world, client_for, who):
    """Proposals to reply to and overdue, consultation outcomes to answer and overdue: each links to the unit's own
    list, as many rows as it says (another unit's assignments and outcomes never in them)."""
    proposals_and_reports(world)
    consultation_year(world)
    assigned(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, reverse("groups:unit_home"), at_least=2)
    shown = {fig.href: fig.value for fig in page.figures}
    proposals, outcomes = reverse("proposals:unit"), reverse("consultations:unit_outcomes")
    if who == "unit_user":  # its proposals: assigned, past their reply date (two committees, two years); its outcomes
        assert shown == {
            f"{proposals}?due=overdue": 4,
            f"{proposals}?state=open": 4,
            f"{outcomes}?overdue=1": 12,
            f"{outcomes}?state=open": 12,
        }
    else:  # the other unit's proposals are in hand, not yet due; no outcome handed to it
        assert shown == {f"{proposals}?state=open": 4, f"{outcomes}?state=open": 0}


# --- no figure page escapes ----------------------------------------------------------------------------------------

# Every template with a figure container (``data-figures``) and the test above that follows its figures as each
# role that sees it. A new figure page fails here until it is added to a drill-down test and to this list.


# --- the roll-up's summed figures: the dashboard's trend lines and a run's progress page ---------------------------


def duties(committee, year: int = 2026) -> None:
    """Proposals, public-opinion reports and consultations of the committee's members across the edges of the first
    quarter (its first hour, its last hour, the next quarter's first hour and the previous year's last), a draft,
    a declined report and a planned session that count nothing, and a member who left (no snapshot: not counted)."""
    from consultations.models import Attendance
    from groups.models import Member
    from tests import factories as f
    from tests.consultations.factories import SessionFactory

    tz = timezone.get_current_timezone()
    members = [f.MemberFactory(committee=committee) for _ in range(3)]
    gone = f.MemberFactory(committee=committee, status=Member.Status.LEFT)
    edges = [(year, 1, 1, 0, 30), (year, 3, 31, 23, 30), (year, 4, 1, 0, 30), (year - 1, 12, 31, 23, 30)]
    for i, when in enumerate(edges):
        at = timezone.datetime(*when, tzinfo=tz)
        for member in (members[i % 3], gone):
            ProposalFactory(committee=committee, year=at.year, lead_proposer=member, state=S.SUBMITTED, submitted_at=at)
            report = OpinionReportFactory(committee=committee, year=at.year, author=member, state=R.ACCEPTED)
            OpinionReport.objects.filter(pk=report.pk).update(created_at=at)
        session = SessionFactory(committee=committee, state="held", starts_at=at)
        for member in (*members[: 1 + i % 2], gone):
            Attendance.objects.create(session=session, member=member, status="present")
        Attendance.objects.create(session=session, member=members[2], status="absent")
    ProposalFactory(committee=committee, lead_proposer=members[0], state=S.DRAFT)
    declined = OpinionReportFactory(committee=committee, author=members[0], state=R.DECLINED, decline_reason="重复")
    OpinionReport.objects.filter(pk=declined.pk).update(created_at=timezone.datetime(year, 2, 1, 9, tzinfo=tz))
    planned = SessionFactory(
        committee=committee, state="planned", starts_at=timezone.datetime(year, 2, 1, 9, tzinfo=tz)
    )
    Attendance.objects.create(session=planned, member=members[0], status="present")


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_trend_sum_of_the_dashboard_is_the_number_of_duty_events_behind_it(world, client_for, who):
    """The trend chart's lines (activities attended, proposals, reports, consultations per quarter) are sums of the
    members' snapshots; each links to the duty events it adds up, one row per event."""
    duties(world.district)
    duties(world.city)  # the city's own: never in the district's rows
    rolled_up(world)
    client = client_for(getattr(world, who))
    url = f"{reverse('assessments:dashboard')}?committee={world.district.pk}&year=2026"
    page = assert_figures_add_up(client, url, at_least=27)
    events = reverse("assessments:dashboard_events")
    trend = {
        (re.search(r"quarter=(\d)", fig.href)[1], re.search(r"figure=(\w+)", fig.href)[1]): fig.value
        for fig in page.figures
        if fig.href.startswith(events)
    }
    assert len(trend) == 8, trend
    # the first quarter's two proposals and reports (its first and last hour), one each in the second; the
    # consultations: 1 + 2 members present in the first, 1 in the second; the coverage year's two present at a 三进
    # activity in each
    assert {k[1]: v for k, v in trend.items() if k[0] == "1"} == {
        "activities_present": 2,
        "proposals": 2,
        "reports": 2,
        "consultations": 3,
    }
    assert {k[1]: v for k, v in trend.items() if k[0] == "2"} == {
        "activities_present": 2,
        "proposals": 1,
        "reports": 1,
        "consultations": 1,
    }


def test_the_events_behind_a_figure_are_the_committees_staff_and_leaders_only(world, client_for):
    duties(world.district)
    rolled_up(world)
    url = (
        f"{reverse('assessments:dashboard_events')}?committee={world.district.pk}&year=2026&quarter=1&figure=proposals"
    )
    assert read(client_for(world.district_staff).get(url)).total == 2
    for outsider in (world.other_staff, world.member, world.convener):
        assert client_for(outsider).get(url).status_code == 403
    assert client_for(world.district_staff).get(url.replace("proposals", "points")).status_code == 404


def test_the_events_behind_a_figure_take_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    duties(world.district)
    rolled_up(world)
    query = f"committee={world.district.pk}&year=2026"
    urls = [
        f"{reverse('assessments:dashboard_events')}?{query}&quarter={q}&figure={name}"
        for q in (1, 2)
        for name in ("activities_present", "proposals", "consultations")
    ]
    counts = second_load_counts(client, urls, django_assert_max_num_queries)
    duties(world.district)
    rolled_up(world)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert read(client.get(url)).rows >= 2


def test_the_events_behind_a_figure_are_paged_newest_first_each_once_adding_up_to_the_figure(
    world, client_for, django_assert_max_num_queries
):
    """More events than a page (62 proposals of the first quarter, ten submitted at each moment): the next links
    walk them newest first, each once, their number the figure the roll-up kept (shown on every page); the previous
    link gives the page before again; every page of the walk takes the first page's queries."""
    import html

    from groups.models import Member

    duties(world.district)
    tz = timezone.get_current_timezone()
    members = list(Member.objects.filter(committee=world.district, status=Member.Status.ACTIVE).order_by("pk")[:3])
    for i in range(60):
        at = timezone.datetime(2026, 2, 1 + i % 6, 10, tzinfo=tz)
        ProposalFactory(committee=world.district, lead_proposer=members[i % 3], state=S.SUBMITTED, submitted_at=at)
    rolled_up(world)
    client = client_for(world.district_staff)
    events = reverse("assessments:dashboard_events")
    url = f"{events}?committee={world.district.pk}&year=2026&quarter=1&figure=proposals"
    client.get(url)
    with django_assert_max_num_queries(12) as first:
        client.get(url)
    pages, seen = [], []
    while url:
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = client.get(url)
        assert read(response).total == 62
        rows = [(r["member_id"], r["title"], r["day"]) for r in response.context["rows"]]
        pages.append((url, rows))
        seen += rows
        text = response.content.decode()
        after = re.search(r'href="\?([^"]+)" rel="next"', text)
        url = f"{events}?{html.unescape(after[1])}" if after else None
    assert [len(rows) for _url, rows in pages] == [50, 12]
    assert len(seen) == len(set(seen)) == 62
    assert [day for _m, _t, day in seen] == sorted((day for _m, _t, day in seen), reverse=True)
    before = re.search(r'href="\?([^"]+)" rel="prev"', text)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(f"{events}?{html.unescape(before[1])}")
    assert [(r["member_id"], r["title"], r["day"]) for r in response.context["rows"]] == pages[0][1]
    assert client.get(f"{pages[0][0]}&after=not-a-key").context["rows"] == response.context["rows"]


@pytest.mark.parametrize("who", ["staff", "district_staff", "other_staff"])
def test_every_count_of_a_rollup_run_is_the_number_of_rows_behind_it(world, client_for, who):
    """The admin's progress page of a finished run: members, covered, groups, activities, 三进, proposals, reports and
    consultations each link to their rows (the points are a sum of points, no list); the secretariat of the run's
    committee (a city's: its districts') only: another committee's staff see neither the run nor its rows, and a
    leader has no admin."""
    from assessments.models import RollupRun
    from assessments.services import rollup_execute, rollup_start

    duties(world.district)
    duties(world.other)
    rolled_up(world)
    own = world.other if who == "other_staff" else world.district
    theirs = world.district if who == "other_staff" else world.other
    runs = {
        c: rollup_execute(run_id=rollup_start(committee=c, year=2026, quarter=1, actor=None).pk) for c in (own, theirs)
    }
    assert {r.status for r in runs.values()} == {RollupRun.Status.DONE}
    client = client_for(getattr(world, who))
    progress = "admin:assessments_rolluprun_progress"
    page = assert_figures_add_up(client, reverse(progress, args=[runs[own].pk]), at_least=8)
    assert len(page.figures) == 8 and {fig.value for fig in page.figures if "figure=proposals" in fig.href} == {2}
    assert client.get(reverse(progress, args=[runs[theirs].pk])).status_code == 404
    other = client_for(world.district_staff if who == "other_staff" else world.other_staff)
    for fig in page.figures:  # the other committee's staff cannot open this run's rows either (or find none)
        response = other.get(fig.href)
        assert response.status_code == 403 or read(response).total == 0, fig.href
    assert client_for(world.leader).get(reverse(progress, args=[runs[own].pk])).status_code in (302, 403)


# --- a group's pages: my groups, the convener's dashboard and plan, the platforms and the leads ----------------------


def group_year(world) -> None:
    """The district group through 2026: members (one left), three contact points (one visited twice in the second
    quarter, one where a member only contacted people), a 三进 activity and an unplanned one held in the second
    quarter, a plan with an item done, items overdue and planned, leave requests (the convener's own: their
    deputy's), an upcoming activity with invitations; the other group and another committee's group alike."""
    from activities.models import AnnualPlan, Attendance, PlanItem, SixItem
    from groups.models import ConstituentContact, GroupMembership
    from tests import factories as f
    from tests.groups.factories import ActivityFactory, ThreeEntersFactory, coverage_recounted

    tz = timezone.get_current_timezone()
    far_group = f.ActivityGroupFactory(committee=world.other)
    for group in (world.group, world.other_group, far_group):
        members = [m.member for m in GroupMembership.objects.filter(group=group)]
        members += [f.MembershipFactory(group=group).member for _ in range(3)]
        f.MembershipFactory(group=group, left_on=date(2026, 2, 1))  # left: counted nowhere
        points = [f.ContactPointFactory(committee=group.committee) for _ in range(3)]
        group.contact_points.add(*points)
        plan = AnnualPlan.objects.get_or_create(group=group, year=2026)[0]
        done, *_ = [
            PlanItem.objects.create(
                plan=plan, quarter=(month - 1) // 3 + 1, month=month, kind="study", title=f"计划{month}"
            )
            for month in (5, 2, 4, 11, 12)
        ]
        held = ThreeEntersFactory(
            group=group,
            state="held",
            contact_point=points[0],
            six_item=SixItem.values[0],
            plan_item=done,
            starts_at=timezone.datetime(2026, 5, 10, 9, tzinfo=tz),
        )
        for member, status in zip(members, ("present", "present", "absent", "absent"), strict=False):
            Attendance.objects.create(
                activity=held,
                member=member,
                status=status,
                signed_in_at=held.starts_at if status == "present" else None,
            )
        ActivityFactory(
            group=group, state="held", contact_point=points[0], starts_at=timezone.datetime(2026, 6, 30, 23, tzinfo=tz)
        )  # unplanned, the quarter's last hour
        ActivityFactory(group=group, state="held", starts_at=timezone.datetime(2026, 7, 1, 0, 30, tzinfo=tz))
        coming = ActivityFactory(group=group, state="announced", starts_at=timezone.now() + timedelta(days=5))
        for member in members:
            Attendance.objects.create(
                activity=coming, member=member, leave=Attendance.Leave.REQUESTED, leave_reason="出差"
            )
        ConstituentContact.objects.create(
            committee=group.committee,
            member=members[-1],
            contacted_on=date(2026, 5, 20),
            contact_point=points[1],
            whom_kind="household",
            whom="一户居民",
            topic="livelihood",
            raised="加装电梯",
        )
    coverage_recounted()  # attendance and contacts written past the services


DASHBOARD_ROLES = ["convener", "staff", "district_staff"]


@pytest.mark.parametrize("who", DASHBOARD_ROLES)
@pytest.mark.parametrize("query", ["year=2026&quarter=2", "year=2026", "year=2026&quarter=3"])
def test_every_count_of_the_conveners_dashboard_is_the_number_of_rows_behind_it(world, client_for, who, query):
    """Members covered (三进, or a contact at a contact point by the committee's rule) of members, contact points
    visited, visits per point, six-ones items, leave requests (not the convener's own), the plan per quarter and
    each activity's present of invited."""
    group_year(world)
    client = client_for(getattr(world, who))
    url = f"{reverse('activities:group_activities', args=[world.group.pk])}?{query}"
    page = assert_figures_add_up(client, url, at_least=20)
    leave = next(fig.value for fig in page.figures if "figure=leave" in fig.href)
    assert leave == (4 if who == "convener" else 5)  # the convener's own request goes to a deputy
    if query.endswith("quarter=2"):
        covered = next(fig.value for fig in page.figures if "figure=covered" in fig.href)
        assert covered == 3  # two present, one who contacted people at a contact point
    # each activity's present of invited (the activity rows), to the convener's attendance list
    assert {"present", ""} <= {
        fig.href.partition("status=")[2] for fig in page.figures if "/attendance/rows/" in fig.href
    }


@pytest.mark.parametrize("who", DASHBOARD_ROLES)
def test_every_count_of_the_plan_is_the_number_of_items_or_activities_behind_it(world, client_for, who):
    group_year(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, reverse("activities:plan", args=[world.group.pk, 2026]), at_least=16)
    assert sum(fig.value for fig in page.figures if "figure=planned" in fig.href) == 5
    assert sum(fig.value for fig in page.figures if "figure=unplanned" in fig.href) == 2


def test_the_rows_of_a_conveners_figures_are_their_groups_editors_only(world, client_for):
    group_year(world)
    rows = reverse("activities:group_rows", args=[world.group.pk])
    for figure in ("covered", "leave", "planned", "visited"):
        assert client_for(world.convener).get(f"{rows}?figure={figure}&year=2026").status_code == 200
        for outsider in (world.member, world.other_convener, world.other_staff, world.leader):
            assert client_for(outsider).get(f"{rows}?figure={figure}&year=2026").status_code == 403, outsider
    attendance = reverse("activities:attendance_rows", args=[world.group.activities.first().pk])
    assert client_for(world.convener).get(attendance).status_code == 200
    for outsider in (world.member, world.other_convener, world.other_staff):
        assert client_for(outsider).get(attendance).status_code == 403


@pytest.mark.parametrize("who", ["member", "convener", "other_convener"])
def test_every_count_of_my_groups_is_the_number_of_members_or_contact_points_behind_it(world, client_for, who):
    group_year(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, reverse("groups:my_groups"), at_least=2)
    assert sorted(fig.value for fig in page.figures) == [3, 4 if who == "other_convener" else 5]


@pytest.mark.parametrize("who", ["member", "staff", "district_staff", "leader", "other_staff"])
def test_every_member_count_of_the_platforms_is_the_number_of_members_behind_it(world, client_for, who):
    from groups.models.platforms import PlatformMembership
    from tests import factories as f

    for committee in (world.district, world.other):
        for i in range(2):
            platform = f.PlatformFactory(committee=committee)
            for member in [world.member_record] * (committee == world.district) + [
                f.MemberFactory(committee=committee) for _ in range(2 + i)
            ]:
                PlatformMembership.objects.create(platform=platform, member=member, joined_on=date(2026, 1, 5))
            PlatformMembership.objects.create(
                platform=platform,
                member=f.MemberFactory(committee=committee),
                joined_on=date(2025, 1, 5),
                left_on=date(2026, 3, 1),  # left: not counted
            )
    page = assert_figures_add_up(client_for(getattr(world, who)), reverse("activities:platforms"), at_least=2)
    assert max(fig.value for fig in page.figures) == (4 if who != "other_staff" else 3)


@pytest.mark.parametrize("who", ["convener", "staff", "district_staff", "leader", "other_staff"])
def test_every_item_count_of_the_leads_is_the_number_of_items_behind_it(world, client_for, who):
    """Per lead: its messages, contacts and suggestions (a lead of the group, one of the committee, another
    committee's)."""
    from activities.models import ActivitySuggestion, Lead, PublicMessage
    from groups.models import ConstituentContact
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    for committee, group in (
        (world.district, world.group),
        (world.other, f.ActivityGroupFactory(committee=world.other)),
    ):
        point = f.ContactPointFactory(committee=committee)
        member = f.MembershipFactory(group=group).member
        for n, lead_group in ((1, group), (2, None)):
            lead = Lead.objects.create(committee=committee, group=lead_group, title=f"线索{n}", category="livelihood")
            for i in range(n):
                lead.messages.add(
                    PublicMessage.objects.create(
                        committee=committee,
                        target="contact_point",
                        contact_point=point,
                        category="livelihood",
                        text=f"电梯{i}",
                        tracking_code=f"L{PublicMessage.objects.count():09d}",
                        client_key="k",
                        answer_due=date(2026, 6, 30),
                    )
                )
            for _ in range(n + 1):
                lead.contacts.add(
                    ConstituentContact.objects.create(
                        committee=committee,
                        member=member,
                        contacted_on=date(2026, 4, 2),
                        contact_point=point,
                        whom_kind="household",
                        whom="一户居民",
                        topic="livelihood",
                        raised="加装电梯",
                    )
                )
            activity = ActivityFactory(group=group)
            lead.suggestions.add(
                *[
                    ActivitySuggestion.objects.create(activity=activity, text="停车", category="livelihood")
                    for _ in range(n)
                ]
            )
    page = assert_figures_add_up(client_for(getattr(world, who)), reverse("activities:leads"), at_least=3)
    assert len(page.figures) == (3 if who == "convener" else 6)


def test_the_rows_behind_a_groups_figures_take_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.convener)
    rows = reverse("activities:group_rows", args=[world.group.pk])
    urls = [
        f"{rows}?figure={figure}&year=2026"
        for figure in ("members", "covered", "uncovered", "contact_points", "visited", "leave", "planned", "unplanned")
    ]
    group_year(world)
    counts = second_load_counts(client, urls, django_assert_max_num_queries)
    group_year(world)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert read(client.get(url)).rows >= 2, url


def test_the_sign_in_screens_counter_is_the_conveners_attendance_list(world, client_for):
    """The venue's screen counts who signed in of those invited (no links on a projected screen: NOT_FIGURES); its
    two numbers are the rows of the convener's attendance lists."""
    from activities.models import Attendance
    from tests import factories as f
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=5))
    for status in ("present", "present", "invited", "absent"):
        Attendance.objects.create(
            activity=activity,
            member=f.MembershipFactory(group=world.group).member,
            status=status,
            signed_in_at=timezone.now() if status == "present" else None,
        )
    client = client_for(world.convener)
    counts = client.get(reverse("activities:sign_in_screen", args=[activity.pk])).context["counts"]
    rows = reverse("activities:attendance_rows", args=[activity.pk])
    assert counts == {
        "present": read(client.get(f"{rows}?status=present")).total,
        "invited": read(client.get(rows)).total,
    }
    assert counts == {"present": 2, "invited": 4}


# --- no figure page escapes ----------------------------------------------------------------------------------------

# Every template with a figure container (``data-figures``) and the test above that follows its figures as each
# role that sees it. A new figure page fails here until it is added to a drill-down test and to this list.
COVERED = {
    "proposals/figures.html": test_every_proposal_and_report_figure_is_the_number_of_rows_behind_it,
    "activities/coverage.html": test_every_coverage_figure_is_the_number_of_members_or_activities_behind_it,
    "groups/dashboard.html": test_every_dashboard_figure_is_the_number_of_members_or_groups_behind_it,
    "assessments/annual.html": test_every_settlement_count_on_the_annual_page_is_the_rows_behind_it,
    "consultations/figures.html": test_every_consultation_figure_is_the_number_of_rows_behind_it,
    "workbench/leader_home.html": test_every_headline_count_is_the_number_of_rows_behind_it,
    "activities/ledger.html": test_every_attendance_count_of_the_ledger_is_the_number_of_attendances_behind_it,
    "assessments/dashboard.html": test_every_count_of_the_dashboard_is_the_number_of_members_behind_it,
    "activities/mailbox/themes.html": test_every_theme_and_recurring_matter_count_is_the_number_of_rows_heard_behind_it,
    "assessments/unit_sheets.html": test_every_unit_sheet_figure_is_the_number_of_proposals_or_outcomes_behind_it,
    "assessments/unit_sheet.html": test_a_units_own_sheet_adds_up_for_the_unit_itself,
    "assessments/admin/rollup_progress.html": test_every_count_of_a_rollup_run_is_the_number_of_rows_behind_it,
    "assessments/duty_record.html": test_each_category_of_the_duty_record_opens_into_lines_that_add_up_to_it,
    "activities/group_dashboard.html": test_every_count_of_the_conveners_dashboard_is_the_number_of_rows_behind_it,
    "activities/_plan_progress.html": test_every_count_of_the_plan_is_the_number_of_items_or_activities_behind_it,
    "activities/plan.html": test_every_count_of_the_plan_is_the_number_of_items_or_activities_behind_it,
    "groups/my_groups.html": test_every_count_of_my_groups_is_the_number_of_members_or_contact_points_behind_it,
    "activities/platforms/list.html": test_every_member_count_of_the_platforms_is_the_number_of_members_behind_it,
    "activities/leads/list.html": test_every_item_count_of_the_leads_is_the_number_of_items_behind_it,
    # a test in another module (it imports this one), named by its dotted path
    "activities/mailbox/ratings.html": "tests.activities.test_mailbox_ratings."
    "test_every_rating_count_per_member_and_group_is_the_rows_behind_it",
    "proposals/cards/unit.html": test_every_count_of_a_units_cards_is_the_number_of_rows_behind_it,
    "consultations/cards/unit.html": test_every_count_of_a_units_cards_is_the_number_of_rows_behind_it,
    "consultations/session_list.html": test_every_count_of_a_session_on_the_session_list_is_the_number_of_rows_behind_it,
    "proposals/reports.html": test_every_adoption_and_instruction_count_on_the_reports_list_is_the_rows_behind_it,
    "workbench/workbench.html": "tests.test_workbench.test_every_count_on_the_workbench_is_the_number_of_rows_behind_it",
}
# Template tags that write a figure container (``data-figures``) for a template, by their module: a template using
# one of the tags is a page with figures, as if the container were in the template.
FIGURE_TAGS: dict[str, tuple[str, ...]] = {
    "consultations/templatetags/session_rows.py": ("session_row",),
    "activities/templatetags/activity_rows.py": ("activity_row", "ledger_row"),
}
# Not yet traceable, with the reason; each is a known gap (issue 17), not a pass.
NOT_YET: dict[str, str] = {}
# Pages whose figures only some of the usual roles see, with the roles their test runs as and why.
ROLES = {
    # the admin: the secretariat of each committee (a city's staff, a district's, another city's); leaders have no
    # admin (the test checks they are refused)
    "assessments/admin/rollup_progress.html": {"staff", "district_staff", "other_staff"},
    # a member's duty record: the member and the committee's staff; leaders do not read members' records
    "assessments/duty_record.html": {"member", "staff", "district_staff"},
    # the secretariat's workbench: a city's staff (the district's to-dos too) and a district's; leaders have none
    "workbench/workbench.html": {"staff", "district_staff"},
    # a handling unit's home: its users only (each unit its own rows)
    "proposals/cards/unit.html": {"unit_user", "other_unit_user"},
    "consultations/cards/unit.html": {"unit_user", "other_unit_user"},
    # the convener's dashboard and plan: whoever edits the group (its conveners, its committee's staff); a
    # leader reads the coverage page instead, a member their own activities
    "activities/group_dashboard.html": set(DASHBOARD_ROLES),
    "activities/_plan_progress.html": set(DASHBOARD_ROLES),
    "activities/plan.html": set(DASHBOARD_ROLES),
    # a member's and a convener's own groups (staff have none of their own)
    "groups/my_groups.html": {"member", "convener", "other_convener"},
    # every role sees the platforms of its committee (a member: those visible to them)
    "activities/platforms/list.html": {"member", "staff", "district_staff", "leader", "other_staff"},
    # the leads' readers: staff, leaders and the group's conveners
    "activities/leads/list.html": {"convener", "staff", "district_staff", "leader", "other_staff"},
}
# Counts the scan below finds (``counts_in``) that are no figure of the records' state, per template and
# expression, with the reason. Anything else it finds outside a figure container must be a figure.
NOT_FIGURES: dict[str, tuple[set[str], str]] = {
    "activities/platforms/mine.html": (
        {"row.more", "row.plan.planned_activities"},
        "the plan's target (a number the plan states, no rows), and how many more coming activities the linked "
        "platform page lists",
    ),
    "includes/filter_form.html": ({"page_obj.paginator.count"}, "a list's own total: its rows are the list"),
    "workbench/search.html": ({"results.total"}, "the search's own total: its results are listed below it"),
    "exports/list.html": ({"keep_days"}, "a setting (how many days a prepared file is kept), not a count of rows"),
    "proposals/mine.html": (
        {"own.paginator.count", "cosigned.paginator.count", "reports.paginator.count"},
        "each list's own total, above its rows",
    ),
    "proposals/review.html": (
        {"page_obj.paginator.count"},
        "the list's own total (a row's co-signers and likely duplicates, named on the proposal's page the row opens, "
        "are written by `{% review_row %}`: tests/proposals/test_review_row.py)",
    ),
    "proposals/unit.html": ({"a.days_left"}, "days left until a reply is due (a duration, no records)"),
    "activities/my_activities.html": ({"page_obj.paginator.count"}, "the list's own total"),
    "groups/group_detail.html": ({"member_total"}, "the group's members, listed (paged) in the same card"),
    "activities/sign_in_sheet.html": ({"members|length"}, "the printed sheet: the members are its lines"),
    "activities/sign_in_screen.html": (
        {"counts.present", "counts.invited"},
        "the venue's projected sign-in counter (signed in of invited), refreshed while members scan: a screen on a "
        "projector is read, not clicked; the two numbers are the rows of the convener's attendance lists "
        "(activities:attendance_rows, linked from the dashboard's activity rows), as "
        "test_the_sign_in_screens_counter_is_the_conveners_attendance_list checks",
    ),
    "activities/activity_detail.html": (
        {"activity.present_count", "activity.excused_count", "activity.absent_count", "evidence|length"},
        "the activity's attendance and evidence, listed in the same cards",
    ),
    "activities/platforms/detail.html": (
        {"h.evidence|length", "page.activities|length"},
        "the evidence not shown of a highlight (its first five are); the platform's activities, listed below",
    ),
    "groups/admin/spreadsheet_import.html": ({"errors_total"}, "the file's problems, listed below"),
    "admin/portal_confirm_action.html": ({"more"}, "the selected objects beyond those a confirmation names"),
    "assessments/annual.html": (
        {"total", "funding_total", "g.members", "g.filed_activities"},
        "the filtered ranking's own total, above its rows (the list a grade's or the below-minimum count links to); "
        "money; a locked year's frozen settlement (its counts are the locked snapshot's, which no live list equals; "
        "the open year's are figures)",
    ),
    "assessments/dashboard.html": ({"json_script"}, "the charts' data: each count is also in the figure tables"),
    "assessments/duty_record.html": (
        {"c.items", "c.counted", "c.raw", 'c.cap|default_if_none:"—"', "page.period_items", "page.total_label"},
        "the record's categories: each opens into its lines (the covering test counts them and adds their points)",
    ),
}

VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
BLOCKTRANSLATE = re.compile(r"\{%\s*blocktrans(?:late)?\s+(.*?)%\}")
# a name that says it counts or adds up: n_x, x_count, total, sum, number_of, x|length
COUNTING = re.compile(
    r"(\.count\b|_count\b|\bcount_|\bcounts?\b|total|\bsums?\b|_sum\b|sum_|\bn_\w|_n\b|number_of)", re.I
)
TRANSLATED = re.compile(r"(\{%\s*blocktrans(?:late)?\b.*?%\}).*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
NUMERIC_CELL = re.compile(r"\b(text-end|text-right)\b")


class Counts(HTMLParser):
    """The counts a template renders outside figure containers (``data-figures``): variables named like counts
    (``COUNTING``, ``|length``), a ``{% blocktranslate count n=… %}``'s number, any variable in a right-aligned table
    cell (where tables put numbers), and chart data (``json_script``). Not: attributes, ``data-not-a-count``
    elements, a list's own ``data-total``, scripts; figure tags are tags, not variables."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, in a numeric cell)
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skipped, numeric = self.stack[-1][1:] if self.stack else (False, False)
        skipped = skipped or tag in ("script", "option") or any(k in a for k in ("data-figures", "data-not-a-count"))
        skipped = skipped or "data-total" in a or (tag == "a" and "data-figure" in a)  # a figure link by hand
        numeric = (tag == "td" and bool(NUMERIC_CELL.search(a.get("class") or ""))) or numeric
        if tag not in VOID:
            self.stack.append((tag, skipped, numeric))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        skipped, numeric = self.stack[-1][1:] if self.stack else (False, False)
        if skipped:
            return
        data = TRANSLATED.sub(r"\1", data)  # a blocktranslate's placeholders are its arguments, scanned below
        for tag in BLOCKTRANSLATE.finditer(data):
            plural = re.search(r"\bcount\s+\w+\s*=\s*(\S+)", tag[1])
            self.found |= {plural[1]} if plural else set()
            self.found |= {e for e in re.findall(r"\w+\s*=\s*([^\s%]+)", tag[1]) if counting(e)}
        self.found |= {v for v in VARIABLE.findall(data) if numeric or counting(v)}
        if "json_script" in data:
            self.found.add("json_script")


def counting(expression: str) -> bool:
    return bool(COUNTING.search(expression.split("|")[0])) or "|length" in expression


def counts_in(text: str) -> set[str]:
    scan = Counts()
    scan.feed(text)
    return scan.found


def test_the_scan_finds_counts_without_a_figure_marker():
    page = """<table><tr><td class="text-end">{{ row.assigned }}</td><td>{{ row.name }}</td>
    <td data-not-a-count class="text-end">{{ points }}</td></tr></table><p>{{ groups|length }} {{ name }}</p>
    <span data-total="{{ n }}">{{ n }}</span><div data-figures>{{ x.member_count }}</div><a href="?{{ total_q }}">
    {% blocktranslate count n=left %}{{ n }} left{% plural %}{{ n }} left{% endblocktranslate %}</a>"""
    assert counts_in(page) == {"row.assigned", "groups|length", "left"}


def test_every_page_with_figures_is_in_a_drilldown_test():
    """Pages with a figure container, and pages whose template renders counts outside one (``counts_in``): each is
    in a drill-down test (``COVERED``), a known gap (``NOT_YET``), or its counts are no figures (``NOT_FIGURES``)."""
    from pathlib import Path

    from django.conf import settings

    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    texts = {
        str(path.relative_to(root)): path.read_text(encoding="utf-8") for root in roots for path in root.rglob("*.html")
    }
    # a template tag that writes a figure container marks the templates that use it
    tag_files = {
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR).glob("*/templatetags/*.py")
        if "data-figures" in path.read_text(encoding="utf-8")
    }
    assert tag_files == set(FIGURE_TAGS), "template tags writing figures: list each in FIGURE_TAGS with its tags"
    tags = [tag for names in FIGURE_TAGS.values() for tag in names]
    marked = {
        name for name, text in texts.items() if "data-figures" in text or any(f"{{% {tag} " in text for tag in tags)
    }
    counting = {name: counts_in(text) for name, text in texts.items()}
    unexplained = {
        name: sorted(found - NOT_FIGURES.get(name, (set(), ""))[0])
        for name, found in counting.items()
        if found - NOT_FIGURES.get(name, (set(), ""))[0] and name not in NOT_YET
    }
    assert not unexplained, f"counts without a drill-down test (link them, or list them with a reason): {unexplained}"
    assert marked - set(COVERED) - set(NOT_YET) == set(), "figure pages without a drill-down test"
    pages = marked | {name for name, found in counting.items() if found}
    assert set(COVERED) | set(NOT_YET) | set(NOT_FIGURES) <= pages, "listed pages that no longer have figures"
    stale = {
        name: sorted(allowed - counting[name]) for name, (allowed, _) in NOT_FIGURES.items() if allowed - counting[name]
    }
    assert not stale, f"exceptions no longer found: {stale}"
    for template, test in COVERED.items():
        if isinstance(test, str):
            module, _, name = test.rpartition(".")
            test = getattr(importlib.import_module(module), name)
        marks = {m.args[0]: m.args[1] for m in getattr(test, "pytestmark", []) if m.name == "parametrize"}
        roles = ROLES.get(template, {"staff", "district_staff", "leader"})
        assert roles <= set(marks.get("who", ())), test.__name__
