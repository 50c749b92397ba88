"""The assigned unit's proposal page on a phone (issue #19, item 5): the contact form first and open, the
proposer's phone in full for the assigned unit only, and no empty cards or dangling separators."""

import re

import pytest
from django.urls import reverse

from core.privacy import mask_phone
from core.services import record_event
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def _page(client_for, user, p) -> str:
    response = client_for(user).get(reverse("proposals:detail", args=[p.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _action(name, p) -> str:
    return f'action="{reverse("proposals:act", args=[p.pk, name])}"'


def test_the_contact_form_comes_before_the_reply_form_and_is_not_folded(world, walk, client_for):
    p = walk.assigned()
    page = _page(client_for, world.unit_user, p)
    contact, reply = page.index(_action("contact", p)), page.index(_action("reply", p))
    assert contact < reply
    assert "沟通联系" in page[:contact]
    for fold in re.finditer(r"<details.*?</details>", page, re.S):  # no fold holds the contact form
        assert _action("contact", p) not in fold.group(0)


def test_the_assigned_unit_sees_the_proposers_phone_in_full_and_everyone_else_as_privacy_allows(
    world, walk, client_for
):
    p = walk.assigned()
    phone = p.lead_proposer.phone
    page = _page(client_for, world.unit_user, p)
    assert f'href="tel:{phone}"' in page
    # a convener of another group sees it masked; a unit the proposal is not assigned to does not see the page
    shown = _page(client_for, world.other_convener, p)
    assert phone not in shown and f'data-testid="proposer-phone">{mask_phone(phone)}<' in shown
    assert client_for(world.other_unit_user).get(reverse("proposals:detail", args=[p.pk])).status_code == 403
    assert phone in _page(client_for, world.district_staff, p)  # the committee's staff, as elsewhere
    # once the unit's assignment ends (the staff reassigned it), it no longer sees the phone in full
    p.assignments.update(is_active=False)
    response = client_for(world.unit_user).get(reverse("proposals:detail", args=[p.pk]))
    assert response.status_code == 403 or phone not in response.content.decode()


def test_the_timeline_card_shows_only_with_entries_and_a_missing_author_leaves_no_separator(world, client_for):
    p = ProposalFactory(committee=world.district, lead_proposer=world.member_record)  # a draft without a trail
    page = _page(client_for, world.member, p)
    assert 'data-testid="timeline"' not in page and "办理进程" not in page
    record_event(p, actor=None, verb="updated")  # a system entry has no author
    page = _page(client_for, world.member, p)
    assert 'data-testid="timeline"' in page
    assert not re.search(r"\d{2}:\d{2} · (—|\s*<)", page)
    assert " · ：" not in page and "·  ：" not in page
