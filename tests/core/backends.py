"""Channel backends for tests; the worker process imports them by dotted path (it runs from the repo root)."""

import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses everything."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection refused by test")


class SlowFileEmailBackend(BaseEmailBackend):
    """A fake mail server: waits a little per message, then appends its Message-ID to a file.

    The file is the outside world: a line written twice is a mail sent twice.
    """

    def send_messages(self, email_messages):
        path = os.environ["NOTIFY_TEST_OUTBOX"]
        delay = float(os.environ.get("NOTIFY_TEST_DELAY", "0.05"))
        for message in email_messages:
            time.sleep(delay)
            with open(path, "a") as out:  # closed (written to the kernel) before we return: survives kill -9
                out.write(f"{message.extra_headers['Message-ID']}\n")
        return len(email_messages)


class RecordingSmsBackend:
    sent: list = []

    def send(self, phone, template_id, params, *, out_id=""):
        RecordingSmsBackend.sent.append((phone, template_id, params, out_id))
        return f"biz-{out_id}"


class SlowFileSmsBackend:
    """A fake SMS vendor: waits a little per message, then appends the delivery's id to a file (NOTIFY_TEST_SMS)."""

    def send(self, phone, template_id, params, *, out_id=""):
        time.sleep(float(os.environ.get("NOTIFY_TEST_DELAY", "0.05")))
        with open(os.environ["NOTIFY_TEST_SMS"], "a") as out:
            out.write(f"{out_id}\n")
        return f"biz-{out_id}"
