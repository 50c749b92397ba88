"""Members and handling units are picked with search (core.widgets.SearchSelect / SearchSelectMultiple).

A native list of 99 names without search was the co-signer picker: every form field of the portal that chooses
members or units must use the search widget, and every admin relation to them an autocomplete (or raw id) field.
"""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.contrib import admin
from django.utils import translation

from core.widgets import SearchSelect, SearchSelectMixin, SearchSelectMultiple
from groups.models import HandlingUnit, Member
from tests.conftest import project_packages

pytestmark = pytest.mark.django_db

PICKED = (Member, HandlingUnit)


APPS = tuple(project_packages())


def _form_modules():
    """Every project module that holds page forms: each app's ``forms`` and ``views`` modules (and a views package's
    modules), found rather than listed, so an app split off later is checked too."""
    import pkgutil
    from importlib.util import find_spec

    for package in APPS:
        for leaf in ("forms", "views"):
            name = f"{package}.{leaf}"
            spec = find_spec(name)
            if spec is None:
                continue
            yield name
            for info in pkgutil.iter_modules(spec.submodule_search_locations or []):
                yield f"{name}.{info.name}"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def page_forms():
    for name in _form_modules():
        importlib.import_module(name)
    return sorted(
        {c for c in _subclasses(forms.BaseForm) if c.__module__.split(".")[0] in APPS and "admin" not in c.__module__},
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_every_page_field_choosing_members_or_units_searches():
    checked, wrong = [], []
    for form_class in page_forms():
        for name, field in form_class.base_fields.items():
            queryset = getattr(field, "queryset", None)
            if not isinstance(field, forms.ModelChoiceField) or queryset is None or queryset.model not in PICKED:
                continue
            checked.append(f"{form_class.__qualname__}.{name}")
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            expected = SearchSelectMultiple if multiple else SearchSelect
            if not isinstance(field.widget, expected):
                wrong.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}: {type(field.widget).__name__}")
    assert not wrong, "fields choosing members or units without core.widgets.SearchSelect(Multiple):\n" + "\n".join(
        wrong
    )
    # the scan sees the pickers the issue names (co-signers, units, contacts, plan, consultations)
    assert {
        "ProposalForm.cosigners",
        "AssignForm.lead_unit",
        "AssignForm.co_units",
        "ContactForm.member",
        "PlanItemForm.responsible",
        "AttendanceForm.member",
        "ParticipantForm.unit",
    } <= set(checked)


# Models with rows without bound in a committee (16,666 members, 392 groups, 66,000 proposals, 166,000 activities
# at 50k): a page field choosing them lists at most core.widgets.LISTED_AT_MOST options and searches the rest on the server.
UNBOUNDED = ("groups.Member", "proposals.Proposal", "activities.Activity", "groups.ActivityGroup")
# Fields that render no list of their rows: the review queue's ticked proposals are the page's own checkboxes; or
# whose rows are bounded: the groups a convener submits a proposal or report in the name of (the ones they convene)
NOT_LISTED = {
    "proposals.forms.BulkForm.proposals",
    "proposals.forms.ProposalForm.group",
    "proposals.forms.ReportForm.group",
}


def test_every_page_field_choosing_rows_without_bound_is_searched_on_the_server():
    """Issue #22: the outcome page's proposal select rendered all 66,000 of a committee's proposals (12 s), the
    session pages all 16,666 members and every consultation activity (7 s, 11 s). A field choosing members,
    proposals or activities names its ``core.pickers`` source (``SearchSelect(search=…)``)."""
    from core.pickers import SOURCES

    checked, wrong = [], []
    for form_class in page_forms():
        for name, field in form_class.base_fields.items():
            queryset = getattr(field, "queryset", None)
            model = getattr(queryset, "model", None)
            if not isinstance(field, forms.ModelChoiceField) or model is None or model._meta.label not in UNBOUNDED:
                continue
            checked.append(f"{form_class.__qualname__}.{name}")
            if f"{form_class.__module__}.{form_class.__qualname__}.{name}" in NOT_LISTED:
                continue
            source = getattr(field.widget, "search", None)
            if source not in SOURCES:
                wrong.append(f"{form_class.__module__}.{form_class.__qualname__}.{name}: {source!r}")
    assert not wrong, "fields choosing rows without bound that list them all in the page:\n" + "\n".join(wrong)
    assert {
        "ProposalForm.cosigners",
        "ProposalLinkForm.proposal",
        "SessionForm.activity",
        "MemberForm.member",
        "ActivityForm.open_groups",
    } <= set(checked)


def test_a_list_past_its_limit_reads_one_row_not_every_row_up_to_the_limit(world):
    """#22: the picker learnt that a committee had more than 300 standing members by building 301 of them; the
    ids past the limit now give one row (their count rides on it), the ids up to it every row."""
    from core.expressions import AmongFirstIds
    from tests import factories as f

    for _ in range(3):
        f.MemberFactory(committee=world.district)
    members = Member.objects.filter(committee=world.district)
    assert members.count() > 2
    assert members.filter(AmongFirstIds("pk", members.order_by().values("pk"), 2)).count() == 1
    assert set(members.filter(AmongFirstIds("pk", members.order_by().values("pk"), 99))) == set(members)


def test_a_long_list_carries_only_the_chosen_options_and_is_searched_on_the_server(world, monkeypatch, client_for):
    """Past LISTED_AT_MOST options the select holds the chosen ones only and names its source; the source finds
    by name and initials only the members the user reads (another committee's members: never), and the form
    still takes any member of its own queryset by id."""
    from core import widgets
    from tests import factories as f

    monkeypatch.setattr(widgets, "LISTED_AT_MOST", 2)
    f.MembershipFactory(group=world.group, member__name="张三丰")
    far = f.MemberFactory(committee=world.other, name="张三")
    field = forms.ModelChoiceField(
        Member.objects.filter(committee=world.district).order_by("pk"), widget=SearchSelect(search="members")
    )
    field.widget.search_query = {"committee": world.district.pk}
    assert field.queryset.count() > 2
    html = field.widget.render("member", str(world.member_record.pk))
    assert html.count("<option") == 2  # the empty choice and the chosen member
    assert f'value="{world.member_record.pk}" selected' in html
    assert f'data-picker-url="/pick/members/?committee={world.district.pk}"' in html
    field.widget.search_query = {}
    short = forms.ModelChoiceField(
        Member.objects.filter(pk=world.member_record.pk), widget=SearchSelect(search="members")
    )
    assert "data-picker-url" not in short.widget.render("member", None)  # a short list stays in the page

    client = client_for(world.staff)  # the city's staff: reach the district, not the far committee
    found = client.get("/pick/members/", {"q": "zs"}).json()["results"]
    assert [row["text"] for row in found] == ["张三丰"]
    assert client.get("/pick/members/", {"q": "张三"}).json()["results"] == found  # far's 张三 is not theirs
    assert client.get("/pick/members/", {"q": "zs", "committee": world.other.pk}).json()["results"] == []
    outsider = client_for(far.user) if far.user_id else None
    assert outsider is None or not outsider.get("/pick/members/", {"q": "zsf"}).json()["results"]
    assert client.get("/pick/nothing/", {"q": "a"}).status_code == 404
    assert client.get("/pick/members/").json() == {"results": []}  # nothing typed: nothing offered
    groups = client.get("/pick/groups/", {"q": world.group.name[:2]}).json()["results"]
    assert {"value": world.group.pk, "text": world.group.name} in groups


def test_the_group_pickers_of_the_ledger_and_the_session_form_are_searched():
    """A city's staff read 1,179 groups at 50k: the ledger's filter and the session form search them."""
    from activities.filters import ActivityFilter
    from consultations.forms import SessionForm, TopicForm

    assert ActivityFilter.base_filters["group"].extra["widget"].search == "groups"
    for form in (SessionForm, TopicForm):
        assert form.base_fields["group"].widget.search == "groups"


def test_an_activity_is_opened_to_its_committees_groups_found_on_the_server(world, client_for):
    """#22: the activity form listed each of the committee's groups as a checkbox (392 at 50k, a quarter of a
    second a page); now searched past LISTED_AT_MOST: a convener finds the active groups of their own group's
    committee, never another committee's; a member who edits no activity finds none."""
    from activities.forms import ActivityForm
    from tests import factories as f

    near = f.ActivityGroupFactory(committee=world.district, name="东湖北岸组")
    f.ActivityGroupFactory(committee=world.district, name="东湖旧组", is_active=False)
    f.ActivityGroupFactory(committee=world.other, name="东湖远山组")
    form = ActivityForm(group=world.group)
    assert form.fields["open_groups"].widget.search_query == {"committee": world.district.pk}
    found = client_for(world.convener).get("/pick/open_groups/", {"q": "东湖"}).json()["results"]
    assert {row["text"] for row in found} == {near.name, world.group.name}
    assert client_for(world.member).get("/pick/open_groups/", {"q": "东湖"}).json()["results"] == []


def test_every_admin_relation_to_members_or_units_is_searched(admin_user, rf):
    request = rf.get("/admin/")
    request.user = admin_user

    def unsearched(model_admin, model, writable):
        if not writable:  # computed rows nobody edits (roll-up snapshots)
            return
        skip = {
            *model_admin.readonly_fields,
            *(model_admin.exclude or ()),
            *model_admin.autocomplete_fields,
            *model_admin.raw_id_fields,
            getattr(model_admin, "fk_name", None),
        }
        for f in model._meta.get_fields():
            if not (f.many_to_one or f.many_to_many) or f.auto_created or f.related_model not in PICKED:
                continue
            if f.name in skip or (model_admin.fields is not None and f.name not in model_admin.fields):
                continue
            yield f"{type(model_admin).__name__}.{f.name}"

    wrong = []
    for model, model_admin in admin.site._registry.items():
        writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        wrong += unsearched(model_admin, model, writable)
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            wrong += unsearched(
                inline, inline.model, inline.has_add_permission(request, None) or inline.has_change_permission(request)
            )
    assert not wrong, "admin relations to members or units without autocomplete_fields:\n" + "\n".join(wrong)


def test_the_picker_carries_pinyin_initials_and_its_texts_in_chinese(world):
    field = forms.ModelChoiceField(Member.objects.filter(pk=world.member_record.pk), widget=SearchSelect)
    units = forms.ModelMultipleChoiceField(HandlingUnit.objects.filter(pk=world.unit.pk), widget=SearchSelectMultiple)
    world.member_record.name = "张三丰"
    world.member_record.save()
    world.unit.name = "市教育局"
    world.unit.save()
    with translation.override("zh-hans"):
        html = field.widget.render("member", None)
        assert "data-picker" in html and 'data-initials="zsf"' in html and "张三丰" in html
        assert 'data-picker-no-results="无匹配结果"' in html and "请选择" in html
        assert isinstance(field.widget, SearchSelectMixin)
        unit_html = units.widget.render("units", None)
        assert 'data-initials="sjyj"' in unit_html and "multiple" in unit_html


def test_one_rule_finds_rows_by_text_or_by_typed_initials(world):
    """``core.pinyin.text_or_initials`` is the pickers', the workbench search's and the group member filter's rule:
    the text inside the name, or the initials typed in Latin letters at the start of the name's initials."""
    from core.pinyin import text_or_initials
    from groups.models import GroupMembership
    from tests import factories as f

    zhang = f.MemberFactory(committee=world.district, name="张三丰")
    f.MemberFactory(committee=world.district, name="李四")
    members = Member.objects.filter(committee=world.district)
    assert list(members.filter(text_or_initials("三丰"))) == [zhang]
    assert list(members.filter(text_or_initials("ZS F"))) == [zhang]
    assert not members.filter(text_or_initials("sf")).exists()  # initials match at the start only
    f.MembershipFactory(group=world.group, member=zhang)
    memberships = GroupMembership.objects.filter(group=world.group)
    assert [m.member for m in memberships.filter(text_or_initials("zsf", via="member__"))] == [zhang]
