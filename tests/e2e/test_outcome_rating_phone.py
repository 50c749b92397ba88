"""Issue 20 item 7 on a phone (375 px): a resident's message became a consultation topic; the tracking page shows
the published outcome, its reply and follow-up, and the resident rates it."""

import re

import pytest

from activities.services import mailbox as svc
from consultations.models import OutcomeRating
from tests import factories as f
from tests.consultations.test_outcome_rating import became_topic
from tests.e2e.test_mailbox_journey import no_sideways_scroll, phone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_resident_rates_the_consultation_outcome_on_a_phone(world, live_server, browser, screenshot, settings):
    settings.MAILBOX_MIN_SECONDS = 0
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    message = svc.message_submit(
        target="contact_point",
        target_id=point.pk,
        text="小区加装电梯进度慢，希望委员帮忙反映",
        client_address="203.0.113.7",
        kind="message",
        category="livelihood",
        name="王阿姨",
        phone="13800000000",
    )
    became_topic(world, message)
    context, page = phone(browser)
    page.goto(f"{live_server.url}/mailbox/track/{message.tracking_code}/")
    page.wait_for_selector("[data-testid=outcome-rating-form]")
    assert "王阿姨" not in page.inner_text("body") and "13800000000" not in page.inner_text("body")
    no_sideways_scroll(page)
    screenshot(page, "outcome-rating-form-phone")
    page.check("#id_orate-rating_2")
    page.fill("#id_orate-comment", "进度还是太慢")
    question = page.inner_text("label[for=id_orate-answer]")
    a, b = map(int, re.findall(r"(\d+) \+ (\d+)", question)[0])
    page.fill("#id_orate-answer", str(a + b))
    page.click("[data-testid=outcome-rating-send]")
    page.wait_for_selector("[data-testid=outcome-rating]")
    no_sideways_scroll(page)
    screenshot(page, "outcome-rated-phone")
    assert OutcomeRating.objects.get().rating == "unsatisfied"
    context.close()
