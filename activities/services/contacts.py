"""Writes on the members' contact log 联系群众记录 (``groups.models.contacts``).

Who may record: a member their own contacts, a convener or deputy for the active members of the groups they
convene, secretariat staff for their committees' members; anyone else gets ``NotPermitted`` and nothing is
written. A contact is a fact of the duty record (``constituent_contact``), so the roll-ups from its day go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import coverage
from activities.models import ActivitySettings
from activities.services.activities import sniff
from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, on_record_write, record_event
from core.uploads import validate_upload
from core.verbs import CoreVerb
from groups.access import scope_of
from groups.events import DutyRecordChanged
from groups.models import ConstituentContact, ContactPoint, GroupMembership, Member
from groups.verbs import GroupsVerb


@not_an_api_action("a read: the members the contact form offers; contact_record checks the same rule")
def recordable_members(actor: User) -> QuerySet[Member]:
    """The members ``actor`` may record contacts for (own first on the form: the caller orders)."""
    from django.db.models import Q

    scope = scope_of(actor)
    if scope.is_superuser:
        return Member.objects.all()
    convened = (
        GroupMembership.objects.active().filter(group_id__in=scope.convened_group_ids).order_by().values("member_id")
    )
    if not scope.staff_committee_ids:
        # A convener's groups and their own record: one set of ids (a UNION), so the members are read through their
        # key; an OR of the two made PostgreSQL read every member (#22: the contact form, 48 ms at 50k).
        own = Member.objects.filter(pk=scope.member_id or 0).order_by().values("pk")
        if not scope.convened_group_ids:
            return Member.objects.filter(pk=scope.member_id or 0)
        return Member.objects.filter(pk__in=convened.union(own) if scope.member_id else convened)
    q = Q(committee_id__in=scope.staff_committee_ids)
    if scope.convened_group_ids:
        q |= Q(pk__in=convened)
    if scope.member_id:
        q |= Q(pk=scope.member_id)
    return Member.objects.filter(q)


@transaction.atomic
def contact_record(
    *,
    actor: User,
    member_id: int,
    contacted_on: date,
    whom_kind: str,
    whom: str,
    topic: str,
    raised: str,
    contact_point: ContactPoint | None = None,
    place: str = "",
    follow_up: str = "",
    resident_contact: str = "",
    photo: UploadedFile | None = None,
) -> ConstituentContact:
    """Record a member's contact with the people of their sector (建档备案); the duty record counts it."""
    member = Member.objects.select_for_update().filter(pk=member_id).first()
    if member is None or not recordable_members(actor).filter(pk=member_id).exists():
        raise NotPermitted(_("You may record contacts only for yourself, your groups' members or your committee."))
    errors: dict[str, list[str]] = {}
    if contacted_on > timezone.localdate():
        errors["contacted_on"] = [_("The date of contact cannot be in the future.")]
    if contact_point is not None and contact_point.committee_id != member.committee_id:
        errors["contact_point"] = [_("The contact point belongs to another committee.")]
    place = (place or "").strip()
    if contact_point is None and not place:
        errors["place"] = [_("Choose a contact point or say where.")]
    for name, value, message in (
        ("whom", whom, _("Say who they were.")),
        ("raised", raised, _("Say what was raised.")),
    ):
        if not (value or "").strip():
            errors[name] = [message]
    if errors:
        raise DomainError(errors)
    contact = ConstituentContact(
        committee_id=member.committee_id,
        member=member,
        recorded_by=actor,
        contacted_on=contacted_on,
        contact_point=contact_point,
        place=place if contact_point is None else "",
        whom_kind=whom_kind,
        whom=whom.strip(),
        topic=topic,
        raised=raised.strip(),
        follow_up=(follow_up or "").strip(),
        resident_contact=(resident_contact or "").strip(),
    )
    if photo:
        _attach_photo(contact, photo)
    try:
        contact.full_clean(exclude=["photo"])
    except ValidationError as exc:
        raise DomainError(exc.message_dict) from None
    contact.save()
    coverage.refresh(coverage.contact_cells(contact))
    record_event(
        contact, actor=actor, verb=GroupsVerb.RECORDED, data={"member": member.pk, "on": contacted_on.isoformat()}
    )
    publish(DutyRecordChanged(committee_id=member.committee_id, on=contacted_on, actor_id=actor_id(actor)))
    return contact


def _attach_photo(contact: ConstituentContact, upload: UploadedFile) -> None:
    validate_upload(upload, model=ConstituentContact, field="photo", error_key="photo")
    data = upload.read()
    try:
        kind, _content_type, ext = sniff(data)
    except DomainError:
        kind = None
    if kind != "photo":
        raise DomainError({"photo": [_("Upload a photo (JPEG, PNG or WebP).")]})
    stem = PurePath(upload.name or "photo").stem[:80] or "photo"
    contact.photo.save(f"{stem}.{ext}", ContentFile(data), save=False)


EDITABLE_CONTACT_FIELDS = (
    "contacted_on",
    "contact_point",
    "place",
    "whom_kind",
    "whom",
    "topic",
    "raised",
    "follow_up",
    "resident_contact",
)


def _quarter_end(day: date) -> date:
    first_of_next = date(day.year + (day.month > 9), (((day.month - 1) // 3 + 1) * 3) % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


@not_an_api_action("reads until when a contact's author may change it; contact_update and contact_delete check it")
def contact_editable_until(contact: ConstituentContact, rules: ActivitySettings | None = None) -> datetime:
    """The author's window: ``contact_edit_days`` after recording it, and never after the contact's quarter is
    locked (``quarter_locks_after_days`` after it ends) — the committee's activity rules say both (``rules``:
    the committee's, when the caller has them already)."""
    rules = rules or ActivitySettings.for_committee(contact.committee_id)
    recorded = (contact.created_at or timezone.now()) + timedelta(days=rules.contact_edit_days)
    locks = _quarter_end(contact.contacted_on) + timedelta(days=rules.quarter_locks_after_days + 1)
    return min(recorded, timezone.make_aware(datetime.combine(locks, time.min)))


@not_an_api_action("reads whether the actor may change a contact now; contact_update and contact_delete check it")
def may_change_contact(
    contact: ConstituentContact, actor: User, *, now: datetime | None = None, rules: ActivitySettings | None = None
) -> bool:
    """The contact's author (who recorded it), inside the window of ``contact_editable_until``."""
    return (
        actor is not None
        and contact.recorded_by_id == getattr(actor, "pk", None)
        and (now or timezone.now()) < contact_editable_until(contact, rules)
    )


@not_an_api_action("reads whether the actor may change each contact of a list (a page's edit links)")
def mark_changeable(contacts: Iterable[ConstituentContact], actor: User) -> None:
    """Set ``may_change`` on each contact of a list, reading the committees' rules in one query, not per row."""
    contacts = list(contacts)
    rules = ActivitySettings.for_committees(contact.committee_id for contact in contacts)
    for contact in contacts:
        contact.may_change = may_change_contact(contact, actor, rules=rules[contact.committee_id])  # type: ignore[attr-defined]


def _lock_own(contact_id: int, actor: User, now: datetime | None) -> ConstituentContact:
    contact = lock(ConstituentContact, contact_id)
    if contact.recorded_by_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the person who recorded a contact may change it."))
    if not may_change_contact(contact, actor, now=now):
        raise InvalidTransition(_("This contact can no longer be changed: the time for corrections is over."))
    return contact


@transaction.atomic
def contact_update(*, contact_id: int, actor: User, now: datetime | None = None, **fields: Any) -> ConstituentContact:
    """The author corrects a contact within the window (before its quarter is locked); the duty record follows."""
    contact = _lock_own(contact_id, actor, now)
    was_on, cells = contact.contacted_on, coverage.contact_cells(contact)
    changed = {}
    for name, value in fields.items():
        if name in EDITABLE_CONTACT_FIELDS and getattr(contact, name) != value:
            changed[name] = value
            setattr(contact, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    if contact.contacted_on > timezone.localdate():
        errors["contacted_on"] = [_("The date of contact cannot be in the future.")]
    if contact.contact_point is not None:
        if contact.contact_point.committee_id != contact.committee_id:
            errors["contact_point"] = [_("The contact point belongs to another committee.")]
        contact.place = ""
    elif not contact.place:
        errors["place"] = [_("Choose a contact point or say where.")]
    if errors:
        raise DomainError(errors)
    try:
        contact.full_clean(exclude=["photo"])
    except ValidationError as exc:
        raise DomainError(exc.message_dict) from None
    contact.save()
    coverage.refresh(cells | coverage.contact_cells(contact))
    record_event(contact, actor=actor, verb=GroupsVerb.UPDATED, data={"fields": sorted(changed)})
    more = ((contact.committee_id, was_on),) if was_on != contact.contacted_on else ()
    publish(
        DutyRecordChanged(
            committee_id=contact.committee_id,
            on=min(was_on, contact.contacted_on),
            more_days=more,
            actor_id=actor_id(actor),
        )
    )
    return contact


@transaction.atomic
def contact_delete(*, contact_id: int, actor: User, now: datetime | None = None) -> None:
    """The author removes a contact recorded by mistake, within the window; its photo goes after the commit."""
    contact = _lock_own(contact_id, actor, now)
    record_event(
        contact,
        actor=actor,
        verb=CoreVerb.DELETED,
        data={"member": contact.member_id, "on": contact.contacted_on.isoformat()},
    )
    publish(DutyRecordChanged(committee_id=contact.committee_id, on=contact.contacted_on, actor_id=actor_id(actor)))
    photo, cells = contact.photo, coverage.contact_cells(contact)
    contact.delete()
    coverage.refresh(cells)
    if photo:
        storage, name = photo.storage, photo.name
        if name:
            transaction.on_commit(lambda: storage.delete(name))


@on_record_write(ConstituentContact)
def _contact_edited_as_data(*, before: ConstituentContact | None, after: ConstituentContact | None) -> None:
    """Staff correct or remove a contact in the admin: the duty record of its day (both days, if it moved) changes,
    and the coverage cells of both."""
    coverage.refresh(coverage.contact_cells(before, after))
    rows = [row for row in (before, after) if row is not None]
    days = sorted({(row.committee_id, row.contacted_on) for row in rows}, key=lambda d: d[1])
    if days:
        publish(DutyRecordChanged(committee_id=days[0][0], on=days[0][1], more_days=tuple(days[1:])))
