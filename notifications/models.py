"""Notifications (the in-app inbox), their deliveries per channel (the send log) and preferences.

The tables keep the names they had as part of ``core`` (``core_notification`` …): the move to this app changed
no table (``notifications/migrations/0001_initial.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

# Labels carry the context "notifications": a word like "title" or "status" here must not change the
# translation another app chose for the same word (the project catalogue is searched first).


class Kind(models.TextChoices):
    """Every reminder and notice the portal sends; rules and services pick one."""

    ACTIVITY_TOMORROW = "activity_tomorrow", pgettext_lazy("notifications", "Activity tomorrow")
    LEAVE_REQUEST_WAITING = "leave_request_waiting", pgettext_lazy("notifications", "Leave request waiting")
    COSIGN_EXPIRING = "cosign_expiring", pgettext_lazy("notifications", "Co-sign invitation expiring")
    REPLY_DUE_SOON = "reply_due_soon", pgettext_lazy("notifications", "Reply deadline in 7 days")
    REPLY_OVERDUE = "reply_overdue", pgettext_lazy("notifications", "Reply overdue")
    RATING_WAITING = "rating_waiting", pgettext_lazy("notifications", "Reply waiting for rating")
    REASSIGNMENT_WAITING = "reassignment_waiting", pgettext_lazy("notifications", "Reassignment request waiting")
    NO_SANJIN_ACTIVITY = "no_sanjin_activity", pgettext_lazy("notifications", "No 三进 activity this quarter")
    OUTCOME_REPLY_OVERDUE = (
        "outcome_reply_overdue",
        pgettext_lazy("notifications", "Consultation outcome reply overdue"),
    )
    ROLLUP_FINISHED = "rollup_finished", pgettext_lazy("notifications", "Roll-up finished")
    ROLLUP_FAILED = "rollup_failed", pgettext_lazy("notifications", "Roll-up failed")
    PROPOSAL_ASSIGNED = "proposal_assigned", pgettext_lazy("notifications", "Proposal assigned to your unit")
    COSIGN_INVITED = "cosign_invited", pgettext_lazy("notifications", "Invitation to co-sign")
    LEAVE_DECIDED = "leave_decided", pgettext_lazy("notifications", "Leave request decided")
    COSIGN_ANSWERED = "cosign_answered", pgettext_lazy("notifications", "Co-signer answered")
    PROPOSAL_FILED = "proposal_filed", pgettext_lazy("notifications", "Proposal filed")
    PROPOSAL_NOT_FILED = "proposal_not_filed", pgettext_lazy("notifications", "Proposal not filed")
    PROPOSAL_CONVERTED = "proposal_converted", pgettext_lazy("notifications", "Proposal converted")
    PROPOSAL_MERGED = "proposal_merged", pgettext_lazy("notifications", "Proposal merged")
    PROPOSAL_RETURNED = "proposal_returned", pgettext_lazy("notifications", "Proposal returned by a unit")
    PROPOSAL_REPLIED = "proposal_replied", pgettext_lazy("notifications", "Proposal replied")
    PROPOSAL_REOPENED = "proposal_reopened", pgettext_lazy("notifications", "Proposal back for another round")
    PROPOSAL_CLOSED = "proposal_closed", pgettext_lazy("notifications", "Proposal closed")
    PROPOSAL_KEY_MARKED = "proposal_key_marked", pgettext_lazy("notifications", "Key proposal to supervise")
    REPORT_ACCEPTED = "report_accepted", pgettext_lazy("notifications", "Opinion report accepted")
    REPORT_COMPILED = "report_compiled", pgettext_lazy("notifications", "Opinion report compiled into an issue")
    REPORT_ADOPTED = "report_adopted", pgettext_lazy("notifications", "Opinion report adopted")
    REPORT_INSTRUCTED = "report_instructed", pgettext_lazy("notifications", "Instruction on an opinion report")
    ACTIVITY_ANNOUNCED = "activity_announced", pgettext_lazy("notifications", "Activity announced")
    ACTIVITY_CHANGED = "activity_changed", pgettext_lazy("notifications", "Activity changed")
    ACTIVITY_CANCELLED = "activity_cancelled", pgettext_lazy("notifications", "Activity cancelled")
    LEAVE_REQUESTED = "leave_requested", pgettext_lazy("notifications", "Leave requested")
    EVIDENCE_MISSING = "evidence_missing", pgettext_lazy("notifications", "Activity record incomplete")
    OUTCOME_ASSIGNED = "outcome_assigned", pgettext_lazy("notifications", "Consultation outcome handed to your unit")
    OUTCOME_REPLIED = "outcome_replied", pgettext_lazy("notifications", "Consultation outcome replied")
    OUTCOME_PUBLISHED = "outcome_published", pgettext_lazy("notifications", "Consultation outcome published")
    ACCOUNT_INVITATION = "account_invitation", pgettext_lazy("notifications", "First-login link")
    DEADLINE_MOVED = "deadline_moved", pgettext_lazy("notifications", "Deadline moved with the holiday calendar")
    MAILBOX_ROUTED = "mailbox_routed", pgettext_lazy("notifications", "Resident's message passed to you")
    MAILBOX_OVERDUE = "mailbox_overdue", pgettext_lazy("notifications", "Resident's message not answered in time")
    MAILBOX_DISSATISFIED = (
        "mailbox_dissatisfied",
        pgettext_lazy("notifications", "Resident dissatisfied with the answer"),
    )
    OUTCOME_DISSATISFIED = (
        "outcome_dissatisfied",
        pgettext_lazy("notifications", "Resident dissatisfied with the consultation outcome"),
    )
    REPORT_FOLLOW_UP_DUE = "report_follow_up_due", pgettext_lazy("notifications", "Adopted report without a follow-up")
    EXPORT_FINISHED = "export_finished", pgettext_lazy("notifications", "Export prepared")
    GENERIC = "generic", pgettext_lazy("notifications", "Notice")


class Channel(models.TextChoices):
    IN_APP = "in_app", pgettext_lazy("notifications", "In the portal")
    EMAIL = "email", pgettext_lazy("notifications", "E-mail")
    SMS = "sms", pgettext_lazy("notifications", "SMS")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> NotificationQuerySet:
        """Only the user's own notifications: nobody reads another person's inbox."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person about one thing; its in-app copy is the inbox row.

    The key (recipient, kind, subject, due) is unique: a rule that runs twice, two beat ticks or two
    workers produce one notification. ``subject`` is "<content type id>:<pk>" of the object, or a key
    chosen by the caller for notices about no object.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("notifications", "recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        pgettext_lazy("notifications", "kind"), max_length=40, choices=Kind.choices, default=Kind.GENERIC
    )
    subject = models.CharField(pgettext_lazy("notifications", "subject key"), max_length=100, blank=True)
    due = models.DateField(pgettext_lazy("notifications", "due date"))
    title = models.CharField(pgettext_lazy("notifications", "title"), max_length=200)
    body = models.TextField(pgettext_lazy("notifications", "text"), blank=True)
    url = models.CharField(pgettext_lazy("notifications", "link"), max_length=500, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=pgettext_lazy("notifications", "record type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    object_id = models.CharField(pgettext_lazy("notifications", "record id"), max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(pgettext_lazy("notifications", "created"), auto_now_add=True)
    read_at = models.DateTimeField(pgettext_lazy("notifications", "read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("notifications", "notification")
        verbose_name_plural = pgettext_lazy("notifications", "notifications")
        db_table = "core_notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject", "due"], name="notification_once_per_key"),
        ]
        indexes = [
            # the inbox lists a user's notifications newest first; the badge counts the unread ones
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """The send log: one notification through one channel, sent at most once.

    Unique on (notification, channel) — that is (kind, object, recipient, due date, channel). A worker
    claims pending rows (status SENDING with a lease), sends, and records the result; a row whose
    worker died is claimed again when its lease expires.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notifications", "Pending")
        SENDING = "sending", pgettext_lazy("notifications", "Sending")
        SENT = "sent", pgettext_lazy("notifications", "Sent")
        DELIVERED = "delivered", pgettext_lazy("notifications", "Delivered")
        FAILED = "failed", pgettext_lazy("notifications", "Failed")

    notification = models.ForeignKey(
        Notification,
        verbose_name=pgettext_lazy("notifications", "notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(pgettext_lazy("notifications", "channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        pgettext_lazy("notifications", "status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("notifications", "attempts"), default=0)
    next_attempt_at = models.DateTimeField(pgettext_lazy("notifications", "next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(pgettext_lazy("notifications", "claimed"), null=True, blank=True)
    claim = models.CharField(pgettext_lazy("notifications", "claimed by"), max_length=64, blank=True)
    sent_at = models.DateTimeField(pgettext_lazy("notifications", "sent"), null=True, blank=True)
    last_error = models.TextField(pgettext_lazy("notifications", "last error"), blank=True)
    # e-mail the recipient chose to get once a day: the daily digest sends these, never the sender one by one
    digest = models.BooleanField(pgettext_lazy("notifications", "in the daily digest"), default=False)
    # what the provider answered: the SMS vendor's receipt id (BizId), the e-mail's Message-ID
    provider_id = models.CharField(pgettext_lazy("notifications", "provider receipt id"), max_length=100, blank=True)
    receipt_at = models.DateTimeField(pgettext_lazy("notifications", "receipt"), null=True, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("notifications", "created"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("notifications", "delivery")
        verbose_name_plural = pgettext_lazy("notifications", "send log")
        db_table = "core_delivery"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            # the sender scans only the rows still to do
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_todo",
            ),
            # a delivery receipt finds its row by the provider's id
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="delivery_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"


class NotificationSettings(models.Model):
    """A user's channel choices per kind, quiet hours, the daily digest and their private calendar token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("notifications", "user"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    # {"reply_overdue": ["email", "sms"], ...}; a kind missing here gets the inbox only (notices are opt-in)
    channels = models.JSONField(pgettext_lazy("notifications", "channels per kind"), default=dict, blank=True)
    calendar_token = models.CharField(
        pgettext_lazy("notifications", "calendar token"), max_length=64, null=True, blank=True, unique=True
    )
    # local time (TIME_ZONE); a period over midnight (22:00–07:30) is allowed. E-mail and SMS wait until it ends.
    quiet_start = models.TimeField(pgettext_lazy("notifications", "quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(pgettext_lazy("notifications", "quiet hours until"), null=True, blank=True)
    email_digest = models.BooleanField(pgettext_lazy("notifications", "daily e-mail digest"), default=False)

    class Meta:
        verbose_name = pgettext_lazy("notifications", "notification settings")
        verbose_name_plural = pgettext_lazy("notifications", "notification settings")
        db_table = "core_notificationsettings"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(quiet_start__isnull=True, quiet_end__isnull=True)
                    | Q(quiet_start__isnull=False, quiet_end__isnull=False) & ~Q(quiet_start=models.F("quiet_end"))
                ),
                name="notification_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
