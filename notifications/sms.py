"""SMS adapters: ``send(phone, template_id, params) -> receipt id``; chosen by ``NOTIFICATIONS_SMS_BACKEND``.

Phone numbers never reach a log line unmasked (``core.privacy.mask_phone``: 138****5678).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings

from core.privacy import mask_phone

from .errors import PermanentFailure, RetryLater

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, template_id: str, params: dict[str, str], *, out_id: str = "") -> str:
        """Send one templated message; return the provider's receipt id. Raise to fail (see ``errors``)."""


class ConsoleSmsBackend:
    """The default: writes the message to the log instead of sending it."""

    def send(self, phone: str, template_id: str, params: dict[str, str], *, out_id: str = "") -> str:
        log.info(
            "SMS to %s, template %s [%s]: %s",
            mask_phone(phone),
            template_id,
            out_id,
            json.dumps(params, ensure_ascii=False),
        )
        return f"console-{uuid.uuid4().hex}"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's signature wants it: only A-Z a-z 0-9 - _ . ~ stay."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# answers that will never succeed for this message; everything else (network, 5xx, a wrong key) is retried
ALIYUN_PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.INVALID_JSON_PARAM",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
}
ALIYUN_RATE_LIMITED = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User", "Throttling"}


class AliyunSmsBackend:
    """Alibaba Cloud SMS (阿里云短信), API SendSms version 2017-05-25, RPC style, signed with the AccessKey."""

    def __init__(self):
        self.key_id = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.ALIYUN_SMS_SIGN_NAME
        self.endpoint = settings.ALIYUN_SMS_ENDPOINT

    def request_params(self, phone: str, template_id: str, params: dict[str, str], out_id: str) -> dict[str, str]:
        body = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": settings.ALIYUN_SMS_REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": template_id,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        }
        if out_id:
            body["OutId"] = out_id  # comes back in the delivery receipt
        body["Signature"] = aliyun_signature(body, self.secret)
        return body

    def send(self, phone: str, template_id: str, params: dict[str, str], *, out_id: str = "") -> str:
        data = urllib.parse.urlencode(self.request_params(phone, template_id, params, out_id)).encode()
        request = urllib.request.Request(  # noqa: S310 (the endpoint is an https:// setting)
            self.endpoint,
            data=data,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.ALIYUN_SMS_TIMEOUT) as response:  # noqa: S310 (the endpoint is an https:// setting)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:  # the API answers errors with 4xx/5xx and the same JSON body
            try:
                answer = json.loads(exc.read() or b"{}")
            except ValueError:
                raise RuntimeError(f"SMS provider answered HTTP {exc.code}") from None
        code, message = answer.get("Code", ""), answer.get("Message", "")
        if code == "OK":
            log.info("SMS to %s accepted: %s", mask_phone(phone), answer.get("BizId"))
            return answer.get("BizId") or answer.get("RequestId", "")
        text = f"{code}: {message}".replace(phone, mask_phone(phone))  # never echo the number into the send log
        if code in ALIYUN_RATE_LIMITED:
            raise RetryLater(text, seconds=settings.NOTIFICATIONS_SMS_LIMIT_BACKOFF_SECONDS)
        if code in ALIYUN_PERMANENT:
            raise PermanentFailure(text)
        raise RuntimeError(text)
