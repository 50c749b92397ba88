"""A consultation from topic to public answer, on a phone, as five different people."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from consultations.models import ConsultationSession, Outcome, Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _open(page, summary: str):
    page.locator("summary", has_text=summary).click()


@pytest.fixture
def isolated_cache(settings):
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"journey-{uuid.uuid4()}"}
    }


def test_a_topic_becomes_a_published_answer(world, live_server, phone_page, screenshot, isolated_cache):
    page = phone_page
    base = f"{live_server.url}/consultations"
    year = timezone.localdate().year

    # 1. The convener proposes a topic for their group.
    _login(page, live_server, "convener")
    page.goto(f"{base}/topics/new/")
    page.select_option("#id_committee", str(world.district.pk))
    page.fill("#id_title", "东湖社区老旧小区加装电梯")
    page.fill("#id_reasons", "居民多次在“月月说事”中反映上下楼难")
    page.select_option("#id_source", "public")
    page.select_option("#id_proposer_kind", "resident")
    page.fill("#id_resident_name", "王阿姨")
    page.fill("#id_resident_contact", "13900001111")
    page.select_option("#id_group", str(world.group.pk))
    screenshot(page, "consultation-1-propose-topic")
    page.click("main button[type=submit]")
    assert "选题已列入候选清单" in page.content()
    topic = Topic.objects.get()

    # 2. District staff adopt it on the topic board.
    _login(page, live_server, "dstaff")
    page.goto(f"{base}/topics/?year={year}")
    page.locator(f"#topic-{topic.pk} button[name=adopt]").click()
    page.wait_for_load_state()
    screenshot(page, "consultation-2-topic-adopted")
    topic.refresh_from_db()
    assert topic.state == "adopted"

    # 3. The convener holds a session with a resident and a department representative.
    _login(page, live_server, "convener")
    page.goto(f"{base}/sessions/new/")
    page.select_option("#id_committee", str(world.district.pk))
    page.fill("#id_title", "月月说事·加装电梯")
    page.select_option("#id_form", "grassroots")
    page.select_option("#id_level", "community")
    page.select_option("#id_group", str(world.group.pk))
    page.select_option("#id_topic", str(topic.pk))
    page.fill("#id_brand", "月月说事")
    start = timezone.localtime() - timedelta(hours=2)
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "东湖社区协商议事厅")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    session = ConsultationSession.objects.get()
    assert page.url.endswith(f"/sessions/{session.pk}/")

    _open(page, "添加参会人员")
    page.select_option("#id_p-kind", "resident")
    page.fill("#id_p-name", "王阿姨")
    page.fill("#id_p-contact", "13900001111")
    page.locator("#add-participant button").click()
    page.wait_for_load_state()
    _open(page, "添加参会人员")
    page.select_option("#id_p-kind", "department")
    page.fill("#id_p-name", "李科长")
    page.select_option("#id_p-unit", str(world.unit.pk))
    page.locator("#add-participant button").click()
    page.wait_for_load_state()
    _open(page, "记录发言")
    page.select_option("#id_s-stage", "interaction")
    page.fill("#id_s-speaker", "王阿姨")
    page.fill("#id_s-content", "五楼以上老人下楼难，希望尽快加装电梯")
    page.locator("#add-record button").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="标记为已召开").click()
    page.wait_for_load_state()
    _open(page, "登记协商成果")
    page.fill("#id_o-title", "简化加装电梯审批流程")
    page.fill("#id_o-content", "推行加装电梯联合审批，一窗受理")
    page.locator("#add-outcome button").click()
    page.wait_for_load_state()
    screenshot(page, "consultation-3-session-held")
    assert "李科长" in page.content() and "五楼以上老人下楼难" in page.content()
    outcome = Outcome.objects.get()

    # 4. Staff evaluate the outcome and hand it to the unit.
    _login(page, live_server, "dstaff")
    page.goto(f"{base}/outcomes/{outcome.pk}/")
    page.select_option("#id_decision", "adopt")
    page.get_by_role("button", name="保存").first.click()
    page.wait_for_load_state()
    page.select_option("#id_unit", str(world.unit.pk))
    page.fill("#id_deadline", (timezone.localdate() + timedelta(days=30)).isoformat())
    page.locator("#assign-form button").click()
    page.wait_for_load_state()
    outcome.refresh_from_db()
    assert outcome.state == "assigned"

    # 5. The unit finds it under its outcomes and replies.
    _login(page, live_server, "unit")
    page.goto(f"{base}/unit/")
    screenshot(page, "consultation-4-unit-outcomes")
    page.get_by_text("简化加装电梯审批流程").click()
    page.wait_for_load_state()
    page.locator("#reply-form textarea").fill("已出台加装电梯联合审批办法，审批时限压缩至20天。")
    page.locator("#reply-form button").click()
    page.wait_for_load_state()
    screenshot(page, "consultation-5-unit-replied")
    outcome.refresh_from_db()
    assert outcome.state == "replied"

    # 6. Staff accept the reply and publish the outcome (its session is published with it).
    _login(page, live_server, "dstaff")
    page.goto(f"{base}/outcomes/{outcome.pk}/")
    page.select_option("#id_accept", "1")
    page.get_by_role("button", name="保存").first.click()
    page.wait_for_load_state()
    page.locator("details[data-confirm=publish] > summary").click()
    page.locator("button[data-action=publish]").click()
    page.wait_for_load_state()
    screenshot(page, "consultation-6-published")
    outcome.refresh_from_db()
    session.refresh_from_db()
    assert outcome.state == "published" and session.is_published

    # 7. An anonymous visitor reads it on the public page, without anyone's phone number.
    page.context.clear_cookies()
    page.goto(f"{base}/public/{world.district.code}/")
    body = page.content()
    assert "简化加装电梯审批流程" in body and "审批时限压缩至20天" in body and "13900001111" not in body
    screenshot(page, "consultation-7-public")
    page.get_by_text("月月说事·加装电梯").click()
    page.wait_for_load_state()
    assert "王阿姨" in page.content() and "13900001111" not in page.content()
    screenshot(page, "consultation-8-public-session")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the public page must fit a phone"
