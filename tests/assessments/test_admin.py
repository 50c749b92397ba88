"""The rules editor in the admin: for the committee's staff only, with clear refusals, fixed query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import PointRule, RollupRun, RuleSet
from assessments.services import ruleset_create_from_preset
from core.services import events_for

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:assessments_ruleset_changelist")
FROM_PRESET = reverse("admin:assessments_ruleset_from_preset")
INLINES = ("rules", "caps", "minimums", "bands")


def _change(rule_set):
    return reverse("admin:assessments_ruleset_change", args=[rule_set.pk])


@pytest.fixture
def district_rules(world):
    return ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)


def _form_data(rule_set, **rows):
    """A full POST of the editor for a rule set with no rows yet, plus the given inline rows."""
    data = {
        "committee": rule_set.committee_id,
        "year": rule_set.year,
        "name": "",
        "base_score": "70",
        "bonus_cap": "",
        "notes": "",
        "award_top_n": "0",
        "award_min_points": "",
        "funding_per_member": "0",
        "funding_per_filed_activity": "0",
        "funding_cap": "",
        "shortfall_effect": "none",
        "shortfall_grade": "",
        "repeat_below": "",
        "repeat_grade": "",
        **rows.pop("fields", {}),
    }
    for prefix in INLINES:
        given = rows.get(prefix, [])
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(given),
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for i, row in enumerate(given):
            if prefix == "rules":
                row = {"rounding": "0.01", **row}
            data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def empty_rules(world):
    return RuleSet.objects.create(committee=world.district, year=2027)


def test_staff_of_the_committee_open_the_rules_editor_in_a_fixed_number_of_queries(
    world, client_for, district_rules, django_assert_max_num_queries
):
    client = client_for(world.district_staff)
    with django_assert_max_num_queries(40) as small:
        response = client.get(_change(district_rules))
    assert response.status_code == 200
    assert "合肥市政协委员履职积分办法" in response.content.decode()
    for n in range(2, 12):
        PointRule.objects.create(rule_set=district_rules, kind="activity_study", nth_from=n, points=Decimal(1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(_change(district_rules)).status_code == 200


def test_the_rule_set_list_has_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    ruleset_create_from_preset(committee=world.city, year=2026, preset="jinan", actor=None)
    with django_assert_max_num_queries(20) as small:
        assert client.get(CHANGELIST).status_code == 200
    for year in range(2027, 2033):
        ruleset_create_from_preset(committee=world.district, year=year, preset="minhang", actor=None)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 7


def test_a_city_staff_member_reaches_the_districts_rules(world, client_for, district_rules):
    assert client_for(world.staff).get(_change(district_rules)).status_code == 200


def test_staff_of_another_committee_cannot_open_the_rules(world, client_for, district_rules):
    client = client_for(world.other_staff)
    assert client.get(_change(district_rules)).status_code == 302  # "does not exist": nothing shown
    assert client.get(CHANGELIST).context["cl"].result_count == 0


@pytest.mark.parametrize("who", ["member", "convener", "leader", "unit_user"])
def test_the_rules_editor_refuses_everyone_but_staff(world, client_for, district_rules, who):
    response = client_for(getattr(world, who)).get(_change(district_rules))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_editor_saves_rules_caps_minimums_and_bands(world, client_for, empty_rules):
    data = _form_data(
        empty_rules,
        rules=[
            {
                "kind": "activity_present",
                "nth_from": 1,
                "points": "7.5",
                "per_unit": "on",
                "share": "full",
                "category": "活动",
            }
        ],
        caps=[{"category": "活动", "cap": "30"}],
        minimums=[{"kind": "proposal_submitted", "min_count": 1}],
        bands=[
            {"label": "优秀", "min_score": "85", "max_score": ""},
            {"label": "称职", "min_score": "60", "max_score": "85"},
        ],
    )
    response = client_for(world.district_staff).post(_change(empty_rules), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    book = RuleSet.objects.for_scoring().get(pk=empty_rules.pk).book()
    assert (book.base, book.caps, [b.label for b in book.bands]) == (
        Decimal(70),
        {"活动": Decimal(30)},
        ["优秀", "称职"],
    )


def _errors(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_editor_refuses_a_negative_cap(world, client_for, empty_rules):
    data = _form_data(empty_rules, caps=[{"category": "活动", "cap": "-5"}])
    assert "上限不能为负数。" in _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert not empty_rules.caps.exists()


def test_the_editor_refuses_an_unknown_event_kind(world, client_for, empty_rules):
    data = _form_data(empty_rules, rules=[{"kind": "made_up", "nth_from": 1, "points": "5", "share": "full"}])
    page = _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert "未知的履职事项类型“made_up”，请从列表中选择。" in page


def test_the_editor_refuses_overlapping_grade_bands(world, client_for, empty_rules):
    data = _form_data(
        empty_rules,
        bands=[
            {"label": "优秀", "min_score": "80", "max_score": ""},
            {"label": "称职", "min_score": "60", "max_score": "85"},
        ],
    )
    page = _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert "等次“称职”与“优秀”的分数段重叠" in page
    assert not empty_rules.bands.exists()


def test_the_editor_lets_two_bands_move_in_one_save(world, client_for, district_rules):
    """Moving 优秀 up and 称职 with it would overlap the saved bands one at a time, but not together."""
    client = client_for(world.district_staff)
    formsets = client.get(_change(district_rules)).context["inline_admin_formsets"]
    data = _form_data(district_rules)
    data.update(base_score="85", name=district_rules.name)
    for inline in formsets:
        formset = inline.formset
        data.update(
            {f"{formset.prefix}-TOTAL_FORMS": len(formset.forms), f"{formset.prefix}-INITIAL_FORMS": len(formset.forms)}
        )
        for form in formset.forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if name == "id":
                    value = form.instance.pk
                if name == "rule_set":
                    value = district_rules.pk
                if value is True:
                    value = "on"
                if value not in (None, False):
                    data[f"{form.prefix}-{name}"] = value
    bands = {f.instance.label: f.prefix for f in next(i.formset for i in formsets if i.formset.prefix == "bands").forms}
    data[f"{bands['优秀']}-min_score"] = "90"
    data[f"{bands['称职']}-max_score"] = "90"
    response = client.post(_change(district_rules), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert district_rules.bands.get(label="称职").max_score == 90


def test_a_locked_rule_set_is_shown_but_cannot_be_changed(world, client_for, district_rules):
    district_rules.is_locked = True
    district_rules.save()
    client = client_for(world.district_staff)
    response = client.get(_change(district_rules))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert client.post(_change(district_rules), _form_data(district_rules)).status_code == 403


def test_staff_lock_rule_sets_with_an_admin_action_after_a_confirmation_page(world, client_for, district_rules):
    client = client_for(world.district_staff)
    asked = client.post(CHANGELIST, {"action": "lock_selected", "_selected_action": [district_rules.pk]})
    assert asked.status_code == 200 and 'data-testid="admin-confirm"' in asked.content.decode()
    body = asked.content.decode()
    assert "此操作不可撤销" in body and str(district_rules) in body and 'name="confirmed" value="yes"' in body
    district_rules.refresh_from_db()
    assert not district_rules.is_locked  # nothing happens before the second step
    response = client.post(
        CHANGELIST, {"action": "lock_selected", "_selected_action": [district_rules.pk], "confirmed": "yes"}
    )
    assert response.status_code == 302
    district_rules.refresh_from_db()
    assert district_rules.is_locked
    assert [e.verb for e in events_for(district_rules)] == ["created", "locked"]


def test_staff_create_a_rule_set_from_a_preset(world, client_for):
    client = client_for(world.district_staff)
    page = client.get(FROM_PRESET)
    assert page.status_code == 200
    assert list(page.context["form"].fields["committee"].queryset) == [world.district]
    response = client.post(FROM_PRESET, {"committee": world.district.pk, "year": 2026, "preset": "jinan"})
    rule_set = RuleSet.objects.get(committee=world.district, year=2026)
    assert response.status_code == 302 and response.url == _change(rule_set)
    assert (rule_set.base_score, rule_set.bonus_cap) == (70, 50)
    again = client.post(FROM_PRESET, {"committee": world.district.pk, "year": 2026, "preset": "jinan"})
    assert "该政协组织该年度已有积分规则。" in again.content.decode()


def test_a_preset_cannot_be_created_for_another_committee(world, client_for):
    response = client_for(world.district_staff).post(
        FROM_PRESET, {"committee": world.other.pk, "year": 2026, "preset": "jinan"}
    )
    assert response.status_code == 200 and not RuleSet.objects.exists()


def test_the_preset_page_refuses_non_staff(world, client_for):
    response = client_for(world.member).get(FROM_PRESET)
    assert response.status_code == 302 and "/admin/login/" in response.url


# --- Roll-up runs and snapshots -------------------------------------------------------------------

START = reverse("admin:assessments_rolluprun_start")


@pytest.mark.parametrize("model", ["rolluprun", "membersnapshot", "groupsnapshot", "committeesnapshot"])
def test_roll_up_lists_render_for_staff_in_a_fixed_number_of_queries(
    world, client_for, model, django_assert_max_num_queries
):
    from assessments.services import rollup_execute, rollup_start

    client = client_for(world.staff)
    url = reverse(f"admin:assessments_{model}_changelist")
    rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    for quarter in (2, 3, 4):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_staff_start_a_roll_up_from_the_admin_and_a_second_start_is_refused(world, client_for):
    client = client_for(world.district_staff)
    assert client.get(START).status_code == 200
    data = {"committee": world.district.pk, "year": 2026, "quarter": 1}
    response = client.post(START, data)
    assert response.status_code == 302
    run = RollupRun.objects.get()
    assert (run.committee, run.quarter, run.requested_by) == (world.district, 1, world.district_staff)
    again = client.post(START, data)
    assert "该季度的汇总已在排队或运行中。" in again.content.decode()


def test_staff_cannot_start_a_roll_up_for_another_committee(world, client_for):
    response = client_for(world.district_staff).post(START, {"committee": world.other.pk, "year": 2026, "quarter": 1})
    assert response.status_code == 200 and not RollupRun.objects.exists()


def test_staff_of_another_committee_do_not_see_its_runs(world, client_for):
    from assessments.services import rollup_start

    rollup_start(committee=world.district, year=2026, quarter=1, actor=None)
    changelist = reverse("admin:assessments_rolluprun_changelist")
    assert client_for(world.other_staff).get(changelist).context["cl"].result_count == 0


def test_the_roll_up_start_page_refuses_non_staff(world, client_for):
    response = client_for(world.convener).get(START)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_run_and_a_member_snapshot_open_read_only(world, client_for):
    from assessments.models import MemberSnapshot
    from assessments.services import rollup_execute, rollup_start

    run = rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    client = client_for(world.district_staff)
    response = client.get(reverse("admin:assessments_rolluprun_change", args=[run.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    snapshot = MemberSnapshot.objects.first()
    assert client.get(reverse("admin:assessments_membersnapshot_change", args=[snapshot.pk])).status_code == 200
    assert (
        client.get(
            reverse(
                "admin:assessments_ruleset_history",
                args=[RuleSet.objects.create(committee=world.district, year=2030).pk],
            )
        ).status_code
        == 200
    )


def test_staff_copy_a_rule_set_to_the_next_year(world, client_for, district_rules):
    client = client_for(world.district_staff)
    client.post(CHANGELIST, {"action": "copy_to_next_year", "_selected_action": [district_rules.pk]})
    copy = RuleSet.objects.for_scoring().get(committee=world.district, year=2027)
    assert copy.book() == RuleSet.objects.for_scoring().get(pk=district_rules.pk).book() and not copy.is_locked
    response = client.post(
        CHANGELIST, {"action": "copy_to_next_year", "_selected_action": [district_rules.pk]}, follow=True
    )
    assert "该政协组织该年度已有积分规则。" in response.content.decode()


def test_the_editor_saves_an_adding_rule_a_co_signer_share_rounding_and_an_any_of_minimum(
    world, client_for, empty_rules
):
    """The secretariat's words as rows: 三进 +2 on top of attendance, co-signer points shared among the
    co-signers rounded to 0.5, at least 1 proposal or 1 report, else at most 称职."""
    data = _form_data(
        empty_rules,
        rules=[
            {
                "kind": "activity_present",
                "nth_from": 1,
                "points": "5",
                "per_unit": "on",
                "share": "full",
                "category": "活动",
            },
            {
                "kind": "activity_three_enters",
                "nth_from": 1,
                "points": "2",
                "per_unit": "on",
                "share": "full",
                "adds": "on",
                "category": "活动",
            },
            {
                "kind": "proposal_filed_cosigner",
                "nth_from": 1,
                "points": "5",
                "share": "cosigners",
                "rounding": "0.5",
                "category": "提案",
            },
        ],
        minimums=[
            {"kind": "proposal_submitted", "min_count": 1, "group": "建言"},
            {"kind": "report_submitted", "min_count": 1, "group": "建言"},
        ],
        bands=[
            {"label": "优秀", "min_score": "85", "max_score": ""},
            {"label": "称职", "min_score": "", "max_score": "85"},
        ],
        fields={"shortfall_effect": "cap", "shortfall_grade": "称职", "repeat_below": "60", "repeat_grade": "不称职"},
    )
    response = client_for(world.district_staff).post(_change(empty_rules), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    book = RuleSet.objects.for_scoring().get(pk=empty_rules.pk).book()
    adding = [r for r in book.rules if r.adds]
    assert [(r.kind, r.points) for r in adding] == [("activity_three_enters", Decimal(2))]
    cosigner = next(r for r in book.rules if r.kind == "proposal_filed_cosigner")
    assert (cosigner.share, cosigner.rounding) == ("cosigners", Decimal("0.5"))
    assert book.minimum_groups == {"proposal_submitted": "建言", "report_submitted": "建言"}
    assert (book.shortfall_effect, book.shortfall_grade, book.repeat_below, book.repeat_grade) == (
        "cap",
        "称职",
        Decimal(60),
        "不称职",
    )


def test_the_editor_refuses_a_shortfall_grade_that_is_no_band(world, client_for, empty_rules):
    data = _form_data(
        empty_rules,
        bands=[{"label": "优秀", "min_score": "85", "max_score": ""}],
        fields={"shortfall_effect": "cap", "shortfall_grade": "良好"},
    )
    page = _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert "“良好”不是已设定的等次" in page
    assert RuleSet.objects.get(pk=empty_rules.pk).shortfall_effect == "none"


def test_the_editor_refuses_a_shortfall_effect_or_two_year_line_without_a_grade(world, client_for, empty_rules):
    data = _form_data(empty_rules, fields={"shortfall_effect": "fail", "repeat_below": "60"})
    page = _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert "请填写未达最低要求时的等次。" in page
    assert "请填写连续两年低于分数线时的等次。" in page


def test_the_editor_refuses_a_co_signers_only_share_on_a_lead_authors_rule(world, client_for, empty_rules):
    data = _form_data(
        empty_rules,
        rules=[
            {"kind": "proposal_filed_lead", "nth_from": 1, "points": "10", "share": "cosigners", "category": "提案"}
        ],
    )
    page = _errors(client_for(world.district_staff).post(_change(empty_rules), data))
    assert "只有附议人的分值才能由附议人平分" in page
    assert not empty_rules.rules.exists()
