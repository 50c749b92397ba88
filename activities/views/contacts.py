"""The contact log 联系群众记录: a member records a contact on their phone; members, conveners, leaders and staff
list what they may see (``ConstituentContact.objects.visible_to``). A resident's contact details are shown to
the committee's secretariat staff only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.forms import ContactForm
from activities.services import contacts as svc
from core.files import stored_response
from core.forms import call_service, run_button
from core.parsing import as_bool
from groups.access import Role, scope_of
from groups.models import ConstituentContact

READERS = {Role.STAFF, Role.LEADER, Role.CONVENER, Role.MEMBER}
PAGE_SIZE = 20


def contact_rows(user, *, mine: bool = False):
    """The contacts ``user`` may see (``mine``: only their own), newest first, with what the list shows."""
    scope = scope_of(user)
    rows = ConstituentContact.objects.visible_to(user).select_related("member", "contact_point")
    if mine:
        rows = rows.filter(member_id=scope.member_id)
    return rows.order_by("-contacted_on", "-id")


def with_resident_contact(user, contacts):
    """Set ``show_resident`` on each contact: the committee's secretariat staff alone see the resident's details."""
    scope = scope_of(user)
    for contact in contacts:
        contact.show_resident = scope.is_staff_of(contact.committee_id)
    return contacts


@login_required
def contact_list(request):
    scope = scope_of(request.user)
    if not READERS & set(scope.roles):
        raise PermissionDenied
    mine = as_bool(request.GET.get("mine")) and scope.member_id is not None
    page = Paginator(contact_rows(request.user, mine=mine), PAGE_SIZE).get_page(request.GET.get("page"))
    with_resident_contact(request.user, page.object_list)
    svc.mark_changeable(page.object_list, request.user)
    may_record = scope.member_id is not None or svc.recordable_members(request.user).exists()
    return render(
        request,
        "activities/contacts/list.html",
        {
            "page_obj": page,
            "contacts": page.object_list,
            "mine": mine,
            "may_record": may_record,
            "my_member_id": scope.member_id,
            "query": "mine=1" if mine else "",
        },
    )


@login_required
def contact_new(request):
    scope = scope_of(request.user)
    members = svc.recordable_members(request.user)
    if scope.member_id is None and not members.exists():
        raise PermissionDenied
    form = ContactForm(
        request.POST or None,
        request.FILES or None,
        members=members,
        own_member_id=scope.member_id,
        own_group_ids=scope.group_ids | scope.convened_group_ids,
        committee_ids=scope.committee_ids,
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(form, lambda: svc.contact_record(actor=request.user, **form.service_fields()))
        if done is not None:
            messages.success(request, _("The contact is recorded."))
            return redirect(
                f"{_list_url()}?mine=1" if form.service_fields()["member_id"] == scope.member_id else _list_url()
            )
    return render(request, "activities/contacts/form.html", {"form": form})


def _list_url() -> str:
    return reverse("activities:contacts")


def _visible_contact(request, pk: int) -> ConstituentContact:
    contact = ConstituentContact.objects.visible_to(request.user).filter(pk=pk).first()
    if contact is None:
        raise PermissionDenied
    return contact


@login_required
def contact_photo(request, pk: int):
    """A contact's photo, streamed to whoever may see the contact (never a link to the stored file)."""
    contact = _visible_contact(request, pk)
    response = stored_response(contact.photo, content_type=_photo_type(contact.photo.name))
    response["Cache-Control"] = "private, no-store"
    return response


def _photo_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(ext, "image/jpeg")


@login_required
def contact_edit(request, pk: int):
    """The author corrects their contact within the window the committee's rules give (then 403)."""
    contact = _visible_contact(request, pk)
    if not svc.may_change_contact(contact, request.user):
        raise PermissionDenied
    scope = scope_of(request.user)
    form = ContactForm(
        request.POST or None,
        instance=contact,
        members=svc.recordable_members(request.user),
        own_member_id=contact.member_id,
        own_group_ids=scope.group_ids | scope.convened_group_ids,
        committee_ids={contact.committee_id},
    )
    form.fields.pop("member", None)
    form.fields.pop("photo", None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in svc.EDITABLE_CONTACT_FIELDS}
        done = call_service(form, lambda: svc.contact_update(contact_id=contact.pk, actor=request.user, **data))
        if done is not None:
            messages.success(request, _("The contact is corrected."))
            return redirect(f"{_list_url()}?mine=1" if contact.member_id == scope.member_id else _list_url())
    return render(
        request,
        "activities/contacts/form.html",
        {"form": form, "contact": contact, "until": svc.contact_editable_until(contact)},
    )


@login_required
@require_POST
def contact_delete(request, pk: int):
    """The author removes a contact recorded by mistake, within the window."""
    contact = _visible_contact(request, pk)
    run_button(
        request, lambda: svc.contact_delete(contact_id=contact.pk, actor=request.user), _("The contact is deleted.")
    )
    return redirect(f"{_list_url()}?mine=1" if contact.member_id == scope_of(request.user).member_id else _list_url())
