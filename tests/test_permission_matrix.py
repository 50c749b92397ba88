"""The permission matrix: every URL of the project, as every role, against an explicit table of rules.

``get_resolver()`` is walked recursively (pages, the API router, the schema and docs; the admin site has its
own tests). Each URL name needs a rule in ``RULES``; a new URL without one fails the test. A rule says which
roles get 200 (``ok``), which are redirected (``redirect``: 302 to somewhere other than the login page), and
what everybody else gets: anonymous visitors are sent to the login page on pages and get 401/403 from the API,
other roles are refused with 403 or 404 (``denied``), or get 405 where the endpoint only takes POST.

Objects with ids belong to ``world.group`` / ``world.unit`` / ``world.district`` so that "another" roles
(``outsider``, ``oconvener``, ``ounit``, ``ostaff``) must be refused.

GET only. POST-only endpoints (transitions, API actions) are checked here for "GET is 405 / refused" and
by the apps' own tests for their POST behaviour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from activities.services.activities import sign_in_code
from tests import factories as f
from tests.groups.factories import pdf_upload

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "outsider", "convener", "oconvener", "unit", "ounit", "staff", "ostaff", "leader")
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    ok: frozenset = frozenset()
    redirect: frozenset = frozenset()
    denied: tuple = (403, 404)
    api: bool = False
    post_only: bool = False  # GET answers 405 to whoever gets past authentication
    anonymous: object = None  # what an anonymous visitor gets when not in ok/redirect (default: login / 401-403)

    def expected(self, role: str) -> tuple:
        if role in self.ok:
            return (405,) if self.post_only else (200,)
        if role in self.redirect:
            return (302,)
        if role == "anonymous":
            if self.anonymous is not None:
                return (self.anonymous,)
            return (401, 403) if self.api else ("login",)
        return self.denied


def page(ok=(), redirect=(), *, post_only=False, **kw) -> Rule:
    """A page: anonymous visitors go to the login page, refused roles get 403 or 404."""
    if post_only and not ok:
        ok = LOGGED_IN
    return Rule(ok=frozenset(ok), redirect=frozenset(redirect), post_only=post_only, **kw)


def api(ok=(), redirect=(), **kw) -> Rule:
    """An API endpoint: anonymous gets 401/403, out-of-scope objects 404, missing permission 403."""
    return page(ok, redirect, api=True, **kw)


# Who is who (see the ``world`` fixture): the objects below belong to ``world.group`` (district committee),
# ``world.unit`` and ``world.district``. City staff and the city leader reach the district; ``ostaff`` and
# ``outsider`` belong to an unrelated committee, ``oconvener`` to another group, ``ounit`` to another unit.
GROUP_READERS = {"member", "convener", "staff", "leader"}  # the group's members, its committee's staff/leader
GROUP_EDITORS = {"convener", "staff"}  # its convener and its committee's staff
ANY_MEMBER = {"member", "outsider", "convener", "oconvener"}  # member-only pages (each sees their own rows)
CONVENERS = {"convener", "oconvener"}
SECRETARIAT = {"staff", "ostaff"}  # secretariat pages (each sees their own committee's rows)
OVERSIGHT = {"staff", "ostaff", "leader"}  # secretariat and leaders' overview pages
CITY_OVERSIGHT = {"staff", "leader"}  # staff and leader whose committee reaches the district
UNITS = {"unit", "ounit"}  # handling-unit pages (each unit sees its own rows)
IN_COMMITTEE = LOGGED_IN - {"outsider", "ostaff"}  # everyone attached to the district committee (or its city)
PLATFORM_READERS = {"member", "staff", "leader"}  # a platform not public: its members, its committee's staff, leaders

# --- The table ---------------------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    "api:assessment-list": api(CITY_OVERSIGHT),
    "api:assessment-groups": api(CITY_OVERSIGHT),
    "api:assessment-funding": api(CITY_OVERSIGHT),
    "api:consultation-outcome-draft-proposal": api(post_only=True),
    "api:consultation-outcome-link-proposal": api(post_only=True),
    "api:consultation-topic-link-research": api(post_only=True),
    "assessments:annual": page(OVERSIGHT),
    "assessments:dashboard": page(OVERSIGHT),
    "assessments:dashboard_members": page(OVERSIGHT),
    "assessments:dashboard_groups": page(OVERSIGHT),
    "assessments:dashboard_events": page(CITY_OVERSIGHT),  # the district's rows: another city's staff are refused
    "assessments:unit_sheets": page(OVERSIGHT),
    # one unit's yearly evaluation and the rows behind its figures: the unit's own users and its committee's
    # staff and leaders; another unit, another committee's staff: refused
    "assessments:unit_sheet": page({"unit", "staff", "leader"}),
    "assessments:unit_sheet_rows": page({"unit", "staff", "leader"}),
    "assessments:my_unit_sheet": page(redirect=UNITS),  # to the unit's own sheet
    "assessments:funding_export": page(OVERSIGHT),
    "assessments:assessment_export": page(CITY_OVERSIGHT),
    "assessments:member_record": page({"member", "convener", "staff"}),  # the member, their convener, staff
    "assessments:member_record_pdf": page({"member", "convener", "staff"}),
    "assessments:my_record": page(ANY_MEMBER),
    "assessments:my_record_pdf": page(ANY_MEMBER),
    "assessments:rollup_status": page({"staff"}),  # staff of the run's committee (the city's reach the district)
    "exports": page(LOGGED_IN),  # each sees their own exports and their committees' (core.models.ExportJob)
    # a district staff's prepared annual workbook: its requester and the staff of its committee (the city's reach
    # the district); the committee's leaders, who may export it themselves, do not get another's copy
    "export_download": page({"staff"}),
    "api-docs": page(EVERYONE),
    "api:activity-announce": api(post_only=True),
    "api:activity-attendance-correct": api(post_only=True),
    "api:activity-evidence": api(post_only=True),
    "api:activity-invite": api(post_only=True),
    "api:activity-leave": api(post_only=True),
    "api:activity-leave-withdraw": api(post_only=True),
    "api:activity-evidence-delete": api(post_only=True),  # DELETE only: GET is 405
    "api:activity-sign-in": api(post_only=True),
    "api:activity-sign-in-code": api(GROUP_EDITORS),  # the member sees the activity, but not the screen: 403
    "api:attendance-detail": api({"member", "convener", "staff"}),  # the member's own row, the group's editors
    "api:attendance-leave-decision": api(post_only=True),
    "api:group-import": api(post_only=True),
    "api:member-import": api(post_only=True),
    "api:member-logins": api(post_only=True),
    "api:member-logins-deactivate": api(post_only=True),
    "api:group-membership-list": api(LOGGED_IN),
    "api:group-membership-detail": api(GROUP_READERS),
    "api:plan-item-list": api(post_only=True),  # items are listed with their plan
    "api:plan-item-detail": api(GROUP_READERS),
    "api:plenary-session-list": api(LOGGED_IN),
    "api:plenary-session-detail": api(IN_COMMITTEE),
    "api:plenary-session-attendance": api(post_only=True),
    "api:plenary-session-fill-present": api(post_only=True),
    "api:plenary-attendance-list": api(LOGGED_IN),
    "api:plenary-attendance-detail": api({"member", "staff"}),  # the member's own row, the committee's staff
    "api:plenary-attendance-remove": api(post_only=True),
    "api:activity-attendance": api(GROUP_READERS),
    "api:activity-cancel": api(post_only=True),
    "api:activity-detail": api(GROUP_READERS),
    "api:activity-file": api(post_only=True),
    "api:activity-hold": api(post_only=True),
    "api:activity-list": api(LOGGED_IN),
    "api:api-root": api(LOGGED_IN),
    "api:committee-detail": api(IN_COMMITTEE),
    "api:committee-list": api(LOGGED_IN),
    "api:consultation-detail": api(CITY_OVERSIGHT),
    "api:consultation-hold": api(post_only=True),
    "api:consultation-list": api(LOGGED_IN),
    "api:consultation-outcome-assign": api(post_only=True),
    "api:consultation-outcome-close": api(post_only=True),
    "api:consultation-outcome-detail": api({"unit", "staff", "leader"}),
    "api:consultation-outcome-evaluate": api(post_only=True),
    "api:consultation-outcome-list": api(LOGGED_IN),
    "api:consultation-outcome-progress": api(post_only=True),
    "api:consultation-outcome-proposal-draft": api({"staff"}),
    "api:consultation-outcome-publish": api(post_only=True),
    "api:consultation-outcome-reply": api(post_only=True),
    "api:consultation-outcome-review": api(post_only=True),
    "api:consultation-outcome-supervise": api(post_only=True),
    "api:consultation-publish": api(post_only=True),
    "api:consultation-topic-adopt": api(post_only=True),
    "api:consultation-topic-decline": api(post_only=True),
    "api:consultation-topic-detail": api(CITY_OVERSIGHT),
    "api:consultation-topic-list": api(LOGGED_IN),
    "api:consultation-topic-rank": api(post_only=True),
    "api:contact-point-detail": api(IN_COMMITTEE),
    "api:contact-point-list": api(LOGGED_IN),
    "api:coverage": api(OVERSIGHT),
    "api:duty-record": api({"member", "convener", "staff"}),  # the member, their convener, committee staff
    "api:group-detail": api(GROUP_READERS),
    "api:group-list": api(LOGGED_IN),
    "api:handling-unit-detail": api(IN_COMMITTEE),
    "api:handling-unit-list": api(LOGGED_IN),
    "api:me": api(LOGGED_IN),
    "api:member-detail": api(GROUP_READERS),
    "api:member-list": api(LOGGED_IN),
    "api:notification-detail": api({"member"}),
    "api:notification-list": api(LOGGED_IN),
    "api:notification-read": api(post_only=True),
    "api:notification-read-all": api(post_only=True),
    "api:opinion-report-accept": api(post_only=True),
    "api:opinion-report-co-authorship": api(post_only=True),
    "api:opinion-report-submit-draft": api(post_only=True),
    "api:opinion-report-decline": api(post_only=True),
    "api:opinion-report-detail": api({"member", "staff", "leader"}),
    "api:opinion-report-list": api(LOGGED_IN),
    "api:opinion-report-record-adoption": api(post_only=True),
    "api:opinion-report-record-instruction": api(post_only=True),
    "api:opinion-report-record-follow-up": api(post_only=True),
    "api:opinion-report-submit": api(post_only=True),
    "api:plan-detail": api(GROUP_READERS),
    "api:plan-list": api(LOGGED_IN),
    "api:platform-detail": api(PLATFORM_READERS),
    "api:platform-list": api(LOGGED_IN),
    "api:platform-six-haves": api(PLATFORM_READERS),
    "api:platform-establish": api(post_only=True),
    "api:platform-wind-up": api(post_only=True),
    "api:platform-evaluate": api(post_only=True),
    "api:platform-members": api(post_only=True),
    "api:platform-plan": api(post_only=True),
    "api:platform-documents": api(post_only=True),
    "api:platform-membership-list": api(LOGGED_IN),
    "api:platform-membership-detail": api(PLATFORM_READERS),
    "api:platform-membership-leave": api(post_only=True),
    "api:proposal-assign": api(post_only=True),
    "api:proposal-close": api(post_only=True),
    "api:proposal-cosign": api(post_only=True),
    "api:proposal-detail": api(IN_COMMITTEE - {"ounit"}),
    "api:proposal-file": api(post_only=True),
    "api:proposal-list": api(LOGGED_IN),
    "api:proposal-merge": api(post_only=True),
    "api:proposal-rate": api(post_only=True),
    "api:proposal-reject": api(post_only=True),
    "api:proposal-reject-many": api(post_only=True),
    "api:proposal-assign-many": api(post_only=True),
    "api:not-filing-ground-list": api(LOGGED_IN),  # the national grounds and one's own committees'
    "api:proposal-reply": api(post_only=True),
    "api:proposal-request-reassignment": api(post_only=True),
    "api:proposal-stats": api(OVERSIGHT),
    "api:proposal-submit": api(post_only=True),
    "api:public-consultation-detail": api((), anonymous=404),  # an unpublished session is never public
    "api:public-consultation-list": api(EVERYONE),
    "api:rollup-detail": api(CITY_OVERSIGHT),
    "api:rollup-list": api(LOGGED_IN),
    "api:rollup-run": api(post_only=True),
    "api:sector-detail": api(IN_COMMITTEE),
    "api:sector-list": api(LOGGED_IN),
    "api:token": api(EVERYONE, post_only=True),
    "api:token-logout": api(post_only=True),
    "api:token-logout-all": api(post_only=True),
    "consultations:document": page(CITY_OVERSIGHT),
    "consultations:figures": page(OVERSIGHT),
    "consultations:figure_rows": page(OVERSIGHT),
    "consultations:outcome": page({"unit", "staff", "leader"}),
    "consultations:outcome_action": page(post_only=True),
    "consultations:outcomes": page(CONVENERS | OVERSIGHT),
    "consultations:public": page(EVERYONE),
    "consultations:public_outcome": page((), anonymous=404),
    "consultations:public_session": page((), anonymous=404),
    "consultations:session": page(CITY_OVERSIGHT),
    "consultations:session_action": page(post_only=True),
    "consultations:session_edit": page({"staff"}),
    "consultations:session_new": page(CONVENERS | SECRETARIAT),
    "consultations:session_rows": page(CITY_OVERSIGHT),  # the rows behind the session list's counts, as the session
    "consultations:sessions": page(CONVENERS | OVERSIGHT),
    "consultations:topic_action": page(post_only=True),
    "consultations:topic_new": page(CONVENERS | SECRETARIAT),
    "consultations:topics": page(CONVENERS | OVERSIGHT),
    "consultations:unit_outcomes": page(UNITS),
    "activities:activity_detail": page(GROUP_READERS),
    "activities:activity_edit": page(GROUP_EDITORS),
    "activities:activity_new": page(GROUP_EDITORS),
    "activities:activity_transition": page(post_only=True),
    "activities:attendance_record": page(post_only=True),
    "activities:attendance_rows": page(
        CITY_OVERSIGHT | {"convener"}
    ),  # and the group's convener (the dashboard's rows)
    "activities:group_rows": page(
        GROUP_READERS
    ),  # members, contact points: the group's readers; the dashboard's: editors
    "activities:coverage": page(OVERSIGHT),
    "activities:coverage_members": page(OVERSIGHT),
    "groups:dashboard": page(OVERSIGHT),
    "activities:evidence_file": page(GROUP_READERS),
    "activities:evidence_thumbnail": page(GROUP_READERS),
    "activities:evidence_upload": page(post_only=True),
    "activities:group_activities": page(GROUP_EDITORS),
    "groups:group_detail": page(GROUP_READERS),
    "activities:leave_decide": page(post_only=True),
    "activities:leave_request": page(post_only=True),
    "activities:leave_withdraw": page(post_only=True),
    "activities:evidence_delete": page(post_only=True),
    "activities:ledger": page(OVERSIGHT),
    "activities:my_activities": page(ANY_MEMBER),
    "groups:my_groups": page(LOGGED_IN),
    "groups:my_page": page(ANY_MEMBER),
    # the contact log: each member their own, conveners their groups' members', staff and leaders their committees'
    "activities:contacts": page(ANY_MEMBER | OVERSIGHT),
    "activities:contact_new": page(ANY_MEMBER | SECRETARIAT),  # a leader records none; a unit is not a member
    "api:contact-list": api(LOGGED_IN),  # the list is scoped (a unit's is empty); creating: contact_record decides
    "api:contact-detail": api(GROUP_READERS),  # the member's own contact: them, their convener, city staff/leader
    # duty platforms (the district's, being set up: not public; the member a plain member of it): its committee's
    # staff and leaders and its members read the page and its evidence (the convener, the unit: 404, as another
    # committee's); its committee's staff run it; the member leaves their own place; the initiator's forms are
    # tested in tests/groups/test_platforms.py, what a public (established) platform shows in test_my_platforms.py
    "activities:platforms": page(LOGGED_IN),
    "activities:my_platforms": page(ANY_MEMBER),  # each member their own platforms
    "activities:platform": page(PLATFORM_READERS),
    "activities:platform_members": page(PLATFORM_READERS),
    "activities:platform_document": page(PLATFORM_READERS),
    "activities:platform_establish": page({"staff"}),
    "activities:platform_wind_up": page({"staff"}),
    "activities:platform_evaluate": page({"staff"}),
    "activities:platform_member_add": page({"staff"}),
    "activities:platform_plan": page({"staff"}),
    "activities:platform_document_new": page({"staff"}),
    "activities:platform_member_leave": page({"member", "staff"}),
    # supervision groups (the district's, stationed at world.unit, the member in it), inspections and work reports
    # (both of world.group): each as the service's readers; lists are scoped
    "groups:supervision": page(LOGGED_IN),
    "groups:supervision_group": page({"member", "unit", "staff", "leader"}),
    "groups:supervision_group_new": page(SECRETARIAT),
    "groups:supervision_group_edit": page({"staff"}),
    "groups:supervision_visit_answer": page(post_only=True),
    "groups:inspection_new": page(OVERSIGHT),
    "groups:inspection": page({"convener", "staff", "leader"}),
    "groups:work_report_new": page({"convener", "oconvener", "staff"}),  # a group's conveners; staff
    "groups:work_report": page({"convener", "staff", "leader"}),
    "api:supervision-group-list": api(LOGGED_IN),
    "api:supervision-group-detail": api({"member", "unit", "staff", "leader"}),
    "api:supervision-group-visits": api(post_only=True),
    "api:supervision-visit-list": api(LOGGED_IN),
    "api:supervision-visit-detail": api({"member", "unit", "staff", "leader"}),
    "api:supervision-visit-answer": api(post_only=True),
    "api:inspection-list": api(LOGGED_IN),
    "api:inspection-detail": api({"convener", "staff", "leader"}),
    "api:inspection-account": api(post_only=True),
    "api:work-report-list": api(LOGGED_IN),
    "api:work-report-detail": api({"convener", "staff", "leader"}),
    "api:work-report-answer": api(post_only=True),
    "activities:contact_photo": page(GROUP_READERS),  # whoever sees the contact
    "activities:contact_edit": page({"member"}),  # its author, within the window
    "activities:contact_delete": page(post_only=True),
    # open activities and sign-up
    "activities:open_activities": page(ANY_MEMBER),
    "activities:my_expertise": page(ANY_MEMBER),
    "activities:sign_up": page(post_only=True),
    "activities:sign_up_withdraw": page(post_only=True),
    "activities:activity_invite": page(post_only=True),
    "api:activity-sign-up": api(post_only=True),
    "api:activity-sign-up-withdraw": api(post_only=True),
    "api:activity-suggestions": api(GROUP_EDITORS),  # the member sees the activity, not the suggestions: 403
    "api:activity-open": api(ANY_MEMBER),
    "api:member-expertise": api(post_only=True),
    "api:expertise-list": api(LOGGED_IN),
    "api:expertise-detail": api(IN_COMMITTEE),
    # the members' mailbox 委员信箱: a resident's pages are open to everyone, anonymous visitors included (no
    # personal data on them); a message left at ``world.group`` and passed to ``world.member``: them, the group's
    # convener, the district's (city) staff and leader. Turning it into a proposal: its member (the service says).
    "activities:mailbox": page(EVERYONE),
    "activities:mailbox_poster": page(EVERYONE),
    "activities:mailbox_track_lookup": page(EVERYONE),
    "activities:mailbox_track": page(EVERYONE),  # the unguessable tracking code is the credential
    "activities:messages": page(ANY_MEMBER | OVERSIGHT),  # scoped: each sees the messages at or passed to them
    "activities:message_themes": page(OVERSIGHT),
    "activities:heard_theme": page(OVERSIGHT),  # a theme's rows, scoped to what each may read
    "activities:mailbox_track_rate": page(EVERYONE, post_only=True),  # the resident rates with the code, no account
    "consultations:track_rate": page(EVERYONE, post_only=True),  # the same, for the outcome their message became
    "activities:message_ratings": page(OVERSIGHT),  # staff and leaders: ratings per member and group
    "activities:message_detail": page(GROUP_READERS),
    "activities:message_act": page(post_only=True),
    "proposals:from_message": page(post_only=True),
    "proposals:from_contact": page(post_only=True),
    "api:public-message-list": api(LOGGED_IN),  # scoped (a unit's is empty)
    "api:public-message-detail": api(GROUP_READERS),
    "api:public-message-route": api(post_only=True),
    "api:public-message-discard": api(post_only=True),
    "api:public-message-answer": api(post_only=True),
    "api:public-message-visit": api(post_only=True),
    "api:proposal-from-message": api(post_only=True),
    "api:proposal-from-contact": api(post_only=True),
    # leads 线索 (a lead of ``world.group``): the committee's staff and leader, the group's convener; kept (created,
    # converted, closed) by staff and conveners. The conversions are POST-only (the services say who).
    "activities:leads": page(OVERSIGHT | CONVENERS),  # scoped: each sees their committees' or groups' leads
    "activities:lead_new": page(SECRETARIAT | CONVENERS),
    "activities:lead_detail": page({"convener", "staff", "leader"}),
    "activities:lead_rows": page({"convener", "staff", "leader"}),
    "activities:lead_close": page(post_only=True),
    "activities:lead_items": page({"convener", "staff"}),  # add items to the lead: its keepers
    "activities:lead_item_remove": page(post_only=True),
    "activities:suggestion_add": page(post_only=True),
    "proposals:lead_to_proposal": page(post_only=True),
    "proposals:heard_to_report": page(post_only=True),
    "consultations:heard_to_topic": page(post_only=True),
    "api:lead-list": api(LOGGED_IN),  # scoped (empty for members and units)
    "api:lead-detail": api({"convener", "staff", "leader"}),
    "api:lead-close": api(post_only=True),
    "api:lead-group": api(post_only=True),
    "api:lead-add-items": api(post_only=True),
    "api:lead-remove-item": api(post_only=True),
    "api:activity-suggestion-list": api(LOGGED_IN),  # scoped
    "api:activity-suggestion-detail": api({"convener", "staff", "leader"}),
    "api:proposal-from-lead": api(post_only=True),
    "api:opinion-report-from-heard": api(post_only=True),
    "api:consultation-topic-from-heard": api(post_only=True),
    "activities:plan": page(GROUP_EDITORS),
    "activities:plan_item_delete": page(post_only=True),
    "activities:sign_in": page(GROUP_READERS),
    "activities:sign_in_screen": page(GROUP_EDITORS),
    "activities:sign_in_sheet": page(GROUP_EDITORS),
    "groups:unit_home": page(UNITS),
    "health": page(EVERYONE),
    "pick": page(LOGGED_IN),  # a searched picker's options (core.pickers): each source answers what the user reads
    "home": page((), redirect=LOGGED_IN),
    "login": page({"anonymous"}, redirect=LOGGED_IN),
    "logout": page(EVERYONE, post_only=True),
    "password_change": page(LOGGED_IN),
    # Getting into an account without its password: open to everyone; a link with a wrong token says so (200).
    "password_reset": page(EVERYONE),
    "password_reset_done": page(EVERYONE),
    "password_reset_sms": page(EVERYONE),
    "password_reset_sms_confirm": page(EVERYONE),
    "password_reset_confirm": page(EVERYONE),
    "first_login": page(EVERYONE),
    "notifications:calendar": page(EVERYONE),  # the private token is the credential
    "notifications:calendar_link": page(post_only=True),
    "notifications:inbox": page(LOGGED_IN),
    "notifications:open": page((), redirect={"member"}),  # to the notification's link; others' are 404
    "notifications:preferences": page(LOGGED_IN),
    "notifications:read": page(post_only=True),
    "notifications:read_all": page(post_only=True),
    "notifications:sms_receipt": page(
        EVERYONE, post_only=True
    ),  # the SMS provider posts; its shared token is the credential
    "proposals:act": page(post_only=True),
    "proposals:coauthor_answer": page(post_only=True),
    "proposals:cosign": page(post_only=True),
    "proposals:create": page(ANY_MEMBER),
    "proposals:detail": page(IN_COMMITTEE - {"ounit"}),
    "proposals:edit": page({"member"}),
    "proposals:figures": page(OVERSIGHT),
    "proposals:figures_xlsx": page(OVERSIGHT),
    "proposals:list": page(OVERSIGHT),
    "proposals:mine": page(ANY_MEMBER),
    "proposals:overdue": page(SECRETARIAT),
    "proposals:report_act": page(post_only=True),
    "proposals:report_create": page(ANY_MEMBER),
    "proposals:report_detail": page({"member", "staff", "leader"}),
    "proposals:report_rows": page(CITY_OVERSIGHT),  # a report's adoptions or instructions, as the reports list
    "proposals:reports": page(OVERSIGHT),  # leaders read it as the list behind the report figures
    "proposals:review": page(SECRETARIAT),
    "proposals:review_bulk": page(post_only=True),  # the queue's batch actions: the services decide who may
    "proposals:unit": page(UNITS),
    "proposals:reply_pdf": page(IN_COMMITTEE - {"ounit"}),  # uploads: the same people as the proposal page
    "proposals:attachment": page(IN_COMMITTEE - {"ounit"}),
    "schema": page(EVERYONE),
    "set_language": page((), redirect=EVERYONE),
    "text_size": page(EVERYONE, post_only=True),
    "workbench:home": page(SECRETARIAT),  # the secretariat's workbench: each sees their own committees' to-dos
    "workbench:todo": page(SECRETARIAT),
    "workbench:search": page(OVERSIGHT),  # staff and leaders search their own committees
    "workbench:leader_home": page(OVERSIGHT),
}


# API parity (#15): the page actions' API operations (writes: POST only; the services decide who may).
RULES.update(
    {
        name: api(post_only=True)
        for name in (
            "api:consultation-attendance",
            "api:consultation-cancel",
            "api:consultation-documents",
            "api:consultation-outcome-follow-up",
            "api:consultation-outcomes",
            "api:consultation-participants",
            "api:consultation-remove-attendance",
            "api:consultation-stage-records",
            "api:notification-calendar-link",
            "api:opinion-report-compile",
            "api:opinion-report-edit",
            "api:password-change",
            "api:proposal-contact",
            "api:proposal-implement",
            "api:proposal-mark-excellent",
            "api:proposal-mark-excellent-many",
            "api:proposal-mark-key",
            "api:proposal-opinion",
            "api:proposal-start-handling",
            "api:proposal-start-review",
            "api:proposal-supervise",
            "api:proposal-unmark-excellent",
            "api:proposal-unmark-excellent-many",
            "api:rule-set-copy",
            "api:rule-set-from-preset",
            "api:rule-set-lock",
        )
    }
)
RULES.update(
    {
        "api:notification-preferences": api(LOGGED_IN),  # one's own settings
        "api:rule-set-list": api(LOGGED_IN),  # the rule sets the caller administers (none for most)
        "api:rule-set-detail": api({"staff"}),  # the district's rule set: its (city) staff only
    }
)

# The public consultation URLs once their session (and outcome) are published: open to everyone, anonymous
# visitors included. Every URL whose route contains "public" needs a rule here as well as in RULES (there,
# checked on an unpublished session, which must stay 404). Checked by ``test_public_urls_once_published``.
PUBLISHED_RULES = {
    "api:public-consultation-detail": api(EVERYONE),
    "api:public-consultation-list": api(EVERYONE),
    "consultations:public": page(EVERYONE),
    "consultations:public_outcome": page(EVERYONE),
    "consultations:public_session": page(EVERYONE),
}

# Which objects a URL's arguments point at (see ``url_kwargs``).
ARGS = {
    "activities:lead_detail": "lead",
    "activities:lead_rows": "lead",
    "activities:lead_close": "lead",
    "activities:lead_items": "lead",
    "activities:lead_item_remove": "lead_item",
    "activities:suggestion_add": "activity",
    "proposals:lead_to_proposal": "lead",
    "proposals:heard_to_report": "heard_lead",
    "consultations:heard_to_topic": "heard_lead",
    "api:lead-detail": "lead",
    "api:lead-close": "lead",
    "api:lead-group": "lead",
    "api:lead-add-items": "lead",
    "api:lead-remove-item": "lead",
    "api:activity-suggestion-detail": "suggestion",
    "api:contact-detail": "contact",
    "activities:contact_photo": "contact",
    "activities:contact_edit": "contact",
    "activities:contact_delete": "contact",
    "activities:sign_up": "activity",
    "activities:sign_up_withdraw": "activity",
    "activities:activity_invite": "activity",
    "api:activity-sign-up": "activity",
    "api:activity-sign-up-withdraw": "activity",
    "api:activity-suggestions": "activity",
    "api:member-expertise": "member",
    "api:expertise-detail": "expertise",
    "activities:mailbox": "mailbox",
    "activities:mailbox_poster": "mailbox",
    "activities:mailbox_track": "message_code",
    "activities:mailbox_track_rate": "message_code",
    "consultations:track_rate": "message_code",
    "activities:message_detail": "message",
    "activities:message_act": "message_action",
    "proposals:from_message": "message",
    "proposals:from_contact": "contact",
    "api:public-message-detail": "message",
    "api:public-message-route": "message",
    "api:public-message-discard": "message",
    "api:public-message-answer": "message",
    "api:public-message-visit": "message",
    "api:duty-record": "member_id",
    "assessments:member_record": "member_id",
    "assessments:member_record_pdf": "member_id",
    "notifications:open": "notification",
    "notifications:read": "notification",
    "notifications:calendar": "calendar",
    "groups:group_detail": "group",
    "activities:group_rows": "group",
    "activities:group_activities": "group",
    "activities:activity_new": "group",
    "activities:plan": "plan",
    "activities:plan_item_delete": "plan_item",
    "activities:activity_detail": "activity",
    "activities:activity_edit": "activity",
    "activities:attendance_record": "activity",
    "activities:attendance_rows": "activity",
    "activities:evidence_upload": "activity",
    "activities:leave_request": "activity",
    "activities:sign_in_screen": "activity",
    "activities:sign_in_sheet": "activity",
    "activities:activity_transition": "activity_action",
    "activities:leave_decide": "attendance",
    "activities:evidence_file": "evidence",
    "activities:evidence_thumbnail": "evidence",
    "activities:evidence_delete": "evidence",
    "activities:leave_withdraw": "activity",
    "api:activity-leave-withdraw": "activity",
    "api:activity-evidence-delete": "activity_evidence",
    "activities:sign_in": "sign_in",
    "proposals:detail": "proposal",
    "proposals:edit": "draft",
    "proposals:act": "proposal_action",
    "proposals:cosign": "cosign",
    "proposals:reply_pdf": "reply",
    "proposals:attachment": "attachment",
    "proposals:report_detail": "report",
    "proposals:report_act": "report_action",
    "proposals:report_rows": "report",
    "proposals:coauthor_answer": "coauthor",
    "consultations:topic_action": "topic_action",
    "consultations:session": "session",
    "consultations:session_edit": "session",
    "consultations:session_rows": "session",
    "consultations:session_action": "session_action",
    "consultations:document": "document",
    "consultations:outcome": "outcome",
    "consultations:outcome_action": "outcome_action",
    "consultations:public": "public",
    "consultations:public_session": "public_session",
    "consultations:public_outcome": "public_outcome",
    "api:committee-detail": "committee",
    "api:sector-detail": "sector",
    "api:member-detail": "member",
    "api:group-detail": "group",
    "api:contact-point-detail": "contact_point",
    "api:platform-detail": "platform",
    "api:platform-six-haves": "platform",
    "api:platform-establish": "platform",
    "api:platform-wind-up": "platform",
    "api:platform-evaluate": "platform",
    "api:platform-members": "platform",
    "api:platform-plan": "platform",
    "api:platform-documents": "platform",
    "api:platform-membership-detail": "platform_membership",
    "api:platform-membership-leave": "platform_membership",
    "activities:platform": "platform",
    "activities:platform_members": "platform",
    "activities:platform_document": "platform_document",
    "activities:platform_establish": "platform",
    "activities:platform_wind_up": "platform",
    "activities:platform_evaluate": "platform",
    "activities:platform_member_add": "platform",
    "activities:platform_plan": "platform",
    "activities:platform_document_new": "platform",
    "activities:platform_member_leave": "platform_membership",
    "api:handling-unit-detail": "unit_pk",
    "assessments:unit_sheet": "unit_pk",
    "assessments:unit_sheet_rows": "unit_pk",
    "api:plan-detail": "plan_pk",
    "api:rollup-detail": "rollup",
    "assessments:rollup_status": "rollup",
    "export_download": "export_job",
    "api:notification-detail": "notification",
    "api:notification-read": "notification",
    "api:public-consultation-detail": "session",
    "workbench:todo": "todo",
    "pick": "picker",
    "password_reset_confirm": "signed_link",
    "first_login": "signed_link",
    "api:activity-attendance-correct": "activity",
    "api:activity-evidence": "activity",
    "api:activity-invite": "activity",
    "api:activity-leave": "activity",
    "api:activity-sign-in": "activity",
    "api:activity-sign-in-code": "activity",
    "api:attendance-detail": "attendance",
    "api:attendance-leave-decision": "attendance",
    "api:group-membership-detail": "membership",
    "api:plan-item-detail": "plan_item",
    "api:plenary-session-detail": "plenary_session",
    "api:plenary-session-attendance": "plenary_session",
    "api:plenary-session-fill-present": "plenary_session",
    "api:plenary-attendance-detail": "plenary_attendance",
    "groups:supervision_group": "supervision_group",
    "groups:supervision_group_edit": "supervision_group",
    "groups:supervision_visit_answer": "supervision_visit",
    "groups:inspection": "inspection",
    "groups:work_report": "work_report",
    "api:supervision-group-detail": "supervision_group",
    "api:supervision-group-visits": "supervision_group",
    "api:supervision-visit-detail": "supervision_visit",
    "api:supervision-visit-answer": "supervision_visit",
    "api:inspection-detail": "inspection",
    "api:inspection-account": "inspection",
    "api:work-report-detail": "work_report",
    "api:work-report-answer": "work_report",
}
for _kind, _key in (
    ("activity", "activity"),
    ("proposal", "proposal"),
    ("opinion-report", "report"),
    ("consultation-topic", "topic"),
    ("consultation", "session"),
    ("consultation-outcome", "outcome"),
):
    for _action in (
        "detail",
        "announce",
        "attendance",
        "cancel",
        "file",
        "hold",
        "assign",
        "close",
        "merge",
        "rate",
        "reject",
        "reply",
        "request-reassignment",
        "submit",
        "accept",
        "decline",
        "record-adoption",
        "record-instruction",
        "record-follow-up",
        "adopt",
        "rank",
        "publish",
        "evaluate",
        "progress",
        "proposal-draft",
        "draft-proposal",
        "link-proposal",
        "link-research",
        "review",
        "supervise",
        "cosign",
        "co-authorship",
        "submit-draft",
    ):
        if f"{_kind}-{_action}" != "opinion-report-submit":
            ARGS.setdefault(f"api:{_kind}-{_action}", _key)
    for _action in (
        "contact",
        "implement",
        "mark-excellent",
        "mark-key",
        "opinion",
        "start-handling",
        "start-review",
        "unmark-excellent",
        "edit",
        "documents",
        "outcomes",
        "participants",
        "remove-attendance",
        "stage-records",
        "follow-up",
    ):
        ARGS.setdefault(f"api:{_kind}-{_action}", _key)
ARGS.update({"api:rule-set-detail": "rule_set", "api:rule-set-copy": "rule_set", "api:rule-set-lock": "rule_set"})


# Query strings for endpoints that need them to answer at all (a 400 would say nothing about permissions).
QUERY = {
    "api:assessment-list": "?committee={district}&year={year}",
    "api:assessment-groups": "?committee={district}&year={year}",
    "api:assessment-funding": "?committee={district}&year={year}",
    "assessments:assessment_export": "?committee={district}&year={year}",
    "assessments:unit_sheet_rows": "?year={year}&figure=assigned",
    "assessments:dashboard_events": "?committee={district}&year={year}&quarter=1&figure=proposals",
    "consultations:session_rows": "?figure=present",
    "proposals:report_rows": "?figure=adoptions",
}


# --- Objects the URLs point at -----------------------------------------------------------------------------


def build_objects(world, *, again: bool = False) -> dict:
    """One object of each kind the matrix's URLs name, as the roles' pages show them. ``again``: a second set of
    the same rows beside the first (unique names and numbers varied; the group's plan and the year's rule set and
    roll-up run, of which there is one, reused), for the query-count test (``tests/test_query_counts.py``)."""
    from django.core.files.base import ContentFile

    from activities.models import Activity, Attendance, Evidence
    from consultations.models import SessionDocument
    from notifications.models import Notification, NotificationSettings
    from proposals.models import Attachment, CoAuthorInvitation, CoSigner, Reply
    from tests.consultations.factories import OutcomeFactory, SessionFactory, TopicFactory
    from tests.groups.factories import ActivityFactory, AnnualPlanFactory, PlanItemFactory, png_bytes
    from tests.proposals.conftest import Walker
    from tests.proposals.factories import OpinionReportFactory

    activity = ActivityFactory(
        group=world.group, state=Activity.State.ANNOUNCED, starts_at=timezone.now() + timedelta(days=2)
    )
    attendance = Attendance.objects.create(
        activity=activity, member=world.member_record, leave=Attendance.Leave.REQUESTED, leave_reason="出差"
    )
    evidence = Evidence(
        activity=activity,
        kind=Evidence.Kind.values[0],
        content_type="image/png",
        size=10,
        original_name="p.png",
        uploaded_by=world.convener,
    )
    evidence.file.save("p.png", ContentFile(png_bytes()), save=False)
    evidence.save()
    from activities.models import AnnualPlan

    plan = (again and AnnualPlan.objects.filter(group=world.group).first()) or AnnualPlanFactory(group=world.group)
    item = PlanItemFactory(plan=plan)
    walk = Walker(world)
    proposal = walk.assigned()
    report = OpinionReportFactory(committee=world.district, author=world.member_record)
    reply = Reply(
        proposal=proposal,
        unit=world.unit,
        round=1,
        text="已办理",
        result_code="A",
        replied_on=timezone.localdate(),
        on_time=True,
    )  # the file only: the proposal stays assigned
    reply.signed_pdf.save("r.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    reply.save()
    attachment = Attachment(proposal=proposal, name="调研报告.pdf")
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    attachment.save()
    topic = TopicFactory(committee=world.district)
    session = SessionFactory(committee=world.district)  # held, not published: the public URLs must 404
    document = SessionDocument(
        session=session,
        kind=SessionDocument.Kind.MINUTES,
        name="m.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_by=world.staff,
    )
    document.file.save("m.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    outcome = OutcomeFactory(
        session=session,
        unit=world.unit,
        state="assigned",
        deadline=timezone.localdate() + timedelta(days=30),
        assigned_at=timezone.now(),
    )
    notification = Notification.objects.create(
        recipient=world.member, title="t", due=timezone.localdate() - timedelta(days=again)
    )
    prefs, _ = NotificationSettings.objects.get_or_create(user=world.member)
    prefs.calendar_token = prefs.calendar_token if again else "tok-member-calendar"
    prefs.save()
    draft = walk.draft()
    cosign = CoSigner.objects.create(
        proposal=draft, member=world.convener_member, deadline=timezone.localdate() + timedelta(days=7)
    )
    coauthor = CoAuthorInvitation.objects.create(
        report=OpinionReportFactory(committee=world.district, author=world.member_record, state="draft"),
        member=world.convener_member,
        deadline=timezone.localdate() + timedelta(days=7),
    )
    from assessments.models import RollupRun

    rollup, _ = RollupRun.objects.get_or_create(committee=world.district, year=timezone.localdate().year, quarter=1)
    from assessments.models import RuleSet

    rule_set, _ = RuleSet.objects.get_or_create(committee=world.district, year=timezone.localdate().year)
    sector = f.SectorFactory(committee=world.district)
    contact_point = f.ContactPointFactory(committee=world.district)
    platform = f.PlatformFactory(committee=world.district)
    from groups.models import PlatformMembership
    from groups.services import platforms as platform_services

    platform_membership = PlatformMembership.objects.create(
        platform=platform, member=world.member_record, role="member", joined_on=timezone.localdate()
    )
    platform_document = platform_services.platform_document_upload(
        actor=world.district_staff, platform_id=platform.pk, kind="rules", upload=pdf_upload("议事规则.pdf")
    )
    from groups.models import ConstituentContact

    contact = ConstituentContact(
        committee=world.district,
        member=world.member_record,
        contacted_on=timezone.localdate(),
        place="社区",
        whom_kind="person",
        whom="退休教师",
        topic="other",
        raised="加装电梯",
        recorded_by=world.member,
    )
    from django.core.files.base import ContentFile

    from tests.groups.factories import png_bytes

    contact.photo.save("photo.png", ContentFile(png_bytes()), save=False)
    contact.save()
    expertise = f.ExpertiseFactory(committee=world.district)
    from activities.models import PublicMessage

    message = PublicMessage.objects.create(
        committee=world.district,
        target="group",
        group=world.group,
        category="livelihood",
        text="小区加装电梯",
        name="王阿姨",
        phone="13800000000",
        tracking_code="ABCDE23457" if again else "ABCDE23456",
        client_key="k",
        state="routed",
        routed_member=world.member_record,
        routed_at=timezone.now(),
        answer_due=timezone.localdate(),
    )
    from activities.services import leads as lead_services

    suggestion = lead_services.suggestion_record(activity_id=activity.pk, actor=world.convener, text="多设停车位")
    lead = lead_services.lead_create(
        actor=world.convener,
        title="小区加装电梯",
        category="livelihood",
        group_id=world.group.pk,
        message_ids=[message.pk],
        suggestion_ids=[suggestion.pk],
    )
    from groups.models import GroupMembership
    from plenary.models import PlenaryAttendance
    from tests.groups.factories import PlenarySessionFactory

    plenary_session = PlenarySessionFactory(term=world.member_record.term)
    plenary_attendance = PlenaryAttendance.objects.create(
        session=plenary_session, member=world.member_record, present=plenary_session.half_days
    )
    membership = GroupMembership.objects.get(group=world.group, member=world.member_record)
    from groups.services import supervision as supervision_services

    supervision_group = supervision_services.supervision_group_save(
        actor=world.district_staff,
        committee_id=world.district.pk,
        name="教育监督小组" if again else "住建监督小组",
        unit_id=world.unit.pk,
        focus="老旧小区改造",
        starts_on=timezone.localdate(),
        member_ids=[world.member_record.pk],
    )
    supervision_visit = supervision_services.supervision_visit_record(
        actor=world.member, group_id=supervision_group.pk, visited_on=timezone.localdate(), findings="进度滞后"
    )
    inspection = supervision_services.inspection_record(
        actor=world.district_staff,
        committee_id=world.district.pk,
        group_id=world.group.pk,
        inspected_on=timezone.localdate(),
        inspectors="办公室",
        findings="台账不全",
        required_actions="补齐",
    )
    work_report = supervision_services.work_report_submit(
        actor=world.convener,
        group_id=world.group.pk,
        year=timezone.localdate().year,
        half=1 + again,
        summary="开展活动",
    )
    from core.models import ExportJob

    export_job = ExportJob(
        requested_by=world.district_staff,
        kind="assessments.annual",
        title="年度考核",
        params={"committee": world.district.pk, "year": timezone.localdate().year},
        committee_id=world.district.pk,
        state=ExportJob.State.DONE,
        filename="年度考核.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        rows=1,
    )
    export_job.file.save("annual.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    export_job.save()
    return dict(
        export_job=export_job,
        supervision_group=supervision_group,
        supervision_visit=supervision_visit,
        inspection=inspection,
        work_report=work_report,
        plenary_session=plenary_session,
        plenary_attendance=plenary_attendance,
        membership=membership,
        activity=activity,
        attendance=attendance,
        evidence=evidence,
        plan=plan,
        item=item,
        proposal=proposal,
        report=report,
        reply=reply,
        attachment=attachment,
        topic=topic,
        session=session,
        document=document,
        outcome=outcome,
        notification=notification,
        cosign=cosign,
        coauthor=coauthor,
        draft=draft,
        rollup=rollup,
        sector=sector,
        contact_point=contact_point,
        platform=platform,
        platform_membership=platform_membership,
        platform_document=platform_document,
        rule_set=rule_set,
        contact=contact,
        expertise=expertise,
        message=message,
        lead=lead,
        suggestion=suggestion,
    )


def page_url(name: str, world, objects: dict) -> str:
    """The URL of ``name`` as the matrix opens it: its arguments from ``ARGS`` and its query from ``QUERY``."""
    key = ARGS.get(name)
    url = reverse(name, kwargs=url_kwargs(key, world, objects) if key else None)
    if name in QUERY:
        url += QUERY[name].format(district=world.district.pk, year=timezone.localdate().year)
    return url


def url_kwargs(key: str, world, o: dict) -> dict:
    year = timezone.localdate().year
    return {
        "group": {"pk": world.group.pk},
        "plan": {"pk": world.group.pk, "year": year},
        "plan_item": {"pk": o["item"].pk},
        "activity": {"pk": o["activity"].pk},
        "activity_action": {"pk": o["activity"].pk, "action": "announce"},
        "attendance": {"pk": o["attendance"].pk},
        "evidence": {"pk": o["evidence"].pk},
        "activity_evidence": {"pk": o["activity"].pk, "evidence_pk": o["evidence"].pk},
        "sign_in": {"pk": o["activity"].pk, "code": sign_in_code(o["activity"].pk)},
        "proposal": {"pk": o["proposal"].pk},
        "draft": {"pk": o["draft"].pk},
        "proposal_action": {"pk": o["proposal"].pk, "action": "file"},
        "cosign": {"pk": o["cosign"].pk, "answer": "confirm"},
        "coauthor": {"pk": o["coauthor"].pk, "answer": "confirm"},
        "report": {"pk": o["report"].pk},
        "reply": {"pk": o["reply"].pk},
        "attachment": {"pk": o["attachment"].pk},
        "report_action": {"pk": o["report"].pk, "action": "accept"},
        "topic_action": {"pk": o["topic"].pk, "action": "adopt"},
        "session": {"pk": o["session"].pk},
        "session_action": {"pk": o["session"].pk, "action": "hold"},
        "document": {"pk": o["document"].pk},
        "outcome": {"pk": o["outcome"].pk},
        "outcome_action": {"pk": o["outcome"].pk, "action": "assign"},
        "public": {"code": world.district.code},
        "public_session": {"code": world.district.code, "pk": o["session"].pk},
        "public_outcome": {"code": world.district.code, "pk": o["outcome"].pk},
        "notification": {"pk": o["notification"].pk},
        "calendar": {"token": "tok-member-calendar"},
        "member_id": {"member_id": world.member_record.pk},
        "committee": {"pk": world.district.pk},
        "member": {"pk": world.member_record.pk},
        "unit_pk": {"pk": world.unit.pk},
        "rollup": {"pk": o["rollup"].pk},
        "export_job": {"pk": o["export_job"].pk},
        "rule_set": {"pk": o["rule_set"].pk},
        "topic": {"pk": o["topic"].pk},
        "sector": {"pk": o["sector"].pk},
        "contact_point": {"pk": o["contact_point"].pk},
        "contact": {"pk": o["contact"].pk},
        "supervision_group": {"pk": o["supervision_group"].pk},
        "supervision_visit": {"pk": o["supervision_visit"].pk},
        "inspection": {"pk": o["inspection"].pk},
        "work_report": {"pk": o["work_report"].pk},
        "expertise": {"pk": o["expertise"].pk},
        "message": {"pk": o["message"].pk},
        "lead": {"pk": o["lead"].pk},
        "heard_lead": {"source": "lead", "pk": o["lead"].pk},
        "lead_item": {"pk": o["lead"].pk, "kind": "suggestion", "item": o["suggestion"].pk},
        "suggestion": {"pk": o["suggestion"].pk},
        "message_action": {"pk": o["message"].pk, "action": "route"},
        "message_code": {"code": o["message"].tracking_code},
        "mailbox": {"target": "contact_point", "pk": o["contact_point"].pk},
        "platform": {"pk": o["platform"].pk},
        "platform_membership": {"pk": o["platform_membership"].pk},
        "platform_document": {"pk": o["platform_document"].pk},
        "plan_pk": {"pk": o["plan"].pk},
        "todo": {"slug": "review"},
        "picker": {"name": "members"},
        "signed_link": {"uidb64": "MQ", "token": "abc-0123456789abcdef"},
        "plenary_session": {"pk": o["plenary_session"].pk},
        "plenary_attendance": {"pk": o["plenary_attendance"].pk},
        "membership": {"pk": o["membership"].pk},
    }[key]


def users_by_role(world) -> dict:
    """The user behind each role of ``ROLES`` (None: anonymous)."""
    return {
        "anonymous": None,
        "member": world.member,
        "outsider": world.outsider_member.user,
        "convener": world.convener,
        "oconvener": world.other_convener,
        "unit": world.unit_user,
        "ounit": world.other_unit_user,
        "staff": world.staff,
        "ostaff": world.other_staff,
        "leader": world.leader,
    }


# --- Walking the URLconf -----------------------------------------------------------------------------------


def url_names() -> dict[str, str]:
    """Every named URL outside the admin site: name -> route (first pattern of that name)."""
    names: dict[str, str] = {}

    def walk(resolver, ns: str, prefix: str):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                walk(p, f"{ns}{p.namespace}:" if p.namespace else ns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                names.setdefault(f"{ns}{p.name}", prefix + str(p.pattern))

    walk(get_resolver(), "", "")
    return names


def test_every_url_has_a_rule():
    missing = sorted(set(url_names()) - set(RULES))
    assert not missing, "new URL without a permission rule: " + ", ".join(missing)
    stale = sorted(set(RULES) - set(url_names()))
    assert not stale, "rules for URLs that no longer exist: " + ", ".join(stale)


def test_permission_matrix(world, client, settings, tmp_path):
    from django.test import Client

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix"}}
    users = users_by_role(world)
    objects = build_objects(world)
    clients = {}
    for role, user in users.items():
        c = Client(raise_request_exception=False)
        if user is not None:
            c.force_login(user)
        clients[role] = c
    login_url = reverse("login")
    failures = []
    discovered = {}
    for name in sorted(url_names()):
        r = RULES.get(name)
        if r is None and os.environ.get("MATRIX_DISCOVER"):
            r = Rule()
        if r is None:
            failures.append(f"new URL without a permission rule: {name}")
            continue
        url = page_url(name, world, objects)
        for role in ROLES:
            response = clients[role].get(url)
            got = response.status_code
            if got == 302 and response["Location"].startswith(login_url):
                got = "login"
            discovered.setdefault(name, {})[role] = got
            expected = r.expected(role)
            if got not in expected:
                failures.append(f"{name} ({url}) as {role}: got {got}, expected {' or '.join(map(str, expected))}")
            if isinstance(got, int) and got >= 500:
                failures.append(f"{name} ({url}) as {role}: server error {got}")
    if os.environ.get("MATRIX_DISCOVER"):
        with open(os.environ["MATRIX_DISCOVER"], "w") as out:
            for name, row in discovered.items():
                print(name, row, file=out)
    assert not failures, "\n".join(failures)


def test_every_public_url_has_a_published_rule():
    public = {name for name, route in url_names().items() if "public" in route}
    assert public == set(PUBLISHED_RULES), (
        f"public URLs without a rule in PUBLISHED_RULES: {sorted(public - set(PUBLISHED_RULES))}; "
        f"rules for URLs that are not public: {sorted(set(PUBLISHED_RULES) - public)}"
    )


def test_public_urls_once_published(world, settings):
    """The same URLs as in the matrix, on a published session and outcome: 200 for every role, anonymous
    included; a second, unpublished session of the same committee is still 404 on the same URLs."""
    from django.test import Client

    from tests.consultations.factories import OutcomeFactory, SessionFactory

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix-published"}
    }
    users = users_by_role(world)
    now = timezone.now()
    published = SessionFactory(committee=world.district, is_published=True, published_at=now)
    outcome = OutcomeFactory(
        session=published,
        unit=world.unit,
        state="published",
        published_at=now,
        reply="已完成加装",
        deadline=timezone.localdate() + timedelta(days=30),
        assigned_at=now,
    )
    hidden = SessionFactory(committee=world.district)
    hidden_outcome = OutcomeFactory(
        session=hidden,
        unit=world.unit,
        state="published",
        published_at=now,
        reply="已完成加装",
        deadline=timezone.localdate() + timedelta(days=30),
        assigned_at=now,
    )
    code = world.district.code
    kwargs = {
        "public": {"code": code},
        "public_session": {"code": code, "pk": published.pk},
        "public_outcome": {"code": code, "pk": outcome.pk},
        "session": {"pk": published.pk},
    }
    failures = []
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for name, rule in sorted(PUBLISHED_RULES.items()):
            key = ARGS.get(name)
            url = reverse(name, kwargs=kwargs[key] if key else None)
            got = client.get(url).status_code
            if got not in rule.expected(role):
                failures.append(f"{name} ({url}) as {role}: got {got}, expected {rule.expected(role)}")
        for url in (
            reverse("consultations:public_session", kwargs={"code": world.district.code, "pk": hidden.pk}),
            reverse("consultations:public_outcome", kwargs={"code": world.district.code, "pk": hidden_outcome.pk}),
            reverse("api:public-consultation-detail", kwargs={"pk": hidden.pk}),
        ):
            if (got := client.get(url).status_code) != 404:
                failures.append(f"{url} (unpublished) as {role}: got {got}, expected 404")
    listing = Client().get(reverse("api:public-consultation-list")).json()
    assert [row["id"] for row in listing["results"]] == [published.pk]  # the unpublished one is not listed
    assert not failures, "\n".join(failures)


# --- Residents' personal data: which roles read it, on every page and endpoint that shows a message ---------------

# The matrix's message (left at ``world.group``, passed to ``world.member``) carries a resident's name and phone. Of
# the roles that may open a page showing it, only the committee's staff and the member it is passed to (who calls
# back) read them on the message's page and in the API; the group's convener, the leader and everyone else see the
# message without them, and the tracking page and the list's rows show them to nobody.
PERSONAL_DATA_READERS = {"member", "staff"}
PERSONAL_DATA_URLS = {  # URL name -> (its argument, who reads the personal data on it)
    "activities:mailbox_track": ("message_code", set()),
    "activities:messages": (None, set()),
    "activities:message_detail": ("message", PERSONAL_DATA_READERS),
    "api:public-message-list": (None, PERSONAL_DATA_READERS),
    "api:public-message-detail": ("message", PERSONAL_DATA_READERS),
}


def test_residents_personal_data_is_read_only_by_staff_and_the_member_it_is_passed_to(world, settings, tmp_path):
    from django.test import Client

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pii"}}
    objects = build_objects(world)
    failures, shown = [], set()
    for role, user in users_by_role(world).items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for name, (key, readers) in PERSONAL_DATA_URLS.items():
            url = reverse(name, kwargs=url_kwargs(key, world, objects) if key else None)
            response = client.get(url)
            if response.status_code != 200:
                continue
            body = response.content.decode()
            shown.add(role)
            for value in ("13800000000", "王阿姨"):
                if (value in body) != (role in readers):
                    failures.append(f"{name} as {role}: {value} {'shown' if value in body else 'hidden'}")
    assert {"anonymous", "convener", "leader"} <= shown  # the check ran on roles that see the message itself
    assert not failures, "\n".join(failures)


# --- What the lead pages offer for pooling: only the keeper's own committees' items --------------------------------


def _offered(client, url: str) -> set[str]:
    import re

    page = client.get(url).content.decode()
    return set(re.findall(r'name="(message|contact|suggestion)" value="(\d+)"', page))


def test_lead_pickers_offer_only_items_of_the_committees_the_user_keeps_leads_of(world, client_for):
    """Suggestions (and messages, contacts) of another committee are never offered, even to staff who also lead
    it or who read it; a convener is offered only their groups' activities' suggestions; adding an unoffered item by
    hand is refused."""
    from django.test import Client

    from activities.models import PublicMessage
    from activities.services import leads as lead_services
    from groups.models import CommitteeStaff
    from tests.groups.factories import ActivityFactory

    here = lead_services.suggestion_record(
        activity_id=ActivityFactory(group=world.group).pk, actor=world.convener, text="本组建议"
    )
    other_group = lead_services.suggestion_record(
        activity_id=ActivityFactory(group=world.other_group).pk, actor=world.district_staff, text="他组建议"
    )
    far_activity = ActivityFactory(group=f.ActivityGroupFactory(committee=world.other), committee=world.other)
    far = lead_services.suggestion_record(activity_id=far_activity.pk, actor=world.other_staff, text="外地建议")
    far_message = PublicMessage.objects.create(
        committee=world.other,
        target="committee",
        committee_id=world.other.pk,
        category="livelihood",
        text="外地留言",
        tracking_code="FARAWAY234",
        client_key="k",
        answer_due=timezone.localdate(),
    )
    # the district's staff who is also a leader of the far committee: reads its suggestions, may not pool them
    f.StaffPositionFactory(committee=world.other, role=CommitteeStaff.Role.LEADER, user=world.district_staff)
    lead = lead_services.lead_create(
        actor=world.district_staff,
        title="线索",
        category="livelihood",
        group_id=world.group.pk,
        suggestion_ids=[here.pk],
    )
    new, items = reverse("activities:lead_new"), reverse("activities:lead_items", args=[lead.pk])
    cases = {
        world.district_staff: ({("suggestion", str(here.pk)), ("suggestion", str(other_group.pk))}, set()),
        world.convener: ({("suggestion", str(here.pk))}, set()),
        world.other_staff: ({("suggestion", str(far.pk)), ("message", str(far_message.pk))}, None),
    }
    for user, (on_new, on_items) in cases.items():
        client = Client()
        client.force_login(user)
        assert _offered(client, new) == on_new, user
        if on_items is None:
            assert client.get(items).status_code == 403
        else:
            offered = _offered(client, items)
            assert ("suggestion", str(far.pk)) not in offered and ("message", str(far_message.pk)) not in offered
            assert ("suggestion", str(here.pk)) not in offered  # already in the lead
    client = client_for(world.district_staff)
    response = client.post(items, {"suggestion": [far.pk]})
    assert response.status_code == 400 and "不属于本政协" in response.content.decode()
    convener = client_for(world.convener)
    assert convener.post(items, {"suggestion": [other_group.pk]}).status_code == 400  # another group's activity
    assert list(lead.suggestions.values_list("pk", flat=True)) == [here.pk]
    assert client_for(world.other_convener).post(items, {"suggestion": [other_group.pk]}).status_code == 403
