"""The secretariat's workbench (issue 18): every staff tool reachable from it, to-do counts equal to the rows behind
them, a fixed query count, the staff search (pinyin initials, phone, number) and its scope, and the leaders' home."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from cppcc_portal.workbench import todos
from groups.models import ActivityGroup, Member
from proposals import services as proposal_services
from proposals.models import Proposal
from tests import factories as f
from tests.consultations.factories import OutcomeFactory, SessionFactory
from tests.groups.factories import ActivityFactory
from tests.proposals.conftest import Walker
from tests.proposals.factories import TODAY
from tests.test_figures_drilldown import assert_figures_add_up
from tests.test_permission_matrix import ARGS, RULES

pytestmark = pytest.mark.django_db

# Pages the matrix opens to staff that are not secretariat tools, each with the reason.
NOT_TOOLS = {
    "health": "a probe for the load balancer",
    "schema": "the API's machine-readable schema",
    "api-docs": "the API's documentation, for developers",
    "groups:my_groups": "a convener's and member's page (staff have no groups of their own)",
    "activities:coverage_members": "the members behind a coverage figure, reached from the coverage page",
    "consultations:figure_rows": "the rows behind a consultation figure, reached from the figures page",
    "assessments:dashboard_members": "the members behind a dashboard figure, reached from the dashboard",
    "assessments:dashboard_groups": "the groups a roll-up counted, reached from a run's progress page",
    "password_reset": "account recovery, open to everyone from the login page",
    "password_reset_done": "account recovery, open to everyone from the login page",
    "password_reset_sms": "account recovery, open to everyone from the login page",
    "password_reset_sms_confirm": "account recovery, open to everyone from the login page",
    "activities:mailbox_track_lookup": "a resident's page: looking up their message by its tracking code",
    "assessments:dashboard_events": "the duty events behind a dashboard or roll-up figure, reached from those pages",
    "activities:heard_theme": "the rows behind a theme's count, reached from the themes page",
}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        href = attrs.get("href") if tag == "a" else attrs.get("action") if tag == "form" else None
        if href and not href.startswith("#"):
            self.hrefs.append(href)


def links_on(html: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    names = set()
    for href in parser.hrefs:
        try:
            match = resolve(urlsplit(href).path)
        except Resolver404:
            continue
        names.add(f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name)
    return names


def staff_tools() -> set[str]:
    """Every page (not the API, not POST-only, no object id) the permission matrix answers 200 to staff."""
    return {
        name
        for name, rule in RULES.items()
        if "staff" in rule.ok
        and not rule.api
        and not rule.post_only
        and name not in ARGS
        and name not in NOT_TOOLS
        and not name.startswith("api:")
    }


def test_every_staff_tool_is_reachable_from_the_workbench(world, client_for):
    html = client_for(world.staff).get(reverse("workbench:home")).content.decode()
    missing = staff_tools() - links_on(html) - {"workbench:home"}
    assert not missing, f"staff tools the workbench does not link to: {sorted(missing)}"
    assert "admin:index" in links_on(html)


def test_the_admin_links_back_to_the_workbench_and_every_tool(world, client_for):
    client = client_for(world.staff)
    html = client.get(reverse("admin:index")).content.decode()
    found = links_on(html)
    assert "workbench:home" in found
    missing = (
        staff_tools()
        - found
        - {"workbench:home", "notifications:inbox", "notifications:preferences", "password_change", "exports"}
    )  # the portal's user menu
    assert not missing, f"portal tools the admin index does not link to: {sorted(missing)}"
    # the admin's "view site" goes to the workbench, and the workbench to the admin: no loop through "/"
    assert (
        f'href="{reverse("workbench:home")}"' in client.get(reverse("admin:groups_member_changelist")).content.decode()
    )
    assert client.get("/").url == reverse("workbench:home")


def fill(world) -> None:
    """One or more rows for every to-do, all in the district (the city's staff reach it)."""
    walk = Walker(world)
    walk.submitted(title="关于加强社区养老服务的建议")
    due = walk.assigned(title="关于改善背街小巷照明的建议")
    Proposal.objects.filter(pk=due.pk).update(reply_due=timezone.localdate() + timedelta(days=2))
    returned = walk.assigned(title="关于规范共享单车停放的建议")
    proposal_services.assignment_request_reassignment(
        assignment_id=walk.lead(returned).pk, actor=world.unit_user, reason="不属于本单位职责", today=TODAY
    )
    walk.replied(title="关于增设公交站点的建议")
    soon = ActivityFactory(group=world.group, state=Activity.State.ANNOUNCED)
    Attendance.objects.create(
        activity=soon, member=world.member_record, leave=Attendance.Leave.REQUESTED, leave_reason="出差"
    )
    ActivityFactory(group=world.group, state=Activity.State.HELD, starts_at=timezone.now() - timedelta(days=3))
    ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=timezone.now() - timedelta(days=5))
    from assessments.models import RollupRun

    RollupRun.objects.create(
        committee=world.district,
        year=timezone.localdate().year,
        quarter=1,
        status=RollupRun.Status.FAILED,
        error="boom",
    )
    OutcomeFactory(
        session=SessionFactory(committee=world.district),
        unit=world.unit,
        state="assigned",
        deadline=timezone.localdate() - timedelta(days=1),
        assigned_at=timezone.now(),
    )
    from activities.models import MessageRating, PublicMessage, Satisfaction

    PublicMessage.objects.create(
        committee=world.district,
        target="committee",
        category="other",
        text="路灯不亮",
        tracking_code=f"T{PublicMessage.objects.count():09d}",
        client_key="k",
        answer_due=timezone.localdate() - timedelta(days=1),
    )
    rated = PublicMessage.objects.create(
        committee=world.district,
        target="committee",
        category="other",
        text="噪音扰民",
        tracking_code=f"T{PublicMessage.objects.count():09d}",
        client_key="k",
        state=PublicMessage.State.ANSWERED,
        answer="已转告",
        answered_at=timezone.now() - timedelta(days=2),
        answer_due=timezone.localdate(),
    )
    MessageRating.objects.create(message=rated, rating=Satisfaction.UNSATISFIED, client_key="k")  # a to-do
    from consultations.models import OutcomeRating
    from tests.consultations.factories import TopicFactory

    became = PublicMessage.objects.create(
        committee=world.district,
        target="committee",
        category="other",
        text="小区停车难",
        tracking_code=f"T{PublicMessage.objects.count():09d}",
        client_key="k",
        state=PublicMessage.State.ANSWERED,
        answer="已转为协商议题",
        answered_at=timezone.now() - timedelta(days=3),
        answer_due=timezone.localdate(),
    )
    topic = TopicFactory(committee=world.district)
    OutcomeRating.objects.create(
        message=became, topic=topic, rating=Satisfaction.UNSATISFIED, client_key="k"
    )  # a to-do


def cards(html: str) -> dict[str, int]:
    return {
        slug: int(n)
        for slug, n in re.findall(r'data-testid="todo-([a-z-]+)".*?data-testid="count">(\d+)<', html, flags=re.S)
    }


@pytest.mark.parametrize("who", ["staff", "district_staff"])
def test_every_count_on_the_workbench_is_the_number_of_rows_behind_it(world, client_for, who):
    """Each to-do card's count links to its list, as many rows as it says (the city's staff reach the district's);
    the leaders have no workbench."""
    fill(world)
    client = client_for(getattr(world, who))
    page = assert_figures_add_up(client, reverse("workbench:home"), at_least=len(todos.BY_SLUG))
    shown = cards(client.get(reverse("workbench:home")).content.decode())
    assert set(shown) == set(todos.BY_SLUG)
    assert all(shown.values()), f"every to-do has rows in this world: {shown}"
    assert {fig.href for fig in page.figures} == {reverse("workbench:todo", args=[slug]) for slug in shown}
    for slug, n in shown.items():
        response = client.get(reverse("workbench:todo", args=[slug]))
        assert response.content.decode().count('data-testid="todo-row"') == min(n, 50), slug
    assert client_for(world.leader).get(reverse("workbench:home")).status_code == 403


@pytest.mark.parametrize(
    ("today", "first_day"),
    [(date(2026, 12, 6), (2026, 7, 1)), (date(2026, 2, 10), (2025, 10, 1))],
)
def test_activities_to_file_are_those_of_this_quarter_and_the_last(world, today, first_day):
    """Held and not filed, or filed without evidence, since the first day of last quarter (last year's fourth in the
    first quarter): older ones are not today's to-do; the list behind the count is the same queryset."""
    tz = timezone.get_current_timezone()
    start = timezone.datetime(*first_day, tzinfo=tz)
    kept = [
        ActivityFactory(group=world.group, state=Activity.State.HELD, starts_at=start),
        ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=start + timedelta(days=40)),
    ]
    for state in (Activity.State.HELD, Activity.State.FILED):  # just before the window: not counted
        ActivityFactory(group=world.group, state=state, starts_at=start - timedelta(minutes=1))
    rows = todos.unfiled_activities([world.district.pk], today)
    assert sorted(rows.values_list("pk", flat=True)) == sorted(a.pk for a in kept)


def test_the_workbench_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    pages = [reverse("workbench:home")] + [reverse("workbench:todo", args=[slug]) for slug in todos.BY_SLUG]
    client.get(pages[0])  # log in, warm caches
    fill(world)
    measured = {}
    for url in pages:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        measured[url] = len(queries.captured_queries)
    fill(world)
    fill(world)
    for url in pages:
        with django_assert_max_num_queries(measured[url], info=url):
            client.get(url)
    # every to-do counted in one statement (was one each: 20), the session and scope, the unread notices
    assert measured[pages[0]] <= 8


def test_another_committees_staff_see_nothing_of_this_one(world, client_for):
    client = client_for(world.other_staff)
    before = cards(client.get(reverse("workbench:home")).content.decode())
    fill(world)
    assert cards(client.get(reverse("workbench:home")).content.decode()) == before
    assert before["review"] == 0
    for slug in todos.BY_SLUG:
        rows = client.get(reverse("workbench:todo", args=[slug])).context["page_obj"].object_list
        assert [r for r in rows if getattr(r, "committee_id", None) in (world.district.pk, world.city.pk)] == []
    assert client.get(reverse("workbench:todo", args=["nothing"])).status_code == 404


# --- search --------------------------------------------------------------------------------------------------


def names(response, key: str) -> list[str]:
    return [getattr(o, "name", None) or o.title for o in getattr(response.context["results"], key)]


def test_staff_find_a_member_by_pinyin_initials_phone_and_name(world, client_for):
    m = f.MemberFactory(committee=world.district, name="张三丰", phone="13912345678")
    f.MemberFactory(committee=world.district, name="李四")
    client = client_for(world.staff)
    for q in ("zsf", "ZSF", "张三", "13912345678", "1234567"):
        assert names(client.get(reverse("workbench:search"), {"q": q}), "members") == ["张三丰"], q
    # a prefix of the initials finds him too (the world's factory-made names may share it: 郑淑华 is zsh)
    found = names(client.get(reverse("workbench:search"), {"q": "zs"}), "members")
    assert "张三丰" in found and "李四" not in found
    assert m.initials == "zsf"


def test_staff_find_proposals_by_number_and_initials_groups_and_activities(world, client_for):
    walk = Walker(world)
    p = walk.filed(title="关于加强重庆路社区养老服务的建议")
    Proposal.objects.filter(pk=p.pk).update(serial_number=12)
    ActivityFactory(group=world.group, title="委员进社区宣讲")
    client = client_for(world.staff)
    for q in ("12", "第12号", "cqlsq", "养老"):
        assert names(client.get(reverse("workbench:search"), {"q": q}), "proposals") == [p.title], q
    assert names(client.get(reverse("workbench:search"), {"q": "wyjsq"}), "activities") == ["委员进社区宣讲"]
    assert names(client.get(reverse("workbench:search"), {"q": "dhjd"}), "groups") == ["东湖街道活动组"]


def test_the_search_stays_in_the_searchers_committees(world, client_for):
    f.MemberFactory(committee=world.district, name="张三丰", phone="13912345678")
    Walker(world).filed(title="关于张三丰故居保护的建议")
    other = client_for(world.other_staff)
    for q in ("zsf", "张三丰", "13912345678", "东湖"):
        assert other.get(reverse("workbench:search"), {"q": q}).context["results"].total == 0, q
    # a leader finds the member by name but not by the phone they only see masked
    leader = client_for(world.leader)
    assert names(leader.get(reverse("workbench:search"), {"q": "zsf"}), "members") == ["张三丰"]
    assert names(leader.get(reverse("workbench:search"), {"q": "13912345678"}), "members") == []
    assert "13912345678" not in leader.get(reverse("workbench:search"), {"q": "zsf"}).content.decode()
    for who in (world.member, world.unit_user, world.convener):
        assert client_for(who).get(reverse("workbench:search"), {"q": "zsf"}).status_code == 403


def test_the_search_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    client.get(reverse("workbench:search"), {"q": "zsf"})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("workbench:search"), {"q": "zsf"})
    for i in range(15):
        f.MemberFactory(committee=world.district, name=f"张三丰{i}")
        ActivityFactory(group=world.group, title=f"走访张三丰家{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("workbench:search"), {"q": "zsf"}).context["results"].total == 30


def test_initials_follow_every_change_of_the_name(world):
    m = f.MemberFactory(committee=world.district, name="王小明")
    assert m.initials == "wxm"
    m.name = "赵六"
    m.save(update_fields=["name"])
    assert Member.objects.get(pk=m.pk).initials == "zl"
    group = ActivityGroup.objects.bulk_create(
        [ActivityGroup(committee=world.district, name="重庆路活动组", kind="street")]
    )[0]
    assert ActivityGroup.objects.get(pk=group.pk).initials == "cqlhdz"


# --- the leaders' home ---------------------------------------------------------------------------------------


def test_the_leaders_home_shows_each_committee_with_figures_that_link_to_their_rows(
    world, client_for, django_assert_max_num_queries
):
    walk = Walker(world)
    walk.filed()
    walk.submitted()
    walk.rated()
    client = client_for(world.leader)
    client.get(reverse("workbench:leader_home"))
    with django_assert_max_num_queries(16):  # coverage 3, proposal figures 2, reports 1, roll-ups 2, session 8
        response = client.get(reverse("workbench:leader_home"))
    columns = response.context["columns"]
    assert [c.committee.name for c in columns] == ["临江市政协", "东湖区政协"]  # the city, then each district
    district = columns[1]
    filing = next(
        fig for fig in district.figures if fig.url.startswith(reverse("proposals:list")) and "filed" in fig.url
    )
    assert filing.value == "66.7%"  # 2 filed of 3 submitted
    listed = client.get(filing.url)
    assert listed.status_code == 200 and listed.context["page_obj"].paginator.count == 2
    for fig in district.figures:
        assert client.get(fig.url).status_code == 200, fig.label
    assert client_for(world.member).get(reverse("workbench:leader_home")).status_code == 403


def test_the_migrations_backfill_the_initials_of_existing_rows(world):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    def state_at(app, name):  # the models as that migration sees them (the ledger was groups' then)
        return MigrationLoader(connection).project_state((app, name)).apps

    m = f.MemberFactory(committee=world.district, name="张三丰")
    p = Walker(world).filed(title="关于加强重庆路照明的建议")
    Member.objects.filter(pk=m.pk).update(initials="")
    Proposal.objects.filter(pk=p.pk).update(initials="")
    importlib.import_module("groups.migrations.0011_search_initials").backfill(
        state_at("groups", "0011_search_initials"), None
    )
    importlib.import_module("proposals.migrations.0012_search_initials").backfill(
        state_at("proposals", "0012_search_initials"), None
    )
    assert Member.objects.get(pk=m.pk).initials == "zsf"
    assert Proposal.objects.get(pk=p.pk).initials == "gyjqcqlzmdjy"
