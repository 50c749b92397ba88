"""An existing database survives the upgrade: records written at an earlier schema are all there, with the same key
facts, after ``migrate`` to the latest migrations.

``PREVIOUS`` is the last migration of each of our apps in the previous release (commit 2f50cf6). One walk, the ``walk``
fixture, empties the test database, migrates it forward to ``PREVIOUS`` and on to the latest migrations, stopping on the way
where a later release moved or filled something: just before the plenary split (``SPLIT``), the activity ledger's move
(``LEDGER``), the coverage cells (``TALLY``) and the mailbox's move (``MAILBOX``). At each stop it writes that stop's
records through the *historical* models of that state (the models as that schema had them, whatever the code says
today); the tests read them back through the latest historical models. The walk only goes forward, since unapplying
is what costs (Django renders the project state of every migration on the way back); only the way back of the mailbox
and the ledger, last, unapplies the moves it checks. The stops' records share the tables: a check of a whole table
adds what the later stops wrote (``Walk.added``, ``_with_rows_added``), and each stop has a committee of its own (names
are unique).

When a release moves a model to another app or renames it, add the old → new name to ``MOVED``; when it renames a
checked field, to ``RENAMED_FIELDS``. When a release is cut, move ``PREVIOUS`` to its heads and keep the seed writing
at that state. A new stop: its point, a seed called by ``_walk`` there (returning what its test reads back), and the
test. Every migration after ``PREVIOUS`` must be reversible (a ``RunPython`` gets a reverse,
``migrations.RunPython.noop`` when nothing is to undo; a ``RunSQL`` its ``reverse_sql``): a test reads their operations.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType as CachedTypes
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

# The module's tests share the walk's database: one xdist process runs them all, in order.
pytestmark = pytest.mark.xdist_group("upgrade")

PREVIOUS = [
    ("core", "0010_notice_kinds"),
    ("groups", "0013_constituent_contacts"),
    ("proposals", "0012_search_initials"),
    ("consultations", "0006_upload_validators"),
    ("assessments", "0009_constituent_contact_kind"),
]
# Before the previous release: consultations' placeholder links (an activity id, a proposal's reference as text) next to
# the real foreign keys that consultations 0004 fills from them.
PLACEHOLDERS = [("consultations", "0003_links_to_activities_and_proposals")]
# The walk's later stops: just before each of these migrations (every app at its latest migration that does not
# need it).
SPLIT = ("groups", "0026_plenary_attendance_to_its_own_app")
LEDGER = ("activities", "0001_initial")
TALLY = ("activities", "0003_coverage_tally")
MAILBOX = ("activities", "0004_mailbox_from_groups")
# "old_app.Model" -> "new_app.Model" for models a later release moves or renames.
MOVED: dict[str, str] = {
    "core.Notification": "notifications.Notification",
    "core.Delivery": "notifications.Delivery",
    "core.NotificationSettings": "notifications.NotificationSettings",
    "groups.PlenaryAttendance": "plenary.PlenaryAttendance",
    "groups.HistoricalPlenaryAttendance": "plenary.HistoricalPlenaryAttendance",
    **{
        f"groups.{name}": f"activities.{name}"
        for name in ("Activity", "Attendance", "Evidence", "AnnualPlan", "PlanItem", "ActivitySettings")
    },
}
# ("app.Model", "old_field") -> "new_field" for checked fields a later release renames.
RENAMED_FIELDS: dict[tuple[str, str], str] = {}

TZ = ZoneInfo("Asia/Shanghai")


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


# --- the walk -----------------------------------------------------------------------------------------------------


@dataclass
class Walk:
    """What the walk wrote at each stop, for the tests, and the latest historical models to read it back with."""

    latest: Any
    placeholders: SimpleNamespace
    previous: SimpleNamespace
    split: SimpleNamespace
    ledger: SimpleNamespace
    tally: SimpleNamespace
    mailbox: SimpleNamespace
    added: Counter  # rows the other stops than PREVIOUS wrote, by the model's latest label


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    """The test database walked back to ``PREVIOUS`` and forward to the latest migrations, each stop's records
    written on the way and committed (the tests only read them); flushed afterwards, as after a transactional test."""
    with django_db_blocker.unblock():
        try:
            yield _walk()
        finally:
            # a walk or a test that stopped half-way leaves an older schema
            _migrate(models=False)
            call_command("flush", interactive=False, verbosity=0)


def _walk() -> Walk:
    _empty_database()
    added: Counter = Counter()
    placeholders = _write(_migrate(PLACEHOLDERS), _seed_placeholders, added)
    before = _migrate(PREVIOUS)
    made = _seed(before)
    previous = SimpleNamespace(made=made, rows=_row_counts(before), content_types=_content_types(before))
    split = _write(_migrate(before=SPLIT), _seed_split, added)
    ledger = _write(_migrate(before=LEDGER), _seed_ledger, added)
    old = _migrate(before=TALLY)
    ledger_rows = _ledger_rows(old, "activities")
    tally = _write(old, _seed_tally, added)
    old = _migrate(before=MAILBOX)
    mailbox = _write(old, _seed_mailbox, added)
    ledger.rows = _with_rows_added(ledger.rows_before, ledger_rows, _ledger_rows(old, "activities"))
    return Walk(_migrate(), placeholders, previous, split, ledger, tally, mailbox, added)


def _empty_database() -> None:
    """Every table, view, trigger and function of the test database dropped, the migration records with them, so that
    the walk reaches ``PREVIOUS`` by applying migrations from none: unapplying them from the latest schema costs a
    rendering of the whole project's state for each migration undone (three minutes of the module), applying them
    from none a fraction of that. The last test's way back still unapplies the moves it checks."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the schema and what lives in it (pg_trgm included: proposals 0002 creates it again)
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
            return
        with connection.constraint_checks_disabled():
            for table in connection.introspection.get_table_list(cursor):
                cursor.execute(f'DROP {"VIEW" if table.type == "v" else "TABLE"} "{table.name}"')


def _migrate(
    targets: list[tuple[str, str | None]] | None = None,
    *,
    before: tuple[str, str] | None = None,
    models: bool = True,
):
    """Migrate the test database to ``targets`` (``(app, None)``: none of the app's), or to just before the
    migration ``before`` (every app at its latest migration that does not need it), or to the latest migrations;
    the historical models there (``models=False``: none, rendering them costs a second or two)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if targets is None:
        targets = graph.leaf_nodes() if before is None else _just_before(graph, before)
    executor.migrate(targets)
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps if models else None


def _write(apps, seed, added: Counter) -> SimpleNamespace:
    """``seed(apps)``, adding the rows it wrote to ``added`` (by each model's latest label)."""
    before = _row_counts(apps)
    written = seed(apps)
    for label, n in _row_counts(apps).items():
        added[MOVED.get(label, label)] += n - before.get(label, 0)
    return written


def _with_rows_added(rows: dict[str, list], before: dict[str, list], after: dict[str, list]) -> dict[str, list]:
    """``rows`` (table -> sorted rows) with the rows that ``after`` has and ``before`` has not."""
    return {name: sorted(rows[name] + list((Counter(after[name]) - Counter(before[name])).elements())) for name in rows}


def _just_before(graph, first: tuple[str, str]) -> list[tuple[str, str | None]]:
    """Every app at its latest migration that does not need ``first`` (an app none of whose migrations qualifies:
    ``(app, None)``)."""
    after: set[tuple[str, str]] = set()
    todo = [graph.node_map[first]]
    while todo:
        node = todo.pop()
        if node.key not in after:
            after.add(node.key)
            todo.extend(node.children)
    targets: list[tuple[str, str | None]] = []
    for leaf in graph.leaf_nodes():
        node: tuple[str, str | None] = leaf
        while node in after:
            parents = [p.key for p in graph.node_map[node].parents if p.key[0] == leaf[0]]
            node = parents[0] if parents else (leaf[0], None)
        targets.append(node)
    return targets


def _assert_content_types_moved(apps, types: dict[str, int], old_app: str, new_app: str) -> None:
    """The content types ``types`` (model -> id, made under ``old_app``) are ``new_app``'s, same ids, none left."""
    ContentType = apps.get_model("contenttypes.ContentType")
    for model, pk in types.items():
        moved = ContentType.objects.get(pk=pk)
        assert (moved.app_label, moved.model) == (new_app, model)
    assert not ContentType.objects.filter(app_label=old_app, model__in=list(types)).exists()


def _committee_with_members(apps, name: str, code: str, *names: str, users: dict | None = None):
    """A city committee ``name`` (unique: each stop has its own) of the ninth term with one sector, and a member of
    each of ``names`` (``users``: their logins)."""
    committee = apps.get_model("groups.Committee").objects.create(name=name, level="city", code=code)
    term = apps.get_model("groups.Term").objects.create(
        committee=committee, number=9, start_date=date(2023, 1, 1), end_date=date(2027, 12, 31)
    )
    sector = apps.get_model("groups.Sector").objects.create(committee=committee, name="经济界")
    Member = apps.get_model("groups.Member")
    members = [
        Member.objects.create(
            committee=committee,
            term=term,
            sector=sector,
            name=member_name,
            party="cpc",
            user=(users or {}).get(member_name),
        )
        for member_name in names
    ]
    return committee, members


# --- consultations' placeholder links, from before the previous release -------------------------------------------


def _seed_placeholders(old) -> SimpleNamespace:
    """At consultations 0003 (the real links added beside the placeholders, not filled yet): a session whose old
    activity id is an activity, one whose activity is gone, and outcomes whose old proposal reference is a proposal's
    id, its number in the outcome's committee ("2026-015"), or neither."""
    committee, members = _committee_with_members(old, "碧水市政协", "bsh-links", "赵敏")
    group = old.get_model("groups.ActivityGroup").objects.create(
        committee=committee, name="碧水街道活动组", kind="street"
    )
    activity = old.get_model("groups.Activity").objects.create(
        committee=committee,
        group=group,
        kind="research",
        title="河道治理调研",
        starts_at=_at(2026, 3, 10, 9),
        ends_at=_at(2026, 3, 10, 11),
    )
    proposal = old.get_model("proposals.Proposal").objects.create(
        committee=committee,
        year=2026,
        title="关于加强河道治理的建议",
        suggestions="建议……",
        category="economy",
        lead_proposer=members[0],
        state="filed",
        serial_number=15,
    )
    Session = old.get_model("consultations.ConsultationSession")
    common = {
        "committee": committee,
        "form": "grassroots",
        "level": "community",
        "place": "议事厅",
        "starts_at": _at(2026, 4, 1, 9),
        "state": "held",
    }
    linked = Session.objects.create(title="有活动", legacy_activity_id=activity.pk, **common)
    dangling = Session.objects.create(title="活动已不存在", legacy_activity_id=activity.pk + 999, **common)
    Outcome = old.get_model("consultations.Outcome")

    def outcome(title: str, ref: str) -> int:
        return Outcome.objects.create(
            committee=committee, session=linked, title=title, content=title, proposal_ref=ref
        ).pk

    return SimpleNamespace(
        activity=activity.pk,
        proposal=proposal.pk,
        linked=linked.pk,
        dangling=dangling.pk,
        by_id=outcome("a", str(proposal.pk)),
        by_number=outcome("b", "2026-015"),
        unknown=outcome("c", "无此提案"),
    )


@pytest.mark.django_db
def test_the_placeholder_links_of_consultations_become_real_links(walk):
    """consultations 0004: a session's old activity id becomes its activity where that activity exists (else none);
    an outcome's old proposal reference, a proposal's id or its number in the outcome's committee, becomes its
    proposal (else none). Read at the latest schema, after the ledger's move."""
    Session = walk.latest.get_model("consultations", "ConsultationSession")
    Outcome = walk.latest.get_model("consultations", "Outcome")
    made = walk.placeholders
    assert Session.objects.get(pk=made.linked).activity_id == made.activity
    assert Session.objects.get(pk=made.dangling).activity_id is None
    assert Outcome.objects.get(pk=made.by_id).proposal_id == made.proposal
    assert Outcome.objects.get(pk=made.by_number).proposal_id == made.proposal
    assert Outcome.objects.get(pk=made.unknown).proposal_id is None


# --- the previous release's records ------------------------------------------------------------------------------


def _seed(apps) -> list[tuple[str, int, dict]]:
    """A committee's worth of records at the previous schema: (model label, pk, key fields) of each."""
    made: list[tuple[str, int, dict]] = []

    def make(label: str, **fields):
        model = apps.get_model(label)
        row = model.objects.create(**fields)
        facts = {k: v for k, v in fields.items() if not k.endswith("_id") and not hasattr(v, "_meta")}
        facts.update(
            {
                k: v.pk if hasattr(v, "_meta") else v
                for k, v in fields.items()
                if k.endswith("_id") or hasattr(v, "_meta")
            }
        )
        made.append((label, row.pk, facts))
        return row

    staff = make("core.User", username="upgrade-staff", password="!", first_name="王", last_name="秘书")
    member_user = make("core.User", username="upgrade-member", password="!", phone="13800000001")
    city = make("groups.Committee", name="临江市政协", level="city", code="lj-upgrade")
    district = make("groups.Committee", name="东湖区政协", level="district", code="dh-upgrade", parent=city)
    term = make("groups.Term", committee=city, number=9, start_date=date(2023, 1, 1), end_date=date(2027, 12, 31))
    sector = make("groups.Sector", committee=city, name="经济界")
    member = make(
        "groups.Member",
        committee=city,
        term=term,
        sector=sector,
        name="李明",
        party="cpc",
        user=member_user,
        phone="13800000001",
    )
    other = make("groups.Member", committee=city, term=term, sector=sector, name="张华", party="cdl")
    group = make("groups.ActivityGroup", committee=city, name="东湖街道活动组", kind="street")
    make("groups.GroupMembership", group=group, member=member, joined_on=date(2023, 2, 1), role="convener")
    make("groups.GroupMembership", group=group, member=other, joined_on=date(2023, 2, 1))
    unit = make("groups.HandlingUnit", committee=city, name="市住房和城乡建设局")
    activity = make(
        "groups.Activity",
        committee=city,
        group=group,
        kind="research",
        title="老旧小区改造调研",
        starts_at=_at(2026, 3, 10, 9),
        ends_at=_at(2026, 3, 10, 11),
        state="held",
        place="东湖街道",
    )
    make("groups.Attendance", activity=activity, member=member, status="present", signed_in_at=_at(2026, 3, 10, 8, 55))
    make("groups.Attendance", activity=activity, member=other, status="absent")
    session = make(
        "groups.PlenarySession",
        term=term,
        number=4,
        year=2026,
        start_date=date(2026, 1, 10),
        end_date=date(2026, 1, 13),
    )
    attendance = make("groups.PlenaryAttendance", session=session, member=member, present=2, absent=1)
    make(
        "groups.HistoricalPlenaryAttendance",
        id=attendance.pk,
        session=session,
        member=member,
        present=2,
        absent=1,
        recorded_by=staff,
        history_date=_at(2026, 1, 14, 9),
        history_type="+",
        history_user=staff,
    )
    proposal = make(
        "proposals.Proposal",
        committee=city,
        year=2026,
        title="关于加快老旧小区改造的建议",
        suggestions="一、统筹资金；二、分批推进。",
        category="society",
        lead_proposer=member,
        state="filed",
        serial_number=1,
    )
    make(
        "proposals.Assignment",
        proposal=proposal,
        unit=unit,
        role="lead",
        assigned_on=date(2026, 3, 1),
        due_date=date(2026, 6, 1),
        reassign_until=date(2026, 3, 8),
    )
    make(
        "proposals.OpinionReport",
        committee=city,
        year=2026,
        title="群众反映停车难",
        content="建议增设停车位。",
        author=member,
    )
    topic = make(
        "consultations.Topic",
        committee=city,
        year=2026,
        title="社区养老服务",
        reasons="居民关切。",
        source="members",
        proposer_kind="member",
    )
    consultation = make(
        "consultations.ConsultationSession",
        committee=city,
        topic=topic,
        title="请你来协商",
        form="grassroots",
        level="community",
        starts_at=_at(2026, 4, 2, 14),
        place="社区议事厅",
        state="held",
    )
    make(
        "consultations.Outcome",
        committee=city,
        session=consultation,
        title="增设日间照料中心",
        content="由民政局牵头。",
    )
    make("assessments.RuleSet", committee=district, year=2026)
    content_type = apps.get_model("contenttypes.ContentType").objects.get_or_create(
        app_label="proposals", model="proposal"
    )[0]
    make(
        "core.AuditEvent",
        content_type=content_type,
        object_id=str(proposal.pk),
        object_repr=proposal.title,
        verb="filed",
        actor=staff,
        from_state="submitted",
        to_state="filed",
    )
    notice = make(
        "core.Notification",
        recipient=member_user,
        due=date(2026, 3, 2),
        title="您的提案已立案",
        kind="proposal_filed",
        content_type=content_type,
        object_id=str(proposal.pk),
    )
    make("core.Delivery", notification=notice, channel="sms", status="sent", attempts=1, provider_id="sms-upgrade-1")
    make("core.NotificationSettings", user=member_user, channels={"proposal_filed": ["in_app", "sms"]})
    make("core.OutboxMessage", task="core.notifications.deliver_pending", kwargs={"batch_size": 5}, attempts=2)
    return made


def _row_counts(apps) -> dict[str, int]:
    """Rows of every concrete model of our apps (those the seed and its side effects filled)."""
    ours = {app for app, _ in PREVIOUS} | {label.split(".")[0] for label in MOVED.values()}
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in ours and not model._meta.proxy:
            counts[model._meta.label] = model._base_manager.count()
    return {label: n for label, n in counts.items() if n}


def _content_types(apps) -> dict[str, int]:
    """``app.model`` -> content type id, of our models and the moved ones (created by ``migrate`` if missing)."""
    ContentType = apps.get_model("contenttypes.ContentType")
    for label in MOVED:
        if label in {m._meta.label for m in apps.get_models()}:
            app_label, model = label.lower().split(".")
            ContentType.objects.get_or_create(app_label=app_label, model=model)
    return {f"{ct.app_label}.{ct.model}": ct.pk for ct in ContentType.objects.all()}


@pytest.mark.django_db
def test_records_of_the_previous_release_survive_the_upgrade(walk):
    """Every record written at ``PREVIOUS`` is there at the latest migrations with the same key facts (under its
    model's new name if it moved); no table holds more rows than the walk wrote into it, none fewer than it held
    at ``PREVIOUS``; a moved model keeps its content type (and so its permissions), under its new app."""
    apps = walk.latest
    counts: dict[str, int] = {}
    for label, pk, facts in walk.previous.made:
        label = MOVED.get(label, label)
        counts[label] = counts.get(label, 0) + 1
        row = apps.get_model(label).objects.filter(pk=pk).values().first()
        assert row is not None, f"{label} {pk} is gone after the upgrade"
        for field, value in facts.items():
            field = RENAMED_FIELDS.get((label, field), field)
            column = field if field in row else f"{field}_id"
            assert row[column] == value, f"{label} {pk}: {field} was {value!r}, is {row[column]!r}"
    for label, expected in counts.items():
        assert apps.get_model(label).objects.count() == expected + walk.added[label], label
    rows_after = _row_counts(apps)
    lost = {
        label: (n, rows_after.get(MOVED.get(label, label), 0))
        for label, n in walk.previous.rows.items()
        if rows_after.get(MOVED.get(label, label), 0) < n
    }
    assert not lost, f"tables with fewer rows after the upgrade (before, after): {lost}"
    after = _content_types(apps)
    for old, new in MOVED.items():
        assert after.get(new.lower()) == walk.previous.content_types[old.lower()], f"{old} -> {new}: {after}"
        assert old.lower() not in after, f"{old} has a content type left behind"


def test_previous_heads_are_migrations_that_exist():
    """``PREVIOUS`` names real migrations of the graph, and the latest heads descend from them."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for node in PREVIOUS:
        assert node in graph.nodes, node
        assert any(node in graph.forwards_plan(leaf) for leaf in graph.leaf_nodes()), node


def test_every_migration_since_the_previous_release_can_be_unapplied():
    """An operator can go back to the previous release: every operation of every migration of ours after ``PREVIOUS``
    is reversible (the walk itself only goes forward; the last test unapplies the moves)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    released = {key for node in PREVIOUS for key in graph.forwards_plan(node)}
    ours = {
        config.label for config in django_apps.get_app_configs() if Path(config.path).is_relative_to(settings.BASE_DIR)
    }
    since = [key for key in graph.nodes if key[0] in ours and key not in released]
    assert len(since) > 40  # every app's migrations after the release, the new apps' all
    irreversible = [
        (key, type(op).__name__) for key in since for op in graph.nodes[key].operations if not op.reversible
    ]
    assert irreversible == []


# --- the move of plenary attendance out of groups, from the schema just before it -----------------------------


def _seed_split(old) -> SimpleNamespace:
    """Just before the split (groups one before it, plenary not there yet): attendance, its history, an audit
    record, an admin log entry and a permission on the attendance."""
    ContentType = old.get_model("contenttypes.ContentType")
    content_type = ContentType.objects.get_or_create(app_label="groups", model="plenaryattendance")[0]
    history_type = ContentType.objects.get_or_create(app_label="groups", model="historicalplenaryattendance")[0]
    permission = old.get_model("auth.Permission").objects.get_or_create(
        content_type=content_type, codename="change_plenaryattendance", defaults={"name": "Can change"}
    )[0]

    staff = old.get_model("core.User").objects.create(username="split-staff", password="!")
    committee, members = _committee_with_members(old, "青山市政协", "qs-split", "李明", "张华", "王芳")
    session = old.get_model("groups.PlenarySession").objects.create(
        term_id=members[0].term_id,
        number=4,
        year=2026,
        start_date=date(2026, 1, 10),
        end_date=date(2026, 1, 12),
        half_days=5,
    )
    Attendance = old.get_model("groups.PlenaryAttendance")
    History = old.get_model("groups.HistoricalPlenaryAttendance")
    counts = [(5, 0, 0, ""), (3, 2, 0, "因公出差"), (0, 0, 5, "")]
    rows = [
        Attendance.objects.create(
            session=session, member=m, present=p, excused=e, absent=a, leave_reason=why, recorded_by=staff
        )
        for m, (p, e, a, why) in zip(members, counts, strict=True)
    ]
    for row in rows:
        for kind, day in (("+", 13), ("~", 14)):
            History.objects.create(
                id=row.pk,
                session=session,
                member_id=row.member_id,
                present=row.present,
                excused=row.excused,
                absent=row.absent,
                leave_reason=row.leave_reason,
                recorded_by=staff,
                history_date=_at(2026, 1, day, 9),
                history_type=kind,
                history_user=staff,
            )
    audit = old.get_model("core.AuditEvent").objects.create(
        content_type=content_type,
        object_id=str(rows[1].pk),
        object_repr="李明",
        verb="corrected",
        actor=staff,
        data={"before": {"present": 5}, "after": {"present": 3}},
    )
    log = old.get_model("admin.LogEntry").objects.create(
        content_type=content_type,
        object_id=str(rows[0].pk),
        object_repr="李明",
        action_flag=2,
        user=staff,
        action_time=_at(2026, 1, 14, 10),
    )
    rows_before = sorted(
        Attendance.objects.values_list(
            "pk", "session_id", "member_id", "present", "excused", "absent", "leave_reason", "recorded_by_id"
        )
    )
    history_before = sorted(
        History.objects.values_list(
            "history_id", "id", "history_type", "history_date", "present", "excused", "absent", "history_user_id"
        )
    )
    return SimpleNamespace(
        content_type=content_type,
        history_type=history_type,
        permission=permission,
        rows=rows,
        audit=audit,
        log=log,
        rows_before=rows_before,
        history_before=history_before,
    )


@pytest.mark.django_db
def test_plenary_attendance_and_its_history_survive_the_move_to_their_own_app(walk):
    """A database at the schema just before the split (groups at its head then) with attendance, its history, an
    audit record, an admin log entry and a permission on the attendance: after ``migrate`` every row is there in
    the same tables, read through ``plenary``, and the content type (same id) is plenary's."""
    new, split = walk.latest, walk.split
    Attendance = new.get_model("plenary.PlenaryAttendance")
    History = new.get_model("plenary.HistoricalPlenaryAttendance")

    assert Attendance._meta.db_table == "groups_plenaryattendance"
    assert (
        sorted(
            Attendance.objects.values_list(
                "pk", "session_id", "member_id", "present", "excused", "absent", "leave_reason", "recorded_by_id"
            )
        )
        == split.rows_before
    )
    assert (
        sorted(
            History.objects.values_list(
                "history_id", "id", "history_type", "history_date", "present", "excused", "absent", "history_user_id"
            )
        )
        == split.history_before
    )
    ContentType = new.get_model("contenttypes.ContentType")
    moved = ContentType.objects.get(pk=split.content_type.pk)
    assert (moved.app_label, moved.model) == ("plenary", "plenaryattendance")
    assert ContentType.objects.get(pk=split.history_type.pk).app_label == "plenary"
    assert not ContentType.objects.filter(
        app_label="groups", model__in=["plenaryattendance", "historicalplenaryattendance"]
    ).exists()
    assert new.get_model("core.AuditEvent").objects.get(pk=split.audit.pk).content_type_id == moved.pk
    assert new.get_model("admin.LogEntry").objects.get(pk=split.log.pk).content_type_id == moved.pk
    assert new.get_model("auth.Permission").objects.get(pk=split.permission.pk).content_type_id == moved.pk
    # the database's own check (groups 0007's triggers) still guards the table under its new owner
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.filter(pk=split.rows[0].pk).update(present=6)
    assert Attendance.objects.get(pk=split.rows[0].pk).present == 5


# --- the move of the activity ledger out of groups, from the schema just before it ------------------------------

TOPIC = "livelihood"
LEDGER_MODELS = [
    "activity",
    "activitysettings",
    "activitysuggestion",
    "annualplan",
    "attendance",
    "evidence",
    "lead",
    "planitem",
]


def _ledger_rows(apps, app: str) -> dict[str, list]:
    """Every row of the ledger's tables (and the history of the group that plans), read through ``app``'s models."""
    fields = {
        "Activity": ("pk", "committee_id", "group_id", "plan_item_id", "kind", "title", "starts_at", "state"),
        "Attendance": ("pk", "activity_id", "member_id", "status", "leave", "leave_reason", "signed_in_at"),
        "Evidence": ("pk", "activity_id", "kind", "file", "original_name", "uploaded_by_id"),
        "AnnualPlan": ("pk", "group_id", "year"),
        "PlanItem": ("pk", "plan_id", "quarter", "kind", "title"),
        "ActivitySettings": ("pk", "committee_id", "min_photos", "contact_edit_days"),
        "Lead": ("pk", "committee_id", "group_id", "title", "state"),
        "ActivitySuggestion": ("pk", "activity_id", "text"),
    }
    rows = {name: sorted(apps.get_model(app, name).objects.values_list(*f)) for name, f in fields.items()}
    Activity = apps.get_model(app, "Activity")
    rows["open_groups"] = sorted(Activity.open_groups.through.objects.values_list("activity_id", "activitygroup_id"))
    PlanItem = apps.get_model(app, "PlanItem")
    rows["responsible"] = sorted(PlanItem.responsible.through.objects.values_list("planitem_id", "member_id"))
    Lead = apps.get_model(app, "Lead")
    rows["lead_suggestions"] = sorted(Lead.suggestions.through.objects.values_list("lead_id", "activitysuggestion_id"))
    rows["session_activity"] = sorted(
        apps.get_model("consultations.ConsultationSession").objects.values_list("pk", "activity_id")
    )
    rows["group_history"] = sorted(
        apps.get_model("groups.HistoricalActivityGroup").objects.values_list("history_id", "id", "name", "history_type")
    )
    return rows


def _seed_ledger(old) -> SimpleNamespace:
    """Just before the ledger's split (groups 0026, consultations 0008, proposals 0017, ...; activities not there
    yet): activities, attendance, evidence, a plan with items, activity rules, a lead with a suggestion, a
    consultation held as an activity, history rows, an audit record, an admin log entry and a permission on an
    activity."""
    ContentType = old.get_model("contenttypes.ContentType")
    types = {m: ContentType.objects.get_or_create(app_label="groups", model=m)[0].pk for m in LEDGER_MODELS}
    permission = old.get_model("auth.Permission").objects.get_or_create(
        content_type_id=types["activity"], codename="change_activity", defaults={"name": "Can change activity"}
    )[0]

    staff = old.get_model("core.User").objects.create(username="ledger-staff", password="!")
    committee, members = _committee_with_members(old, "白水市政协", "bs-ledger", "李明", "张华", "王芳")
    Group = old.get_model("groups.ActivityGroup")
    group = Group.objects.create(committee=committee, name="东湖街道活动组", kind="street")
    other_group = Group.objects.create(committee=committee, name="西湖街道活动组", kind="street")
    for kind, day in (("+", 2), ("~", 3)):
        old.get_model("groups.HistoricalActivityGroup").objects.create(
            id=group.pk,
            committee=committee,
            name=group.name,
            kind="street",
            history_date=_at(2026, 1, day, 9),
            history_type=kind,
            history_user=staff,
        )
    old.get_model("groups.ActivitySettings").objects.create(committee=committee, min_photos=2, contact_edit_days=5)
    plan = old.get_model("groups.AnnualPlan").objects.create(group=group, year=2026)
    PlanItem = old.get_model("groups.PlanItem")
    items = [
        PlanItem.objects.create(plan=plan, quarter=q, month=3 * q - 1, kind="research", title=title)
        for q, title in ((1, "老旧小区改造调研"), (2, "社区养老调研"))
    ]
    items[0].responsible.set(members[:2])
    Activity = old.get_model("groups.Activity")
    activity = Activity.objects.create(
        committee=committee,
        group=group,
        plan_item=items[0],
        kind="research",
        title="老旧小区改造调研",
        starts_at=_at(2026, 3, 10, 9),
        ends_at=_at(2026, 3, 10, 11),
        state="held",
        place="东湖街道",
        created_by=staff,
    )
    activity.open_groups.set([other_group])
    Attendance = old.get_model("groups.Attendance")
    Attendance.objects.create(
        activity=activity, member=members[0], status="present", signed_in_at=_at(2026, 3, 10, 8, 55)
    )
    Attendance.objects.create(
        activity=activity, member=members[1], status="excused", leave="approved", leave_reason="因公出差"
    )
    Attendance.objects.create(activity=activity, member=members[2], status="absent")
    old.get_model("groups.Evidence").objects.create(
        activity=activity,
        kind="photo",
        file=f"evidence/{activity.pk}/photo.jpg",
        content_type="image/jpeg",
        size=1024,
        original_name="现场.jpg",
        uploaded_by=staff,
    )
    suggestion = old.get_model("groups.ActivitySuggestion").objects.create(
        activity=activity, category=TOPIC, text="增设停车位", recorded_by=staff
    )
    lead = old.get_model("groups.Lead").objects.create(
        committee=committee, group=group, title="停车难", category=TOPIC, created_by=staff
    )
    lead.suggestions.set([suggestion])
    topic = old.get_model("consultations.Topic").objects.create(
        committee=committee,
        year=2026,
        title="社区养老服务",
        reasons="居民关切。",
        source="members",
        proposer_kind="member",
    )
    old.get_model("consultations.ConsultationSession").objects.create(
        committee=committee,
        topic=topic,
        title="请你来协商",
        form="grassroots",
        level="community",
        starts_at=_at(2026, 4, 2, 14),
        place="社区议事厅",
        state="held",
        activity=activity,
    )
    audit = old.get_model("core.AuditEvent").objects.create(
        content_type_id=types["activity"],
        object_id=str(activity.pk),
        object_repr=activity.title,
        verb="filed",
        actor=staff,
        from_state="held",
        to_state="filed",
    )
    log = old.get_model("admin.LogEntry").objects.create(
        content_type_id=types["activity"],
        object_id=str(activity.pk),
        object_repr=activity.title,
        action_flag=2,
        user=staff,
        action_time=_at(2026, 3, 11, 10),
    )
    rows_before = _ledger_rows(old, "groups")
    return SimpleNamespace(types=types, permission=permission, audit=audit, log=log, rows_before=rows_before)


@pytest.mark.django_db
def test_the_activity_ledger_survives_the_move_to_its_own_app(walk):
    """A database at the schema just before the ledger's split (groups 0026) with activities, attendance, evidence,
    a plan with items, activity rules, a lead with a suggestion, a consultation held as an activity, history rows,
    an audit record, an admin log entry and a permission on an activity: after ``migrate`` every row is there in
    the same tables, read through ``activities``, and the content types (same ids) are activities'. The ledger's
    models have no history of their own (django-simple-history tracks the organisation): the group's history rows
    stand for it. Migrating back: the last test of the module."""
    new, ledger = walk.latest, walk.ledger
    assert all(ledger.rows_before.values()), {k: v for k, v in ledger.rows_before.items() if not v}
    assert new.get_model("activities.Activity")._meta.db_table == "groups_activity"
    assert _ledger_rows(new, "activities") == ledger.rows
    _assert_content_types_moved(new, ledger.types, "groups", "activities")
    assert new.get_model("core.AuditEvent").objects.get(pk=ledger.audit.pk).content_type_id == ledger.types["activity"]
    assert new.get_model("admin.LogEntry").objects.get(pk=ledger.log.pk).content_type_id == ledger.types["activity"]
    assert (
        new.get_model("auth.Permission").objects.get(pk=ledger.permission.pk).content_type_id
        == ledger.types["activity"]
    )


# --- the coverage cells (#22), filled from the rows of a database that had none -------------------------------


def _seed_tally(old) -> SimpleNamespace:
    """Just before the coverage cells: 三进 activities (held, filed, planned; one at 23:30 on 31 March, the first
    quarter's in local time), attendance in every status and contacts at a contact point and elsewhere."""
    committee, (li, zhang, wang) = _committee_with_members(old, "红河市政协", "hh-tally", "李明", "张华", "王芳")
    group = old.get_model("groups.ActivityGroup").objects.create(committee=committee, name="东湖街道", kind="street")
    point = old.get_model("groups.ContactPoint").objects.create(committee=committee, name="东湖社区", kind="community")
    Activity = old.get_model("activities.Activity")
    Attendance = old.get_model("activities.Attendance")

    def three(state, when, present=(), absent=()):
        activity = Activity.objects.create(
            committee=committee,
            group=group,
            kind="three_enters",
            target="community",
            title="委员进社区",
            starts_at=when,
            ends_at=when + timedelta(hours=1),
            state=state,
        )
        for m in present:
            Attendance.objects.create(activity=activity, member=m, status="present", signed_in_at=when)
        for m in absent:
            Attendance.objects.create(activity=activity, member=m, status="absent")

    three("held", _at(2026, 3, 31, 23, 30), present=[li, zhang], absent=[wang])  # the first quarter, local time
    three("filed", _at(2026, 4, 2, 9), present=[li])
    three("planned", _at(2026, 5, 2, 9), present=[wang])  # not held: counts nowhere
    Contact = old.get_model("groups.ConstituentContact")
    for member, day, at_point in (
        (wang, date(2026, 5, 3), True),
        (wang, date(2026, 5, 4), True),
        (li, date(2026, 5, 5), False),
    ):
        Contact.objects.create(
            committee=committee,
            member=member,
            contacted_on=day,
            contact_point=point if at_point else None,
            place="" if at_point else "村口",
            whom_kind="household",
            whom="一户居民",
            topic="livelihood",
            raised="加装电梯",
        )
    return SimpleNamespace(committee=committee, li=li, zhang=zhang, wang=wang)


@pytest.mark.django_db
def test_the_coverage_cells_are_counted_from_the_rows_a_database_already_holds(walk):
    """A database just before the coverage cells with 三进 activities (held, filed, planned; one at 23:30 on 31 March,
    the first quarter's in local time), attendance in every status and contacts at a contact point and elsewhere:
    after ``migrate`` each member's cells hold what the rows say, and nothing else; and the committee's covered
    counts per quarter and year what the cells say."""
    cells = set(
        walk.latest.get_model("activities.CoverageTally").objects.values_list(
            "member_id", "committee_id", "year", "quarter", "three_enters", "point_contacts"
        )
    )
    li, zhang, wang, c = walk.tally.li, walk.tally.zhang, walk.tally.wang, walk.tally.committee.pk
    assert cells == {
        (li.pk, c, 2026, 1, 1, 0),
        (zhang.pk, c, 2026, 1, 1, 0),
        (li.pk, c, 2026, 2, 1, 0),
        (wang.pk, c, 2026, 2, 0, 2),
    }
    from activities.coverage import committee_differences, differences

    assert differences() == {}
    # the committees' covered counts (activities 0008) from those cells: Li and Zhang in the first quarter, Li and
    # Wang (contacts at a point count without rules) in the second, the three in the year
    kept = walk.latest.get_model("activities.CommitteeCoverage").objects.filter(committee_id=c)
    assert set(kept.values_list("year", "quarter", "covered")) == {(2026, 1, 2), (2026, 2, 2), (2026, 0, 3)}
    assert committee_differences() == {}


# --- the move of the members' mailbox out of groups, from the schema just before it ----------------------------

MAILBOX_MODELS = ["publicmessage", "messagerating"]


def _mailbox_rows(apps, app: str) -> dict[str, list]:
    """Every row of the mailbox's tables and of the rows that point at a message (a lead's items, a proposal, a
    report, a topic and an outcome's rating drawn from one), read through ``app``'s models; and what the reverse
    relations of a message reach, so the migration state's relations are checked as well as the columns."""
    Message = apps.get_model(app, "PublicMessage")
    message_fields = (
        "pk",
        "committee_id",
        "target",
        "group_id",
        "platform_id",
        "contact_point_id",
        "kind",
        "category",
        "text",
        "name",
        "phone",
        "tracking_code",
        "client_key",
        "state",
        "answer_due",
        "routed_member_id",
        "routed_group_id",
        "routed_at",
        "answer",
        "answered_at",
        "answered_by_id",
        "contact_id",
        "discard_reason",
        "created_at",
    )
    Lead = apps.get_model("activities.Lead")
    return {
        "messages": sorted(Message.objects.values_list(*message_fields)),
        "ratings": sorted(
            apps.get_model(app, "MessageRating").objects.values_list(
                "pk", "message_id", "rating", "comment", "client_key", "created_at"
            )
        ),
        "lead_messages": sorted(Lead.messages.through.objects.values_list("lead_id", "publicmessage_id")),
        "proposals": sorted(apps.get_model("proposals.Proposal").objects.values_list("pk", "source_message_id")),
        "reports": sorted(apps.get_model("proposals.OpinionReport").objects.values_list("pk", "source_message_id")),
        "topics": sorted(apps.get_model("consultations.Topic").objects.values_list("pk", "source_message_id")),
        "outcome_ratings": sorted(
            apps.get_model("consultations.OutcomeRating").objects.values_list("pk", "message_id", "topic_id", "rating")
        ),
        "reached": sorted(
            Message.objects.values_list(
                "pk", "rating__rating", "leads__pk", "proposals__pk", "opinion_reports__pk", "outcome_rating__pk"
            )
        ),
    }


def _seed_mailbox(old) -> SimpleNamespace:
    """Just before the mailbox's move (groups 0027, activities 0003): residents' messages in every state (left at a
    group, a platform and a contact point; one answered by a recorded visit), a rating, a lead pooling two, a
    proposal, a report, a topic and an outcome rating drawn from them, audit records, an admin log entry, a notice
    and a permission on a message."""
    ContentType = old.get_model("contenttypes.ContentType")
    types = {m: ContentType.objects.get_or_create(app_label="groups", model=m)[0].pk for m in MAILBOX_MODELS}
    permission = old.get_model("auth.Permission").objects.get_or_create(
        content_type_id=types["publicmessage"], codename="view_publicmessage", defaults={"name": "Can view message"}
    )[0]

    staff = old.get_model("core.User").objects.create(username="mailbox-staff", password="!")
    member_user = old.get_model("core.User").objects.create(username="mailbox-member", password="!")
    committee, (li,) = _committee_with_members(old, "绿洲市政协", "lz-mailbox", "李明", users={"李明": member_user})
    group = old.get_model("groups.ActivityGroup").objects.create(committee=committee, name="东湖街道", kind="street")
    platform = old.get_model("groups.Platform").objects.create(
        committee=committee, name="东湖委员工作室", kind="studio", level="street", host_group=group
    )
    point = old.get_model("groups.ContactPoint").objects.create(committee=committee, name="东湖社区", kind="community")
    contact = old.get_model("groups.ConstituentContact").objects.create(
        committee=committee,
        member=li,
        contacted_on=date(2026, 5, 6),
        # a visit at the resident's home, not at a contact point: the coverage cells were counted at TALLY, before
        # this stop, and the tally's test checks every cell against every row
        place="居民家中",
        whom_kind="person",
        whom="来信居民",
        topic=TOPIC,
        raised="小区停车难",
    )
    Message = old.get_model("groups.PublicMessage")
    common = {"committee": committee, "category": TOPIC, "answer_due": date(2026, 5, 20)}
    new = Message.objects.create(
        **common, target="group", group=group, text="路灯不亮", tracking_code="AAAAA1111111", client_key="k1"
    )
    routed = Message.objects.create(
        **common,
        target="platform",
        platform=platform,
        kind="meeting",
        text="想约见委员谈养老",
        name="王女士",
        phone="13800000009",
        tracking_code="BBBBB2222222",
        client_key="k2",
        state="routed",
        routed_member=li,
        routed_group=group,
        routed_at=_at(2026, 5, 7, 10),
    )
    answered = Message.objects.create(
        **common,
        target="contact_point",
        contact_point=point,
        text="小区停车难",
        tracking_code="CCCCC3333333",
        client_key="k3",
        state="answered",
        routed_member=li,
        routed_at=_at(2026, 5, 5, 9),
        answer="已与物业协商增设车位。",
        answered_at=_at(2026, 5, 6, 16),
        answered_by=member_user,
        contact=contact,
    )
    discarded = Message.objects.create(
        **common,
        target="committee",
        text="广告",
        tracking_code="DDDDD4444444",
        client_key="k4",
        state="discarded",
        discard_reason="与委员履职无关",
    )
    rating = old.get_model("groups.MessageRating").objects.create(
        message=answered, rating="unsatisfied", comment="车位还是不够", client_key="k3"
    )
    lead = old.get_model("activities.Lead").objects.create(
        committee=committee, group=group, title="停车难", category=TOPIC, created_by=staff
    )
    lead.messages.set([routed, answered])
    old.get_model("proposals.Proposal").objects.create(
        committee=committee,
        year=2026,
        title="关于增设停车位的提案",
        suggestions="增设车位。",
        category="society",
        lead_proposer=li,
        source_message=answered,
    )
    old.get_model("proposals.OpinionReport").objects.create(
        committee=committee,
        year=2026,
        title="群众反映停车难",
        content="建议增设停车位。",
        author=li,
        source_message=answered,
    )
    topic = old.get_model("consultations.Topic").objects.create(
        committee=committee,
        year=2026,
        title="社区养老服务",
        reasons="居民关切。",
        source="members",
        proposer_kind="member",
        source_message=routed,
    )
    old.get_model("consultations.OutcomeRating").objects.create(
        message=routed, topic=topic, rating="basic", client_key="k2"
    )
    AuditEvent = old.get_model("core.AuditEvent")
    audits = [
        AuditEvent.objects.create(
            content_type_id=types["publicmessage"], object_id=str(m.pk), object_repr=m.tracking_code, verb=verb, **kw
        )
        for m, verb, kw in (
            (new, "received", {"to_state": "new"}),
            (routed, "routed", {"actor": staff, "from_state": "new", "to_state": "routed"}),
            (answered, "visit_recorded", {"actor": member_user, "from_state": "routed", "to_state": "answered"}),
            (answered, "rated", {"comment": "unsatisfied"}),
            (discarded, "discarded", {"actor": staff, "from_state": "new", "to_state": "discarded"}),
        )
    ]
    log = old.get_model("admin.LogEntry").objects.create(
        content_type_id=types["publicmessage"],
        object_id=str(answered.pk),
        object_repr=answered.tracking_code,
        action_flag=2,
        user=staff,
        action_time=_at(2026, 5, 8, 10),
    )
    notice = old.get_model("notifications.Notification").objects.create(
        recipient=member_user,
        kind="mailbox_routed",
        due=date(2026, 5, 7),
        title="群众留言已转给您",
        content_type_id=types["publicmessage"],
        object_id=str(routed.pk),
    )
    return SimpleNamespace(
        types=types,
        permission=permission,
        member_user=member_user,
        new=new,
        answered=answered,
        rating=rating,
        audits=audits,
        log=log,
        notice=notice,
        rows_before=_mailbox_rows(old, "groups"),
    )


@pytest.mark.django_db
def test_the_mailbox_survives_the_move_to_activities(walk):
    """A database at the schema just before the mailbox's move (groups 0027) with residents' messages in every state
    (left at a group, a platform and a contact point; one answered by a recorded visit), a rating, a lead pooling
    two, a proposal, a report, a topic and an outcome rating drawn from them, audit records, an admin log entry, a
    notice and a permission on a message: after ``migrate`` every row is there in the same tables, read through
    ``activities``, the content types (same ids) are activities', the audit records and the notice still lead to
    their message, and the tables' constraints still hold. The mailbox's models have no history of their own
    (django-simple-history tracks the organisation). Migrating back: the last test of the module."""
    new_apps, mailbox = walk.latest, walk.mailbox
    rows_before = mailbox.rows_before
    assert all(rows_before.values()), {k: v for k, v in rows_before.items() if not v}
    assert new_apps.get_model("activities.PublicMessage")._meta.db_table == "groups_publicmessage"
    assert new_apps.get_model("activities.MessageRating")._meta.db_table == "groups_messagerating"
    assert _mailbox_rows(new_apps, "activities") == rows_before
    _assert_content_types_moved(new_apps, mailbox.types, "groups", "activities")
    ContentType = new_apps.get_model("contenttypes.ContentType")
    assert (
        new_apps.get_model("admin.LogEntry").objects.get(pk=mailbox.log.pk).content_type_id
        == mailbox.types["publicmessage"]
    )
    assert (
        new_apps.get_model("auth.Permission").objects.get(pk=mailbox.permission.pk).content_type_id
        == mailbox.types["publicmessage"]
    )
    # every record pointing at a message by content type and id (audit rows, the notice) still finds it
    pointing = [
        *new_apps.get_model("core.AuditEvent").objects.filter(pk__in=[a.pk for a in mailbox.audits]),
        new_apps.get_model("notifications.Notification").objects.get(pk=mailbox.notice.pk),
    ]
    for row in pointing:
        content_type = ContentType.objects.get(pk=row.content_type_id)
        model = new_apps.get_model(content_type.app_label, content_type.model)
        assert model.objects.filter(pk=row.object_id).exists(), (content_type.app_label, content_type.model)
    # and the code reads them: the message's audit trail in the activities verbs' words
    from activities.models import PublicMessage
    from core.verbs import timeline

    CachedTypes.objects.clear_cache()  # the content types' cache of this process may predate the moves
    trail = timeline(PublicMessage.objects.get(pk=mailbox.answered.pk))
    assert [(e.verb, e.actor_id) for e in trail] == [("visit_recorded", mailbox.member_user.pk), ("rated", None)]
    assert PublicMessage.objects.get(pk=mailbox.answered.pk).rating.pk == mailbox.rating.pk
    # the tables' constraints still guard the rows under their new owner
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicMessage.objects.filter(pk=mailbox.new.pk).update(text="")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicMessage.objects.filter(pk=mailbox.new.pk).update(state="routed")


# --- and back: the last test, since it moves the schema back and forth under the others ----------------------


def test_migrating_back_gives_the_mailbox_and_the_ledger_to_groups_again(walk, django_db_blocker):
    """From the latest migrations back to just before the mailbox's move, then on to just before the ledger's split
    (one trip: the ledger's came first): at each stop every row of the moved tables reads through groups again, and
    the content types (same ids) are groups'."""
    with django_db_blocker.unblock():
        try:
            back = _migrate(before=MAILBOX)
            assert _mailbox_rows(back, "groups") == walk.mailbox.rows_before
            _assert_content_types_moved(back, walk.mailbox.types, "activities", "groups")
            back = _migrate(before=LEDGER)
            assert _ledger_rows(back, "groups") == walk.ledger.rows
            _assert_content_types_moved(back, walk.ledger.types, "activities", "groups")
        finally:
            _migrate(models=False)
            CachedTypes.objects.clear_cache()  # the content types' cache of this process may predate the moves
