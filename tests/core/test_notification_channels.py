"""Notifications that would work in production: opt-in preferences per kind, quiet hours, the daily digest,
SMS through Alibaba Cloud (signed requests to a local fake of their API), delivery receipts, masked phones."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from core.privacy import mask_phone
from notifications import delivery, digest, services, sms
from notifications.kinds import STAFF_ONLY
from notifications.models import Delivery, Kind, NotificationSettings
from notifications.timing import quiet_until

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
MASKED = "138****5678"


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=SH)


@pytest.fixture
def member(world):
    world.member.email, world.member.phone = "member@example.org", PHONE
    world.member.save()
    return world.member


@pytest.fixture
def staff(world):
    world.staff.email, world.staff.phone = "staff@example.org", "13900001111"
    world.staff.save()
    return world.staff


def _notify(user, kind=Kind.ACTIVITY_TOMORROW, key="a", **kw):
    return services.notify(
        kind=kind, recipient=user, key=key, title=kw.pop("title", f"明天的活动 {key}"), url="/me/", enqueue=False, **kw
    )[0]


# --- the settings page --------------------------------------------------------------------------------------


def test_a_member_sees_only_kinds_for_members_with_nothing_ticked_and_no_digest(member, client_for):
    body = client_for(member).get(reverse("notifications:preferences")).content.decode()
    assert f'name="kind_{Kind.ACTIVITY_TOMORROW}"' in body and f'name="kind_{Kind.COSIGN_INVITED}"' in body
    for kind in STAFF_ONLY | {Kind.PROPOSAL_ASSIGNED}:
        assert f'name="kind_{kind}"' not in body
    assert "checked" not in body  # opt-in: never pre-ticked
    assert 'name="email_digest"' not in body


def test_a_channel_is_not_offered_without_an_address(world, client_for):
    world.member.email, world.member.phone = "member@example.org", ""
    world.member.save()
    body = client_for(world.member).get(reverse("notifications:preferences")).content.decode()
    assert 'value="email"' in body and 'value="sms"' not in body
    response = client_for(world.member).post(
        reverse("notifications:preferences"), {f"kind_{Kind.COSIGN_INVITED}": ["sms"]}
    )
    assert response.status_code == 200 and not NotificationSettings.objects.filter(user=world.member).exists()
    services.preferences_update(actor=world.member, channels={Kind.COSIGN_INVITED: ["email", "sms"]})
    assert NotificationSettings.objects.get(user=world.member).channels[Kind.COSIGN_INVITED] == ["email"]


def test_staff_see_their_kinds_and_the_digest_and_a_member_cannot_post_a_staff_kind_or_the_digest(
    member, staff, client_for
):
    body = client_for(staff).get(reverse("notifications:preferences")).content.decode()
    assert f'name="kind_{Kind.REASSIGNMENT_WAITING}"' in body and 'name="email_digest"' in body
    client_for(member).post(
        reverse("notifications:preferences"), {f"kind_{Kind.REASSIGNMENT_WAITING}": ["email"], "email_digest": "on"}
    )
    prefs = NotificationSettings.objects.get(user=member)
    assert Kind.REASSIGNMENT_WAITING not in prefs.channels and not prefs.email_digest


def test_a_member_who_received_a_kind_outside_their_roles_may_configure_it(member, client_for):
    _notify(member, kind=Kind.PROPOSAL_ASSIGNED)
    body = client_for(member).get(reverse("notifications:preferences")).content.decode()
    assert f'name="kind_{Kind.PROPOSAL_ASSIGNED}"' in body


def test_half_given_quiet_hours_are_refused_and_the_form_keeps_the_input(member, client_for):
    response = client_for(member).post(
        reverse("notifications:preferences"), {f"kind_{Kind.COSIGN_INVITED}": ["sms"], "quiet_start": "22:00"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="22:00"' in body and "checked" in body
    assert not NotificationSettings.objects.filter(user=member, quiet_start__isnull=False).exists()


def test_saving_settings_is_audited(member, client_for):
    from core.models import AuditEvent

    client_for(member).post(
        reverse("notifications:preferences"),
        {f"kind_{Kind.COSIGN_INVITED}": ["sms"], "quiet_start": "22:00", "quiet_end": "07:30"},
    )
    event = AuditEvent.objects.get(verb="changed", actor=member)
    assert event.data["channels"][Kind.COSIGN_INVITED] == ["sms"] and event.data["quiet"] == ["22:00:00", "07:30:00"]


def test_the_settings_page_runs_a_fixed_number_of_queries(member, client_for, django_assert_max_num_queries):
    client = client_for(member)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("notifications:preferences"))
    for i in range(20):
        _notify(member, key=f"k{i}", kind=Kind.GENERIC)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:preferences"))


# --- quiet hours --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(5, 21, 59), None),
        (at(5, 22, 0), at(6, 7, 30)),
        (at(5, 23, 45), at(6, 7, 30)),
        (at(6, 0, 10), at(6, 7, 30)),
        (at(6, 7, 29), at(6, 7, 30)),
        (at(6, 7, 30), None),
        (at(6, 12, 0), None),
    ],
)
def test_quiet_hours_over_midnight_end_at_the_next_morning(now, until):
    assert quiet_until(time(22, 0), time(7, 30), now) == until
    assert quiet_until(time(22, 0), time(7, 30), now.astimezone(ZoneInfo("UTC"))) == until  # any clock, local hours


def test_quiet_hours_within_one_day():
    assert quiet_until(time(12, 0), time(14, 0), at(5, 13)) == at(5, 14)
    assert quiet_until(time(12, 0), time(14, 0), at(5, 14)) is None
    assert quiet_until(None, None, at(5, 13)) is None


def test_email_and_sms_wait_for_the_end_of_quiet_hours_and_in_app_does_not(member, time_machine, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    services.preferences_update(
        actor=member,
        channels={Kind.ACTIVITY_TOMORROW: ["email", "sms"]},
        quiet_start=time(22, 0),
        quiet_end=time(7, 30),
    )
    time_machine.move_to(at(5, 23), tick=False)
    n = _notify(member)
    rows = {d.channel: d for d in n.deliveries.all()}
    assert rows["in_app"].status == "sent"
    assert rows["email"].next_attempt_at == rows["sms"].next_attempt_at == at(6, 7, 30)
    assert delivery.deliver_batch(now=at(6, 3)).claimed == [] and not mail.outbox
    assert delivery.deliver_batch(now=at(6, 7, 31)).sent == 2
    assert len(mail.outbox) == 1


def test_a_row_due_during_quiet_hours_chosen_later_is_held_at_send_time_without_counting_an_attempt(member):
    services.preferences_update(actor=member, channels={Kind.ACTIVITY_TOMORROW: ["email"]})
    _notify(member)  # created outside quiet hours (no quiet hours yet)
    services.preferences_update(
        actor=member, channels={Kind.ACTIVITY_TOMORROW: ["email"]}, quiet_start=time(22, 0), quiet_end=time(7, 30)
    )
    result = delivery.deliver_batch(now=at(5, 23))
    assert (result.sent, result.held) == (0, 1) and not mail.outbox
    row = Delivery.objects.get(channel="email")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, at(6, 7, 30))
    assert delivery.deliver_batch(now=at(6, 8)).sent == 1


# --- the daily digest ---------------------------------------------------------------------------------------


@pytest.fixture
def digest_staff(staff, settings):
    settings.NOTIFICATIONS_DIGEST_TIME = (17, 30)
    services.preferences_update(actor=staff, channels={Kind.REASSIGNMENT_WAITING: ["email", "sms"]}, email_digest=True)
    return staff


def test_staff_who_chose_the_digest_get_one_email_a_day_listing_the_days_notices(digest_staff, time_machine, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    time_machine.move_to(at(5, 9), tick=False)
    for i in range(3):
        _notify(digest_staff, kind=Kind.REASSIGNMENT_WAITING, key=f"r{i}", title=f"退回申请 {i}")
    assert delivery.deliver_batch(now=at(5, 9)).sent == 3  # the SMS go at once; the e-mails wait for the digest
    assert not mail.outbox
    assert digest.send_digests(now=at(5, 17, 0)) == {"digests": 0, "notices": 0, "held": 0}  # yesterday's cut-off
    assert digest.send_digests(now=at(5, 17, 30))["notices"] == 3
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert all(f"退回申请 {i}" in message.body for i in range(3)) and "3" in message.subject
    assert message.to == ["staff@example.org"] and message.extra_headers["Message-ID"].startswith("<digest-")
    assert digest.send_digests(now=at(5, 18, 30))["notices"] == 0  # hourly runs: nothing twice
    time_machine.move_to(at(5, 19), tick=False)
    _notify(digest_staff, kind=Kind.REASSIGNMENT_WAITING, key="late")
    assert digest.send_digests(now=at(5, 20, 30))["notices"] == 0  # after today's cut-off: tomorrow's digest
    assert digest.send_digests(now=at(6, 17, 30))["notices"] == 1
    assert len(mail.outbox) == 2
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {"sent"}


def test_a_digest_due_in_quiet_hours_goes_when_they_end(digest_staff, time_machine, settings):
    settings.NOTIFICATIONS_DIGEST_TIME = (22, 30)
    services.preferences_update(
        actor=digest_staff,
        channels={Kind.REASSIGNMENT_WAITING: ["email"]},
        email_digest=True,
        quiet_start=time(22, 0),
        quiet_end=time(7, 30),
    )
    time_machine.move_to(at(5, 9), tick=False)
    _notify(digest_staff, kind=Kind.REASSIGNMENT_WAITING)
    assert digest.send_digests(now=at(5, 22, 30))["held"] == 1 and not mail.outbox
    assert digest.send_digests(now=at(6, 7, 30))["notices"] == 1
    assert len(mail.outbox) == 1


def test_a_digest_claimed_by_a_dead_worker_is_sent_again_with_the_same_message_id(digest_staff, time_machine, settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    time_machine.move_to(at(5, 9), tick=False)
    _notify(digest_staff, kind=Kind.REASSIGNMENT_WAITING)
    token, ids = digest._claim(digest_staff.pk, at(5, 17, 30), at(5, 17, 30))  # claimed, then the worker died
    assert ids and digest.send_digests(now=at(5, 17, 30))["notices"] == 0  # within the lease: not taken twice
    assert digest.send_digests(now=at(5, 17, 32))["notices"] == 1
    assert Delivery.objects.get(channel="email").attempts == 2


def test_a_failed_digest_is_retried_by_the_next_run_and_recorded(digest_staff, time_machine, settings):
    time_machine.move_to(at(5, 9), tick=False)
    _notify(digest_staff, kind=Kind.REASSIGNMENT_WAITING)
    settings.EMAIL_BACKEND = "tests.core.backends.FailingEmailBackend"
    assert digest.send_digests(now=at(5, 17, 30))["notices"] == 0
    row = Delivery.objects.get(channel="email")
    assert row.status == "pending" and "SMTPServerDisconnected" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest.send_digests(now=at(5, 18, 30))["notices"] == 1


# --- Alibaba Cloud SMS against a local fake of their API ----------------------------------------------------

SECRET = "test-secret"


def reference_signature(params: dict, secret: str, method: str = "POST") -> str:
    """The documented algorithm, written out again here so the test does not check the code with itself."""

    def enc(v):
        return urllib.parse.quote(str(v), safe="~").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    query = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params))
    to_sign = method + "&" + enc("/") + "&" + enc(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def test_the_signature_matches_the_example_in_alibaba_clouds_documentation():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sms.aliyun_signature(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sms.aliyun_signature(params, "testSecret") == reference_signature(params, "testSecret")


class FakeAliyun(BaseHTTPRequestHandler):
    """Answers like dysmsapi's SendSms: checks the signature and the parameters, then OK with a BizId."""

    answers: list = []  # codes to answer in turn (then "OK")
    requests: list = []

    def do_POST(self):
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        signature = form.pop("Signature", "")
        FakeAliyun.requests.append(form)
        code = FakeAliyun.answers.pop(0) if FakeAliyun.answers else "OK"
        if signature != reference_signature(form, SECRET):
            status, body = 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        elif code == "OK":
            status, body = (
                200,
                {
                    "Code": "OK",
                    "Message": "OK",
                    "BizId": f"900619746936498440^{len(FakeAliyun.requests)}",
                    "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
                },
            )
        else:
            status, body = 200, {"Code": code, "Message": f"{form['PhoneNumbers']} refused: {code}", "RequestId": "x"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def aliyun(settings, member):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAliyun.answers, FakeAliyun.requests = [], []
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.sms.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI-test"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "某市政协"
    settings.NOTIFICATIONS_SMS_TEMPLATES = {"default": "SMS_100001", Kind.COSIGN_INVITED: "SMS_100002"}
    services.preferences_update(actor=member, channels={Kind.ACTIVITY_TOMORROW: ["sms"], Kind.COSIGN_INVITED: ["sms"]})
    yield FakeAliyun
    server.shutdown()
    server.server_close()


def test_an_sms_goes_to_alibaba_cloud_signed_with_the_template_and_records_the_biz_id(member, aliyun, caplog):
    caplog.set_level("DEBUG")
    n = _notify(
        member,
        kind=Kind.COSIGN_INVITED,
        title="张委员邀请您联名《关于加快推进城乡融合发展促进乡村全面振兴和县域经济高质量发展的提案》",
    )
    assert delivery.deliver_batch().sent == 1
    (request,) = aliyun.requests
    assert (request["Action"], request["Version"], request["SignatureMethod"]) == ("SendSms", "2017-05-25", "HMAC-SHA1")
    assert (request["PhoneNumbers"], request["SignName"], request["TemplateCode"]) == (PHONE, "某市政协", "SMS_100002")
    params = json.loads(request["TemplateParam"])
    assert (
        len(params["title"]) == 35 and params["title"].startswith("张委员邀请您联名") and params["title"].endswith("…")
    )
    row = n.deliveries.get(channel="sms")
    assert (row.status, row.provider_id, request["OutId"]) == ("sent", "900619746936498440^1", str(row.pk))
    assert PHONE not in caplog.text and MASKED in caplog.text


def test_the_provider_rate_limit_backs_off_and_never_gives_up(member, aliyun, settings, caplog):
    settings.NOTIFICATIONS_SMS_LIMIT_BACKOFF_SECONDS = 300
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    aliyun.answers = ["isv.BUSINESS_LIMIT_CONTROL"] * 3
    _notify(member)
    now = datetime(2026, 12, 5, 9, tzinfo=SH)
    for attempt in range(1, 4):
        assert delivery.deliver_batch(now=now).retrying == 1
        row = Delivery.objects.get(channel="sms")
        assert row.status == "pending" and row.attempts == attempt and "BUSINESS_LIMIT_CONTROL" in row.last_error
        assert row.next_attempt_at >= now + timedelta(seconds=300)
        assert delivery.deliver_batch(now=now + timedelta(seconds=299)).claimed == []
        now = row.next_attempt_at
    assert delivery.deliver_batch(now=now).sent == 1
    assert len(aliyun.requests) == 4
    assert PHONE not in caplog.text and PHONE not in Delivery.objects.get(channel="sms").last_error


def test_a_number_the_provider_refuses_fails_at_once_and_shows_masked(member, aliyun, caplog):
    aliyun.answers = ["isv.MOBILE_NUMBER_ILLEGAL"]
    _notify(member)
    assert delivery.deliver_batch().failed == 1
    row = Delivery.objects.get(channel="sms")
    assert row.status == "failed" and row.attempts == 1
    assert "MOBILE_NUMBER_ILLEGAL" in row.last_error and MASKED in row.last_error and PHONE not in row.last_error
    assert PHONE not in caplog.text


def test_a_wrong_secret_is_a_retried_failure_not_a_sent_message(member, aliyun, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    _notify(member)
    assert delivery.deliver_batch().retrying == 1
    assert "SignatureDoesNotMatch" in Delivery.objects.get(channel="sms").last_error


def test_the_console_backend_is_the_default_and_logs_the_phone_masked(member, caplog, settings):
    caplog.set_level("INFO")
    assert settings.NOTIFICATIONS_SMS_BACKEND == "notifications.sms.ConsoleSmsBackend"
    services.preferences_update(actor=member, channels={Kind.ACTIVITY_TOMORROW: ["sms"]})
    _notify(member)
    assert delivery.deliver_batch().sent == 1
    assert MASKED in caplog.text and PHONE not in caplog.text
    assert mask_phone(PHONE) == MASKED


# --- delivery receipts --------------------------------------------------------------------------------------


@pytest.fixture
def sent_sms(member, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    settings.NOTIFICATIONS_RECEIPT_TOKEN = "receipt-token"
    services.preferences_update(actor=member, channels={Kind.ACTIVITY_TOMORROW: ["sms"]})
    rows = [_notify(member, key=k).deliveries.get(channel="sms") for k in ("a", "b")]
    delivery.deliver_batch()
    return [Delivery.objects.get(pk=r.pk) for r in rows]


def _report(row, success=True, code="DELIVERED", msg="用户接收成功"):
    return {
        "phone_number": PHONE,
        "send_time": "2026-12-05 09:00:00",
        "report_time": "2026-12-05 09:00:05",
        "success": success,
        "err_code": code,
        "err_msg": msg,
        "sms_size": "1",
        "biz_id": row.provider_id,
        "out_id": str(row.pk),
    }


def test_receipts_record_delivered_and_failed_once(sent_sms, client):
    url = reverse("notifications:sms_receipt") + "?token=receipt-token"
    ok, bounced = sent_sms
    batch = [_report(ok), _report(bounced, success=False, code="MK:0001", msg="空号")]
    for _ in range(2):  # the provider may push a batch twice
        response = client.post(url, json.dumps(batch), content_type="application/json")
        assert response.json() == {"code": 0, "msg": "成功"}
    ok.refresh_from_db()
    bounced.refresh_from_db()
    assert ok.status == "delivered" and ok.receipt_at is not None
    assert bounced.status == "failed" and "MK:0001" in bounced.last_error and "空号" in bounced.last_error


def test_a_receipt_without_the_token_is_refused_and_with_no_token_configured_the_endpoint_is_off(
    sent_sms, client, settings
):
    url = reverse("notifications:sms_receipt")
    body = json.dumps([_report(sent_sms[0])])
    assert client.post(url + "?token=wrong", body, content_type="application/json").status_code == 403
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert Delivery.objects.get(pk=sent_sms[0].pk).status == "sent"
    settings.NOTIFICATIONS_RECEIPT_TOKEN = ""
    assert client.post(url + "?token=", body, content_type="application/json").status_code == 404


def test_a_receipt_for_an_unknown_message_asks_the_provider_to_push_again(sent_sms, client):
    url = reverse("notifications:sms_receipt") + "?token=receipt-token"
    unknown = {**_report(sent_sms[0]), "biz_id": "not-ours"}
    assert client.post(url, json.dumps([unknown]), content_type="application/json").json()["code"] == 1
    assert client.post(url, "not json", content_type="application/json").status_code == 400


def test_staff_find_failed_and_bounced_messages_in_the_send_log(sent_sms, world, client, client_for):
    url = reverse("notifications:sms_receipt") + "?token=receipt-token"
    client.post(
        url,
        json.dumps([_report(sent_sms[1], success=False, code="MK:0001", msg="空号")]),
        content_type="application/json",
    )
    response = client_for(world.staff).get(reverse("admin:notifications_delivery_changelist") + "?problem=failed")
    assert response.status_code == 200
    assert [d.pk for d in response.context["cl"].result_list] == [sent_sms[1].pk]
    assert "MK:0001" in response.content.decode()


# --- e-mail configuration -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+ssl://notice%40example.gov.cn:p%40ss@smtp.exmail.qq.com:465",
            [
                "django.core.mail.backends.smtp.EmailBackend",
                "smtp.exmail.qq.com",
                465,
                "notice@example.gov.cn",
                "p@ss",
                False,
                True,
            ],
        ),
        (
            "smtp+tls://u:p@smtp.example.org:587",
            ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", 587, "u", "p", True, False],
        ),
        (None, ["django.core.mail.backends.console.EmailBackend", "localhost", 25, "", "", False, False]),
    ],
)
def test_email_url_configures_smtp_and_the_console_backend_stays_the_default(url, expected):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "from django.conf import settings as s; import json; print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, "
        "s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(
        {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "cppcc_portal.settings", **({"EMAIL_URL": url} if url else {})}
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_many_notices_in_one_transaction_queue_the_sender_once(member, world, django_capture_on_commit_callbacks):
    from unittest import mock

    from django.db import transaction

    from core.models import OutboxMessage

    services.preferences_update(actor=member, channels={Kind.ACTIVITY_TOMORROW: ["email"]})
    with mock.patch("cppcc_portal.celery.app.send_task") as send, django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for key in "abc":
                services.notify(kind=Kind.ACTIVITY_TOMORROW, recipient=member, key=key, title=key)
            assert OutboxMessage.objects.count() == 1
    assert send.call_count == 1 and not OutboxMessage.objects.exists()
