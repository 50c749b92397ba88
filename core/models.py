"""Shared infrastructure: the user account, the audit trail, the outbox and exports prepared in the background."""

from typing import Self

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AbstractAuthToken

from core.uploads import UploadValidator


class User(AbstractUser):  # type: ignore[django-manager-missing]  # knox's token relation, unseen by the stubs
    """A login. What a user may do follows from the records linked to it (member, staff, unit)."""

    name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]  # lazy, as every verbose_name (the stubs say str here)
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class AuditEvent(models.Model):
    """Who did what to which record and when: one row per write or state change."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.CASCADE)
    object_id = models.CharField(_("record id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("record"), max_length=200)
    verb = models.CharField(_("action"), max_length=50)
    from_state = models.CharField(_("from state"), max_length=30, blank=True)
    to_state = models.CharField(_("to state"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The record's committee when the write could tell (``core.directory.committee_of_record``): staff read the
    # audit log of their committees. A number, not a key: core sits below the app that has committees.
    committee_id = models.PositiveBigIntegerField(_("committee"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            models.Index(fields=["committee_id", "-created_at"], name="audit_by_committee"),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M} " if self.created_at else ""
        return f"{when}{self.actor} {self.verb} {self.object_repr}"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox, ``KNOX_TOKEN_MODEL``): only its hash is stored, it expires, and it stops
    working when its user's password changes (``password_stamp``, checked by ``core.tokens``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="auth_token_set"
    )
    created = models.DateTimeField(_("issued"), auto_now_add=True)
    expiry = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    password_stamp = models.CharField(_("password stamp"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.token_key}… {self.user}"


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the data it is about.

    Deleted once the broker has it; if the broker is down the row stays and beat publishes it later.
    """

    task = models.CharField(pgettext_lazy("notifications", "task"), max_length=200)
    args = models.JSONField(pgettext_lazy("notifications", "arguments"), default=list, blank=True)
    kwargs = models.JSONField(pgettext_lazy("notifications", "keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("notifications", "created"), auto_now_add=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("notifications", "attempts"), default=0)
    last_error = models.TextField(pgettext_lazy("notifications", "last error"), blank=True)

    class Meta:
        verbose_name = pgettext_lazy("notifications", "outbox message")
        verbose_name_plural = pgettext_lazy("notifications", "outbox")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"


class EventReceipt(models.Model):
    """One domain event handled by one after-commit subscriber (``core.events``).

    Written in the same transaction as the subscriber's own writes, and unique: a delivery that comes
    twice (a worker killed before it acknowledged, the outbox publishing again) finds the receipt and does
    nothing, so each subscriber acts once per event however often it is delivered.
    """

    event_id = models.CharField(_("event id"), max_length=32)
    subscriber = models.CharField(_("subscriber"), max_length=200)
    event_name = models.CharField(_("event name"), max_length=100)
    handled_at = models.DateTimeField(_("handled at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("handled event")
        verbose_name_plural = _("handled events")
        constraints = [models.UniqueConstraint(fields=["event_id", "subscriber"], name="event_handled_once")]

    def __str__(self) -> str:
        return f"{self.event_name} {self.event_id} → {self.subscriber}"


class PasswordResetRequest(models.Model):
    """One request for a reset link by e-mail (whether or not a login has the address: the page says the same):
    the rows count the requests per address and per network address (rate limits, as the SMS codes do)."""

    email = models.CharField(_("e-mail address"), max_length=254, db_index=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True, db_index=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.email}"


class PasswordResetCode(models.Model):
    """A six-digit code sent by SMS to reset a password: only its keyed hash is kept; it expires, allows a few
    tries and works once. The rows also count the codes sent per number and per address (rate limits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("mobile phone"), max_length=20, db_index=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset code")
        verbose_name_plural = _("password reset codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user or '-'}"


def _export_path(job: "ExportJob", filename: str) -> str:
    """Where a prepared export is stored: private storage, one folder per requester, a random name (the name the
    user reads is ``ExportJob.filename``, given with the download)."""
    import uuid
    from pathlib import PurePosixPath

    return f"exports/{job.requested_by_id}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix}"


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The jobs ``user`` may see and download: their own, and those of a committee they are staff of (a city's
        staff reach its districts'); a superuser every job."""
        from core import directory

        if not user.is_authenticated:
            return self.none()
        scope = directory.scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(models.Q(requested_by=user) | models.Q(committee_id__in=scope.staff_committee_ids))


class ExportJob(models.Model):
    """An export too big to build inside a request (more rows than ``settings.EXPORT_BACKGROUND_ROWS``): asked for
    on a page, built by a worker (``core.tasks.build_export``), kept in private storage and downloaded from the
    user's list of exports. ``kind`` names the export in ``core.export_jobs.KINDS``; ``params`` are its inputs."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export", "Waiting")
        RUNNING = "running", pgettext_lazy("export", "Being prepared")
        DONE = "done", pgettext_lazy("export", "Ready")
        FAILED = "failed", pgettext_lazy("export", "Failed")
        # Its file was removed ``settings.EXPORT_KEEP_DAYS`` after it was ready (``core.services.exports_tidy``).
        EXPIRED = "expired", pgettext_lazy("export", "Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked for by"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("export"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The committee whose staff may download it too (None: only the requester). A number, not a key: core sits
    # below the app that has committees.
    committee_id = models.PositiveBigIntegerField(_("committee"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # Written by the worker, never uploaded; the validator still says what the field may hold (an office document).
    file = models.FileField(
        _("file"), upload_to=_export_path, max_length=300, blank=True, validators=[UploadValidator("document")]
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_job_by_requester"),
            models.Index(fields=["committee_id", "-created_at"], name="export_job_by_committee"),
            # the hourly tidy's two reads: files kept past their days, jobs waiting too long
            models.Index(fields=["finished_at"], name="export_job_done", condition=models.Q(state="done")),
            models.Index(
                fields=["created_at"], name="export_job_open", condition=models.Q(state__in=["queued", "running"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"
