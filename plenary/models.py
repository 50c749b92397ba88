"""Members' attendance at the plenary sessions 全体会议 of their committee, counted in half-days.

The sessions themselves are the organisation's (``groups.PlenarySession``: a term's sessions). The tables kept
the names they had when this model lived in ``groups`` (``groups_plenaryattendance`` and its history), so the
move to this app (``plenary/migrations/0001_initial.py``) changed no row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from groups.models import Member, PlenarySession
from groups.models.organisation import ScopedQuerySet


class PlenaryAttendanceQuerySet(ScopedQuerySet):
    committee_field = "session__term__committee_id"


class PlenaryAttendance(models.Model):
    """One member at one plenary session: half-days present 出席, missed with leave 请假, missed without 缺席.

    One row per member and session with three counts, not one row per half-day sitting: the
    secretariat's sign-in tally is kept that way, the published rules price it that way (闵行 per
    half-day, 合肥/济南 per absence, 桐城 once a year), and the admin inline stays one line per member.
    The counts never exceed the session's half-days: a database trigger (groups migration 0007) checks it
    against ``PlenarySession.half_days`` on every insert and update of either table.
    """

    session = models.ForeignKey(
        PlenarySession, verbose_name=_("plenary session"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="plenary_attendances"
    )
    present = models.PositiveSmallIntegerField(_("half-days present"), default=0)
    excused = models.PositiveSmallIntegerField(_("half-days on leave"), default=0)
    absent = models.PositiveSmallIntegerField(_("half-days absent without leave"), default=0)
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"], table_name="groups_historicalplenaryattendance")

    objects = PlenaryAttendanceQuerySet.as_manager()

    class Meta:
        db_table = "groups_plenaryattendance"
        verbose_name = _("plenary attendance")
        verbose_name_plural = _("plenary attendance")
        ordering = ["session_id", "member__name", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                name="plenary_attendance_one_per_member",
                violation_error_message=_("This member's attendance is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(present__gte=0, excused__gte=0, absent__gte=0),
                name="plenary_attendance_not_negative",
                violation_error_message=_("Half-days cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(present__gt=0) | Q(excused__gt=0) | Q(absent__gt=0),
                name="plenary_attendance_not_empty",
                violation_error_message=_("Record at least one half-day."),
            ),
        ]
        indexes = [models.Index(fields=["member", "session"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.member}"

    @property
    def half_days(self) -> int:
        return (self.present or 0) + (self.excused or 0) + (self.absent or 0)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.session_id and self.half_days > self.session.half_days:
            raise ValidationError(
                _("The session sits %(n)s half-days; %(m)s are recorded.")
                % {"n": self.session.half_days, "m": self.half_days}
            )
        if self.session_id and self.member_id and self.member.committee_id != self.session.term.committee_id:
            raise ValidationError({"member": _("The member does not belong to this session's committee.")})
