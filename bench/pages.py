"""Every page of the permission matrix against a minimal logged-in page, at scale, as ratios (issue #22 item 1).

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 50000``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_scale .venv/bin/python bench/pages.py [--rounds 5]
        [--only activities:ledger,assessments:] [--roles staff,member] [--json var/pages.json]

The pages are the permission matrix's (``tests/test_permission_matrix.py``): every URL name whose rule is a page
(not the API), answers GET and lets a logged-in role in; its arguments and query string come from the matrix's
``page_url``, with the matrix's objects replaced by heavy rows of the seeded database (see ``World``): the
biggest committee (the demo district), its biggest activity group and that group's convener, the group's member
with the most attendance rows, the committee's handling unit with the most proposal assignments, the demo's
city staff and city leader (whose reach includes the committee). Where the seed has no login for one of them,
a ``bench-<role>`` user is created and attached (idempotently: the next run finds it).

Each page is opened as every role of ``ROLES`` its rule lets in, in one process through the whole middleware
stack (Django's test client, ``DEBUG`` off): in process rather than gunicorn on loopback because the matrix's
~150 pages × roles are resolved and counted here (the query count of each page comes from the same process),
and the WSGI server's cost is the same on both sides of a ratio (in process, ratios are a little stricter).
For each page and role: two warm-up requests of both, then ``--rounds`` turns of (minimal page, page);
the ratio is best ÷ best. The minimal page is the notification settings (one form, a few queries) as the same
user. Prints each page as it goes, then every page worst first with both times, its query count and the load
average. Nothing is written but the bench users; only the database and the in-process client are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROLES = ("member", "convener", "unit", "staff", "leader")  # the matrix's roles of the measured committee
MINIMAL = "notifications:preferences"
GOAL = 3.0


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" * 3)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def _first(qs):
    row = qs.first()
    if row is None:
        raise LookupError(str(qs.model.__name__))
    return row


def _login(username: str, name: str, *, staff: bool = False):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"name": name, "is_staff": staff})
    return user


def _member_user(member, username: str):
    """The member's login: theirs if they have one, else ``username`` attached to them (once)."""
    from groups.models import Member

    if member.user_id:
        return member.user
    user = _login(username, member.name)
    Member.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
    Member.objects.filter(pk=member.pk).update(user=user)
    return user


def world() -> tuple[SimpleNamespace, dict, dict, dict]:
    """(world, objects, users by role, missing objects): the matrix's ``world`` and ``build_objects`` on heavy rows."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from activities.models import (
        Activity,
        ActivitySuggestion,
        AnnualPlan,
        Attendance,
        Evidence,
        Lead,
        PlanItem,
        PublicMessage,
    )
    from assessments.models import RollupRun, RuleSet
    from consultations.models import ConsultationSession, Outcome, SessionDocument, Topic
    from core.models import ExportJob
    from groups.models import (
        ActivityGroup,
        Committee,
        CommitteeStaff,
        ConstituentContact,
        ContactPoint,
        Expertise,
        GroupMembership,
        HandlingUnit,
        Inspection,
        Member,
        Platform,
        PlatformDocument,
        PlatformMembership,
        PlenarySession,
        Sector,
        SupervisionGroup,
        SupervisionVisit,
        WorkReport,
    )
    from notifications.models import Notification, NotificationSettings
    from plenary.models import PlenaryAttendance
    from proposals.models import (
        Assignment,
        Attachment,
        CoAuthorInvitation,
        CoSigner,
        OpinionReport,
        Proposal,
        Reply,
    )

    User = get_user_model()
    year = timezone.localdate().year
    sizes = Member.objects.values("committee").annotate(n=Count("id")).order_by("-n")
    biggest = sizes[0]["n"]
    # of the biggest committees (within 1 %), the one the demo's member belongs to, else the first
    demo = Member.objects.filter(user__username="member").values_list("committee_id", flat=True).first()
    candidates = [row["committee"] for row in sizes if row["n"] >= biggest * 0.99]
    district = Committee.objects.get(pk=demo if demo in candidates else candidates[0])
    group = (
        ActivityGroup.objects.filter(committee=district).annotate(n=Count("memberships")).order_by("-n", "pk").first()
    )
    convener_member = _first(
        GroupMembership.objects.filter(group=group, role=GroupMembership.Role.CONVENER).order_by("pk")
    ).member
    member_ids = list(
        GroupMembership.objects.filter(group=group, role=GroupMembership.Role.MEMBER).values_list("member", flat=True)
    )
    busiest = (
        Attendance.objects.filter(member__in=member_ids)
        .values("member")
        .annotate(n=Count("id"))
        .order_by("-n", "member")
        .first()
    )
    member_record = Member.objects.get(pk=busiest["member"] if busiest else member_ids[0])
    unit_row = (
        Assignment.objects.filter(unit__committee=district)
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n", "unit")
        .first()
    )
    unit = HandlingUnit.objects.get(pk=unit_row["unit"])
    unit_user = unit.users.order_by("pk").first() or _login("bench-unit", unit.name)
    unit.users.add(unit_user)
    reach = [district.pk, district.parent_id or district.pk]
    positions = {}
    for role, username in (
        (CommitteeStaff.Role.SECRETARIAT, "bench-staff"),
        (CommitteeStaff.Role.LEADER, "bench-leader"),
    ):
        user = (
            User.objects.filter(committee_positions__committee__in=reach, committee_positions__role=role)
            .order_by("pk")
            .first()
        )
        if user is None:
            user = _login(username, username, staff=role == CommitteeStaff.Role.SECRETARIAT)
            CommitteeStaff.objects.get_or_create(user=user, committee=district, role=role)
        positions[role] = user
    staff, leader = positions[CommitteeStaff.Role.SECRETARIAT], positions[CommitteeStaff.Role.LEADER]
    users = {
        "member": _member_user(member_record, "bench-member"),
        "convener": _member_user(convener_member, "bench-convener"),
        "unit": unit_user,
        "staff": staff,
        "leader": leader,
    }
    member_record.refresh_from_db()
    w = SimpleNamespace(district=district, group=group, member_record=member_record, unit=unit)

    activity_row = (
        Attendance.objects.filter(activity__group=group)
        .values("activity")
        .annotate(n=Count("id"))
        .order_by("-n", "activity")
        .first()
    )
    member_user = users["member"]
    finders = {
        "activity": lambda: Activity.objects.get(pk=activity_row["activity"]),
        "attendance": lambda: _first(Attendance.objects.filter(activity_id=activity_row["activity"]).order_by("pk")),
        "evidence": lambda: _first(Evidence.objects.filter(activity__group=group).order_by("-pk")),
        "plan": lambda: _first(AnnualPlan.objects.filter(group=group).order_by("-year")),
        "item": lambda: _first(PlanItem.objects.filter(plan__group=group).order_by("pk")),
        "proposal": lambda: _first(
            Proposal.objects.filter(assignments__unit=unit, lead_proposer=member_record).order_by("-pk")
        )
        if Proposal.objects.filter(assignments__unit=unit, lead_proposer=member_record).exists()
        else _first(Proposal.objects.filter(assignments__unit=unit).order_by("-pk")),
        "draft": lambda: _first(Proposal.objects.filter(lead_proposer=member_record, state="draft").order_by("-pk")),
        "report": lambda: _first(
            OpinionReport.objects.filter(committee=district, author=member_record)
            .annotate(n=Count("adoptions"))
            .order_by("-n", "-pk")
        )
        if OpinionReport.objects.filter(committee=district, author=member_record).exists()
        else _first(OpinionReport.objects.filter(committee=district).order_by("-pk")),
        "reply": lambda: _first(Reply.objects.filter(unit=unit).exclude(signed_pdf="").order_by("-pk")),
        "attachment": lambda: _first(Attachment.objects.filter(proposal__committee=district).order_by("-pk")),
        "topic": lambda: _first(Topic.objects.filter(committee=district).order_by("-pk")),
        "session": lambda: _first(
            ConsultationSession.objects.filter(committee=district).annotate(n=Count("outcomes")).order_by("-n", "pk")
        ),
        "document": lambda: _first(SessionDocument.objects.filter(session__committee=district).order_by("-pk")),
        "outcome": lambda: _first(Outcome.objects.filter(unit=unit).order_by("-pk")),
        "notification": lambda: _first(Notification.objects.filter(recipient=member_user).order_by("-pk")),
        "export_job": lambda: _first(ExportJob.objects.filter(committee_id=district.pk, state="done").order_by("-pk")),
        "cosign": lambda: _first(CoSigner.objects.filter(proposal__committee=district).order_by("-pk")),
        "coauthor": lambda: _first(CoAuthorInvitation.objects.filter(report__committee=district).order_by("-pk")),
        "rollup": lambda: _first(RollupRun.objects.filter(committee=district).order_by("-pk")),
        "rule_set": lambda: _first(RuleSet.objects.filter(committee=district).order_by("-year")),
        "sector": lambda: _first(Sector.objects.filter(committee=district).order_by("pk")),
        "contact_point": lambda: _first(ContactPoint.objects.filter(committee=district).order_by("pk")),
        "platform": lambda: _first(
            Platform.objects.filter(memberships__member=member_record).order_by("pk")
            if PlatformMembership.objects.filter(member=member_record).exists()
            else Platform.objects.filter(committee=district).annotate(n=Count("memberships")).order_by("-n", "pk")
        ),
        "platform_membership": lambda: _first(
            PlatformMembership.objects.filter(member=member_record).order_by("pk")
            if PlatformMembership.objects.filter(member=member_record).exists()
            else PlatformMembership.objects.filter(platform__committee=district).order_by("pk")
        ),
        "platform_document": lambda: _first(
            PlatformDocument.objects.filter(platform__committee=district).order_by("-pk")
        ),
        "contact": lambda: _first(ConstituentContact.objects.filter(member=member_record).order_by("-pk")),
        "expertise": lambda: _first(Expertise.objects.filter(committee=district).order_by("pk")),
        "message": lambda: _first(PublicMessage.objects.filter(routed_member=member_record).order_by("-pk"))
        if PublicMessage.objects.filter(routed_member=member_record).exists()
        else _first(PublicMessage.objects.filter(group=group).order_by("-pk"))
        if PublicMessage.objects.filter(group=group).exists()
        else _first(PublicMessage.objects.filter(committee=district).order_by("-pk")),
        "lead": lambda: _first(Lead.objects.filter(group=group).annotate(n=Count("messages")).order_by("-n", "-pk"))
        if Lead.objects.filter(group=group).exists()
        else _first(Lead.objects.filter(committee=district).order_by("-pk")),
        "suggestion": lambda: _first(ActivitySuggestion.objects.filter(activity__group=group).order_by("-pk")),
        "plenary_session": lambda: _first(PlenarySession.objects.filter(term=member_record.term).order_by("-pk")),
        "plenary_attendance": lambda: _first(PlenaryAttendance.objects.filter(member=member_record).order_by("-pk")),
        "membership": lambda: GroupMembership.objects.get(group=group, member=member_record),
        "supervision_group": lambda: _first(
            SupervisionGroup.objects.filter(members=member_record).order_by("pk")
            if SupervisionGroup.objects.filter(members=member_record).exists()
            else SupervisionGroup.objects.filter(committee=district).order_by("pk")
        ),
        "supervision_visit": lambda: _first(SupervisionVisit.objects.filter(group__committee=district).order_by("-pk")),
        "inspection": lambda: _first(Inspection.objects.filter(committee=district).order_by("-pk")),
        "work_report": lambda: _first(WorkReport.objects.filter(group=group).order_by("-pk"))
        if WorkReport.objects.filter(group=group).exists()
        else _first(WorkReport.objects.filter(group__committee=district).order_by("-pk")),
    }
    objects: dict = {}
    missing: dict = {}
    for key, find in finders.items():
        try:
            objects[key] = find()
        except (LookupError, Exception) as e:  # noqa: BLE001  # a kind of row the seed has none of: its pages are skipped
            missing[key] = f"{type(e).__name__}: {e}"
            objects[key] = SimpleNamespace(pk=0, tracking_code="NONE")
    prefs = NotificationSettings.objects.filter(user=member_user).exclude(calendar_token="").first()
    if prefs is None:
        missing["calendar"] = "no calendar token"
    # the matrix's calendar key reads a fixed token: point it at the member's own
    import tests.test_permission_matrix as matrix

    matrix_url_kwargs = matrix.url_kwargs

    def url_kwargs(key, world_, o):
        if key == "calendar":
            return {"token": prefs.calendar_token if prefs else "none"}
        if key == "plan":
            return {"pk": group.pk, "year": objects["plan"].year if "plan" not in missing else year}
        return matrix_url_kwargs(key, world_, o)

    matrix.url_kwargs = url_kwargs
    return w, objects, users, missing


# the objects each argument key of the matrix reads (a key whose object is missing: the page is skipped)
KEY_OBJECTS = {
    "activity_action": ("activity",),
    "activity_evidence": ("activity", "evidence"),
    "sign_in": ("activity",),
    "proposal_action": ("proposal",),
    "report_action": ("report",),
    "topic_action": ("topic",),
    "session_action": ("session",),
    "outcome_action": ("outcome",),
    "public_session": ("session",),
    "public_outcome": ("outcome",),
    "member_id": (),
    "committee": (),
    "member": (),
    "unit_pk": (),
    "group": (),
    "plan_item": ("item",),
    "plan_pk": ("plan",),
    "heard_lead": ("lead",),
    "lead_item": ("lead", "suggestion"),
    "message_action": ("message",),
    "message_code": ("message",),
    "mailbox": ("contact_point",),
    "todo": (),
    "signed_link": (),
    "public": (),
}


def pages(w, objects, missing) -> list[tuple[str, str, list[str], str]]:
    """(name, url, roles, note) of every page of the matrix a logged-in role opens with GET."""
    from tests.test_permission_matrix import ARGS, RULES, page_url, url_names

    found = []
    for name in sorted(url_names()):
        rule = RULES[name]
        if rule.api or rule.post_only:
            continue
        roles = [role for role in ROLES if role in rule.ok]
        if not roles:
            continue
        key = ARGS.get(name)
        needs = KEY_OBJECTS.get(key, (key,)) if key else ()
        absent = [k for k in needs if k in missing]
        url = page_url(name, w, objects)
        found.append((name, url, roles, f"no {', '.join(absent)} in the seed" if absent else ""))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="only URL names containing one of these (comma-separated)")
    parser.add_argument("--roles", default=",".join(ROLES), help="only these roles (comma-separated)")
    parser.add_argument("--json", default="", help="also write the rows to this file")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    started = time.perf_counter()
    w, objects, users, missing = world()
    print(
        f"database {connection.vendor} {connection.settings_dict['NAME']}: committee {w.district} "
        f"({w.district.members.count()} members), group {w.group} ({w.group.memberships.count()} members), "
        f"unit {w.unit}; users "
        + ", ".join(f"{role}={user.username}" for role, user in users.items())
        + f"; resolved in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    for key, why in sorted(missing.items()):
        print(f"  no {key}: {why}")
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    roles = {r.strip() for r in args.roles.split(",") if r.strip()}
    todo = [p for p in pages(w, objects, missing) if not only or any(part in p[0] for part in only)]
    minimal = reverse(MINIMAL)
    rows = []
    header = f"{'ratio':>6} {'page ms':>8} {'min ms':>7} {'queries':>7} {'sql ms':>7} {'status':>6} {'load':>5}  page (role) url"
    print(f"in-process test client, DEBUG off; best of {args.rounds} in turns with {minimal}\n{header}", flush=True)
    with override_settings(SECURE_SSL_REDIRECT=False, AXES_ENABLED=False):
        clients = {}
        for role, user in users.items():
            clients[role] = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
            clients[role].force_login(user)
        for name, url, page_roles, note in todo:
            for role in page_roles:
                if role not in roles:
                    continue
                if note:
                    rows.append(dict(name=name, role=role, url=url, note=note))
                    print(f"{'':>6} {'':>8} {'':>7} {'':>7} {'':>6} {'':>5}  {name} ({role}) {url}: {note}")
                    continue
                client = clients[role]
                for _ in range(2):
                    client.get(minimal)
                    status = client.get(url).status_code
                queries: list[float] = []
                with connection.execute_wrapper(_timer(queries)):
                    client.get(url)
                base, page = [], []
                for _ in range(args.rounds):
                    t = time.perf_counter()
                    client.get(minimal)
                    base.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    status = client.get(url).status_code
                    page.append(time.perf_counter() - t)
                row = dict(
                    name=name,
                    role=role,
                    url=url,
                    status=status,
                    page_ms=min(page) * 1000,
                    minimal_ms=min(base) * 1000,
                    ratio=min(page) / min(base),
                    queries=len(queries),
                    sql_ms=sum(queries) * 1000,
                    load=os.getloadavg()[0],
                )
                rows.append(row)
                print(_line(row), flush=True)
    measured = sorted((r for r in rows if "ratio" in r), key=lambda r: -r["ratio"])
    print(f"\nworst first ({len(measured)} page × role, {sum(r['ratio'] > GOAL for r in measured)} over {GOAL}):")
    print(header)
    for row in measured:
        print(_line(row))
    print("load average {:.2f} {:.2f} {:.2f}; {:.0f} s".format(*os.getloadavg(), time.perf_counter() - started))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1))


def _timer(times: list[float]):
    """A database execute wrapper that records each statement's time (the query count and the SQL time of a page)."""

    def wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times.append(time.perf_counter() - t)

    return wrapper


def _line(row: dict) -> str:
    return (
        f"{row['ratio']:6.2f} {row['page_ms']:8.1f} {row['minimal_ms']:7.1f} {row['queries']:7d} {row['sql_ms']:7.1f} "
        f"{row['status']:>6} "
        f"{row['load']:5.1f}  {row['name']} ({row['role']}) {row['url']}"
    )


if __name__ == "__main__":
    main()
