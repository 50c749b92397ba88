"""Writes shared by every app: the audit trail, API tokens and passwords, records edited as data, exports prepared
in the background."""

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .exceptions import ConcurrentEdit, DomainError
from .models import ApiToken, AuditEvent, ExportJob, PasswordResetCode, PasswordResetRequest, User
from .sms import sms_template
from .tokens import password_stamp
from .verbs import CoreVerb

F = TypeVar("F", bound=Callable[..., Any])
ModelT = TypeVar("ModelT", bound=models.Model)


def not_an_api_action(reason: str) -> Callable[[F], F]:
    """Mark a public service function that has no API endpoint on purpose, with the reason (a read-only helper,
    work the worker runs, a step called only by another service). ``tests/test_api_parity.py`` requires every
    public service function to have an endpoint (``core.api.exposes``) or this mark."""

    def mark(func: F) -> F:
        func.not_an_api_action = reason  # type: ignore[attr-defined]
        return func

    return mark


not_an_api_action("the mark itself")(not_an_api_action)


@not_an_api_action("builds an audit row inside another service's transaction")
def audit_event(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit row for ``obj``, not saved yet: ``record_event`` saves one, ``record_events`` many. ``verb`` is
    one of the registry's (``core.verbs``); an unregistered one is refused where ``AUDIT_VERBS_STRICT``."""
    from core import directory, verbs

    if settings.AUDIT_VERBS_STRICT and not verbs.is_registered(verb):
        raise ValueError(f"The audit verb {verb!r} is not registered: declare it in its app's verbs.py.")

    return AuditEvent(
        committee_id=directory.committee_of_record(obj),
        actor=actor if actor is not None and actor.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


@not_an_api_action("writes the audit row of another service's action")
def record_event(obj: models.Model, **event: Any) -> AuditEvent:
    """Append one row to the audit trail for ``obj`` (the arguments of ``audit_event``); call inside the
    action's transaction."""
    row: AuditEvent = audit_event(obj, **event)
    row.save()
    return row


@not_an_api_action("writes the audit rows of another service's action")
def record_events(rows: Iterable[AuditEvent]) -> None:
    """Append many ``audit_event`` rows in one insert (a batch action: one row per record it changed)."""
    AuditEvent.objects.bulk_create(list(rows), batch_size=2000)


@not_an_api_action("reads the audit trail")
def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit trail of one record, oldest first, with actors loaded."""
    return (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


# --- Row locks -----------------------------------------------------------------------------------------


@not_an_api_action("locks a row inside another service's transaction")
def lock(
    source: type[ModelT] | models.QuerySet[ModelT],
    pk: Any,
    *,
    expected_state: str | None = None,
    missing: DomainError | None = None,
    of: tuple[str, ...] = ("self",),
) -> ModelT:
    """The row of ``source`` (a model, or a queryset to narrow or ``select_related`` it) with primary key ``pk``,
    locked until the transaction ends. Only its own row is locked (``of``): PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join, which a ``select_related`` of a nullable relation makes. A row not found
    raises ``missing`` (default: ``DomainError`` "This <model> does not exist."); with ``expected_state`` (the
    state the user's page showed), a row in another state raises ``ConcurrentEdit``."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    try:
        row = queryset.select_for_update(of=of).get(pk=pk)
    except ObjectDoesNotExist:
        if missing is not None:
            raise missing from None
        raise DomainError(
            _("This %(record)s does not exist.") % {"record": queryset.model._meta.verbose_name}
        ) from None
    check_expected_state(row, expected_state)
    return row


@not_an_api_action("locks a batch of rows inside another service's transaction")
def lock_many(
    source: type[ModelT] | models.QuerySet[ModelT],
    pks: Iterable[Any],
    *,
    order_by: str | tuple[str, ...] = "pk",
    of: tuple[str, ...] = ("self",),
    missing: DomainError | None = None,
    partial: bool = False,
) -> list[ModelT]:
    """The rows of ``source`` (a model, or a queryset to narrow or ``select_related`` it) whose primary keys are in
    ``pks``, locked until the transaction ends, in one query. The rows are locked in the order they are read,
    ``order_by`` (default the primary key, which every batch of a table should keep): two batches sharing rows
    then wait for each other instead of deadlocking. ``pks`` may repeat a key or hold ``None``; each row comes
    once. A key with no row (or none outside ``source``'s narrowing) raises ``missing`` (default: ``DomainError``
    "A selected <model> does not exist."), unless ``partial``: then the rows found are returned. Only the
    model's own rows are locked (``of``), as in ``lock``. SQLite has no row locks: there the transaction
    (``transaction_mode`` IMMEDIATE in the settings) already serialises writers, and this is a plain ordered read."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    wanted = {pk for pk in pks if pk is not None}
    if not wanted:
        return []
    ordering = (order_by,) if isinstance(order_by, str) else order_by
    rows = list(queryset.select_for_update(of=of).filter(pk__in=sorted(wanted, key=str)).order_by(*ordering))
    if not partial and len(rows) != len(wanted):
        if missing is not None:
            raise missing
        raise DomainError(_("A selected %(record)s does not exist.") % {"record": queryset.model._meta.verbose_name})
    return rows


@not_an_api_action("checks a locked row inside another service's transaction")
def check_expected_state(row: models.Model, expected_state: str | None) -> None:
    """Refuse with ``ConcurrentEdit`` when ``row`` is no longer in ``expected_state`` (the state the user's page
    showed): someone else acted meanwhile, and an action is never applied to a state the user did not see."""
    if expected_state and getattr(row, "state", None) != expected_state:
        display = getattr(row, "get_state_display", None)
        raise ConcurrentEdit(
            _(
                "Someone else has just acted on this %(record)s: it is now “%(state)s”. Your action was not carried "
                "out; check the current state before acting again."
            )
            % {"record": row._meta.verbose_name, "state": display() if display else getattr(row, "state", "")}
        )


# --- API tokens and passwords -------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user: User, actor: User, ip: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user`` lasting ``settings.API_TOKEN_TTL``: the row and the key (shown once; only
    its hash is kept). The user's expired tokens go at the same time."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = ApiToken.objects.create(user=user, expiry=settings.API_TOKEN_TTL, password_stamp=password_stamp(user))
    record_event(
        user,
        actor=actor,
        verb=CoreVerb.API_TOKEN_ISSUED,
        data={"ip": ip, "token": token.token_key, "expiry": token.expiry.isoformat()},
    )
    return token, key


@transaction.atomic
def api_tokens_revoke(*, user: User, actor: User, reason: str, token: ApiToken | None = None, ip: str = "") -> int:
    """Revoke ``token``, or every API token of ``user`` when none is given; returns how many went."""
    tokens = ApiToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    keys = list(tokens.values_list("token_key", flat=True))
    tokens.delete()
    if keys:
        record_event(
            user, actor=actor, verb=CoreVerb.API_TOKENS_REVOKED, data={"ip": ip, "reason": reason, "tokens": keys}
        )
    return len(keys)


@transaction.atomic
def user_password_change(*, user: User, actor: User, password: str, ip: str = "") -> User:
    """Set ``user``'s password (already validated) and revoke their API tokens; the caller keeps its own
    session (``update_session_auth_hash``), every other session ends (Django's session hash)."""
    locked = lock(User, user.pk)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    api_tokens_revoke(user=locked, actor=actor, reason="password_changed", ip=ip)
    record_event(locked, actor=actor, verb=CoreVerb.PASSWORD_CHANGED, data={"ip": ip})
    return locked


# --- Password reset by e-mail link: rate limits per address and per network address ---------------------------


@not_an_api_action(
    "account recovery is for people without a login session or API token: the portal's pages, rate-limited per address and network address"
)
@transaction.atomic
def password_reset_email_request(*, email: str, ip: str = "", now: datetime | None = None) -> None:
    """Count a request for a reset link by e-mail, or refuse it past the limits: one a minute and a few a day per
    address, some an hour per network address (as the SMS codes). The caller sends the link only if this passes."""
    email, now = (email or "").strip().lower(), now or timezone.now()
    asked = PasswordResetRequest.objects
    if (
        asked.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count()
        >= settings.PASSWORD_RESET_EMAIL_MAX_PER_IP_PER_HOUR
    ):
        raise DomainError(_("Too many reset links were asked for from this network. Try again in an hour."))
    if asked.filter(
        email=email, created_at__gte=now - timedelta(seconds=settings.PASSWORD_RESET_EMAIL_INTERVAL_SECONDS)
    ).exists():
        raise DomainError({"email": _("A link was sent to this address just now. Wait a minute before asking again.")})
    if (
        asked.filter(email=email, created_at__gte=now - timedelta(days=1)).count()
        >= settings.PASSWORD_RESET_EMAIL_MAX_PER_DAY
    ):
        raise DomainError({"email": _("Too many links were sent to this address today. Try again tomorrow.")})
    PasswordResetRequest.objects.create(email=email, ip=ip, created_at=now)


# --- Password reset by SMS code (core/accounts.py) ---------------------------------------------------------


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("core.services.password_reset_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _check_code_limits(phone: str, ip: str, now: datetime) -> None:
    codes = PasswordResetCode.objects
    if codes.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count() >= settings.SMS_CODE_MAX_PER_IP_PER_HOUR:
        raise DomainError(_("Too many codes were asked for from this network. Try again in an hour."))
    if codes.filter(phone=phone, created_at__gte=now - timedelta(seconds=settings.SMS_CODE_INTERVAL_SECONDS)).exists():
        raise DomainError({"phone": _("A code was sent to this number just now. Wait a minute before asking again.")})
    if (
        codes.filter(phone=phone, created_at__gte=now - timedelta(days=1)).count()
        >= settings.SMS_CODE_MAX_PER_PHONE_PER_DAY
    ):
        raise DomainError({"phone": _("Too many codes were sent to this number today. Try again tomorrow.")})


@not_an_api_action(
    "account recovery is for people without a login session or API token: the portal's pages, rate-limited per number and address"
)
@transaction.atomic
def password_reset_code_send(*, phone: str, ip: str = "", now: datetime | None = None) -> bool:
    """Text a six-digit code to the one active login with this mobile number (nothing to a number no login or two
    logins have: the page says the same either way). Refused past the limits per number and per address. Returns
    whether a code went out."""
    phone, now = (phone or "").strip(), now or timezone.now()
    _check_code_limits(phone, ip, now)
    holders = User.objects.select_for_update().filter(phone=phone, is_active=True).order_by("pk")
    users = list(holders[:2]) if phone else []
    user = users[0] if len(users) == 1 else None
    code = f"{secrets.randbelow(10**6):06d}"
    row = PasswordResetCode.objects.create(
        user=user,
        phone=phone,
        ip=ip,
        created_at=now,
        code_hash=_code_hash(phone, code) if user else "",
        expires_at=now + timedelta(minutes=settings.SMS_CODE_MINUTES),
    )
    if user is None:
        return False
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).exclude(pk=row.pk).update(used_at=now)
    record_event(user, actor=None, verb=CoreVerb.PASSWORD_RESET_CODE_SENT, data={"ip": ip})
    # The vendor's approved verification-code template (NOTIFICATIONS_SMS_TEMPLATES["password_reset_code"], with
    # ${code} and ${minutes}) says the rest; SMS vendors send codes only through such templates.
    params = {"code": code, "minutes": str(settings.SMS_CODE_MINUTES)}
    backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
    transaction.on_commit(
        lambda: backend.send(phone, sms_template("password_reset_code"), params, out_id=f"password-reset-{row.pk}")
    )
    return True


@not_an_api_action(
    "account recovery is for people without a login session or API token: the portal's pages, rate-limited per number and address"
)
def password_reset_code_confirm(
    *, phone: str, code: str, password: str, ip: str = "", now: datetime | None = None
) -> User:
    """Set the password (already validated) of the login the code was sent to: the newest unused code of the
    number, before it expires, within its tries. A wrong code uses up a try (kept even though this raises)."""
    phone, code, now = (phone or "").strip(), (code or "").strip(), now or timezone.now()
    with transaction.atomic():
        row = (
            PasswordResetCode.objects.select_for_update(of=("self", "user"))
            .filter(phone=phone, user__isnull=False, used_at__isnull=True)
            .select_related("user")
            .order_by("-created_at")
            .first()
        )
        usable = bool(
            row
            and row.user
            and row.expires_at > now
            and row.attempts < settings.SMS_CODE_MAX_ATTEMPTS
            and row.user.is_active
        )
        if usable and row is not None and row.user is not None:
            row.attempts += 1
            right = constant_time_compare(row.code_hash, _code_hash(phone, code))
            row.used_at = now if right else None
            row.save(update_fields=["attempts", "used_at"])
            if right:
                user = user_password_change(user=row.user, actor=row.user, password=password, ip=ip)
                record_event(user, actor=user, verb=CoreVerb.PASSWORD_RESET, data={"ip": ip, "by": "sms"})
                return user
            left = settings.SMS_CODE_MAX_ATTEMPTS - row.attempts
    if usable and left > 0:
        raise DomainError({"code": _("The code is wrong. %(n)s tries left.") % {"n": left}})
    raise DomainError({"code": _("The code is wrong or no longer valid. Ask for a new code.")})


# --- Records edited as data ------------------------------------------------------------------------
# Settings, reference rows, rules and their lines are edited in the admin as plain rows, but their
# consequences are not plain: a rule set's figures reach every duty record of its year. Each app says what
# follows a write to its models with ``on_record_write``; ``record_save`` and ``record_delete`` run it in the
# write's transaction, next to the audit row.

_CONSEQUENCES: dict[type, list[Callable]] = {}


@not_an_api_action("registers what follows a record_save; not an action")
def on_record_write(*models_: type[models.Model]) -> Callable:
    """Register ``hook(before=, after=)`` to run whenever a record of one of ``models_`` is saved or deleted
    through ``record_save``/``record_delete`` (``before`` is ``None`` for a new row, ``after`` for a deleted one)."""

    def register(hook: Callable) -> Callable:
        for model in models_:
            _CONSEQUENCES.setdefault(model, []).append(hook)
        return hook

    return register


def _consequences(model: type[models.Model], *, before: models.Model | None, after: models.Model | None) -> None:
    for klass in model.__mro__:
        for hook in _CONSEQUENCES.get(klass, ()):
            hook(before=before, after=after)


def _fresh(obj: models.Model) -> models.Model | None:
    """The row as the database holds it, locked: what the write changes from."""
    if obj.pk is None or obj._state.adding:
        return None
    return type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()


@not_an_api_action(
    "the admin's door for rows edited as data (settings, reference rows, rule lines): the API has no generic row editor"
)
@transaction.atomic
def record_save(
    *, obj: models.Model, actor: User | None, changed: Iterable[str] = (), m2m: dict[str, Any] | None = None
) -> models.Model:
    """Save a record edited as data (settings, reference rows, rules), with its audit row and consequences."""
    before = _fresh(obj)
    obj._history_user = actor  # type: ignore[attr-defined]  # django-simple-history's change row names the same person
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    record_event(
        obj,
        actor=actor,
        verb=CoreVerb.UPDATED if before is not None else CoreVerb.CREATED,
        data={"fields": sorted(changed)},
    )
    _consequences(type(obj), before=before, after=obj)
    return obj


@not_an_api_action("the admin's door for rows deleted as data: the API has no generic row editor")
@transaction.atomic
def record_delete(*, obj: models.Model, actor: User | None) -> None:
    """Delete a record edited as data, with its audit row and consequences."""
    before = _fresh(obj)
    if before is None:
        return  # gone already: a second click changes nothing
    record_event(before, actor=actor, verb=CoreVerb.DELETED)
    before._history_user = actor  # type: ignore[attr-defined]
    before.delete()
    _consequences(type(obj), before=before, after=None)


# --- Exports prepared in the background (core.export_jobs) ---------------------------------------------------

BUILD_EXPORT_TASK = "core.build_export"
EXPORT_ATTEMPTS = 3  # builds started (a worker killed midway, the message redelivered) before the job fails


@not_an_api_action("a page's export past the background threshold (core.export_jobs.respond); the API has no exports")
@transaction.atomic
def export_request(*, actor: User, kind: str, params: dict[str, Any]) -> ExportJob:
    """Queue an export for a worker to build: refused (``NotPermitted``) when the export's own rule refuses the actor.
    The same export asked for again while one is waiting or being prepared is that job (a second click builds
    nothing more)."""
    from . import outbox
    from .export_jobs import kind_of

    export = kind_of(kind)
    committee_id = export.check(actor, params)
    waiting = (
        ExportJob.objects.select_for_update()
        .filter(requested_by=actor, kind=kind, state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING])
        .order_by("-created_at", "-id")
    )
    for job in waiting:
        if job.params == params:
            return job
    job = ExportJob.objects.create(
        requested_by=actor, kind=kind, params=params, committee_id=committee_id, title=export.title(params)[:200]
    )
    record_event(job, actor=actor, verb=CoreVerb.EXPORT_REQUESTED, comment=job.title, data={"kind": kind})
    outbox.enqueue(BUILD_EXPORT_TASK, job.pk)  # after commit; kept in the outbox while the broker is down
    return job


@not_an_api_action("the worker's task (core.tasks.build_export) after export_request queued the job")
def export_build(*, job_id: int, now: datetime | None = None) -> ExportJob:
    """Build a queued export as its requester, store it and tell them; safe to run twice.

    The job's row is locked for the build, so a second copy of the message waits and then finds it done (or
    failed) and builds nothing. A worker killed midway rolls the build back: the job stays "being prepared" and
    the redelivered message builds it again (at most ``EXPORT_ATTEMPTS`` times). The export's rule is checked
    again for the requester: one who lost the right since asking gets a failed job, not the file.
    """
    from django.core.files.base import ContentFile

    from .events import publish
    from .export_jobs import ExportFinished, kind_of
    from .exports import record_export

    with transaction.atomic():
        job = lock(ExportJob, job_id)
        if job.state in (ExportJob.State.DONE, ExportJob.State.FAILED, ExportJob.State.EXPIRED):
            return job
        if job.attempts >= EXPORT_ATTEMPTS:  # its worker died that often: the export itself kills it
            return _export_failed(job_id, RuntimeError(f"{job.attempts} attempts"), now=now)
        job.state, job.started_at, job.attempts = ExportJob.State.RUNNING, now or timezone.now(), job.attempts + 1
        job.save(update_fields=["state", "started_at", "attempts"])
    try:
        with transaction.atomic():
            job = lock(ExportJob.objects.select_related("requested_by"), job_id)
            if job.state != ExportJob.State.RUNNING:  # a second copy of the message finished it meanwhile
                return job
            export = kind_of(job.kind)
            export.check(job.requested_by, job.params)
            built = export.build(job.requested_by, job.params)
            job.file.save(built.filename, ContentFile(built.content), save=False)
            job.state, job.filename, job.content_type, job.rows = (
                ExportJob.State.DONE,
                built.filename[:200],
                built.content_type,
                built.rows,
            )
            job.finished_at, job.error = now or timezone.now(), ""
            job.save(update_fields=["file", "state", "filename", "content_type", "rows", "finished_at", "error"])
            record_export(job.requested_by, built.what, built.rows, obj=job, masked=built.masked)
            publish(ExportFinished(job_id=job.pk, ok=True))  # the worker acted: the requester is told
    except Exception as exc:
        return _export_failed(job_id, exc, now=now)
    return job


@not_an_api_action("beat's hourly task (core.tasks.tidy_exports)")
def exports_tidy(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """The hourly tidy of prepared exports; safe to run twice and beside the workers.

    - A ready file older than ``settings.EXPORT_KEEP_DAYS`` is removed from storage (after the commit that marks
      its job expired: a rollback keeps the file) and the job says so ("expired"); the audit trail keeps the rest.
    - A job waiting or being prepared for longer than ``settings.EXPORT_STUCK_MINUTES`` (its message lost with a
      broker's restart, its worker killed) is sent to a worker again; ``export_build`` builds it once however often
      the message comes and fails it after ``EXPORT_ATTEMPTS`` starts. One still not ready after
      ``EXPORT_KEEP_DAYS`` is failed and its requester told.

    At most ``batch`` jobs of each kind a run (the next hour takes the rest). Returns the counts of each.
    """
    from . import outbox

    now = now or timezone.now()
    kept_since = now - timedelta(days=settings.EXPORT_KEEP_DAYS)
    stuck_since = now - timedelta(minutes=settings.EXPORT_STUCK_MINUTES)
    done = {"expired": 0, "resent": 0, "given_up": 0}
    with transaction.atomic():
        old = list(
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(state=ExportJob.State.DONE, finished_at__lt=kept_since)
            .order_by("finished_at")[:batch]
        )
        files: list[str] = [job.file.name for job in old if job.file and job.file.name]
        ExportJob.objects.filter(pk__in=[job.pk for job in old]).update(state=ExportJob.State.EXPIRED, file="")
        record_events(
            audit_event(
                job,
                actor=None,
                verb=CoreVerb.EXPORT_EXPIRED,
                from_state=ExportJob.State.DONE,
                to_state=ExportJob.State.EXPIRED,
                comment=job.title,
                data={"file": job.file.name},
            )
            for job in old
        )
        storage = ExportJob._meta.get_field("file").storage

        def remove_files() -> None:
            for name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)
        done["expired"] = len(old)

        waiting = list(
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING], created_at__lt=stuck_since)
            .exclude(started_at__gte=stuck_since)  # a build started lately is still running
            .order_by("created_at")[:batch]
        )
        given_up = [job.pk for job in waiting if job.created_at < kept_since]
        resend = [job for job in waiting if job.created_at >= kept_since]
        for job in resend:
            outbox.enqueue(BUILD_EXPORT_TASK, job.pk)
        record_events(
            audit_event(job, actor=None, verb=CoreVerb.EXPORT_RESENT, comment=job.title, data={"state": job.state})
            for job in resend
        )
        done["resent"] = len(resend)
    for pk in given_up:
        _export_failed(pk, TimeoutError(f"not ready after {settings.EXPORT_KEEP_DAYS} days"), now=now)
    done["given_up"] = len(given_up)
    return done


def _export_failed(job_id: int, exc: Exception, *, now: datetime | None) -> ExportJob:
    """The job failed for good (its rule refuses the requester now, or the build raised): say why and tell them."""
    import logging

    from .events import publish
    from .exceptions import NotPermitted
    from .export_jobs import ExportFinished

    refused = isinstance(exc, NotPermitted)
    if not refused:
        logging.getLogger(__name__).exception("export job %s failed", job_id)
    with transaction.atomic():
        job = lock(ExportJob, job_id)
        if job.state in (ExportJob.State.DONE, ExportJob.State.EXPIRED):
            return job
        job.state, job.finished_at = ExportJob.State.FAILED, now or timezone.now()
        job.error = str(exc)[:2000] if refused else _("The export could not be prepared.")
        job.save(update_fields=["state", "finished_at", "error"])
        record_event(job, actor=None, verb=CoreVerb.EXPORT_FAILED, comment=job.error, data={"error": repr(exc)[:500]})
        publish(ExportFinished(job_id=job.pk, ok=False))
    return job
