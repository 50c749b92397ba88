"""Excel import and export of plenary attendance (django-import-export): one member a row, in half-days,
written through ``plenary.services.plenary_attendance_import`` (all rows or none)."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from core.ordinals import session_label
from groups.models import Member, PlenarySession
from groups.models.organisation import MAX_SESSION_HALF_DAYS
from groups.resources import CommitteeNameWidget
from plenary.models import PlenaryAttendance


class HalfDaysWidget(widgets.Widget):
    """A count of half-days: blank is 0; anything but a whole number from 0 to 20 is refused."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return 0
        text = str(value).strip()
        if text.endswith(".0"):  # Excel hands whole numbers over as floats
            text = text[:-2]
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_SESSION_HALF_DAYS:
            raise ValueError(
                gettext("Enter a whole number of half-days from 0 to %(n)s.") % {"n": MAX_SESSION_HALF_DAYS}
            )
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class PlenarySessionWidget(widgets.Widget):
    """A plenary session by its number within the row's committee and term (e.g. 九届四次: term 9, session 4)."""

    def __init__(self, committee_column, term_column, user=None):
        self.committee_column, self.term_column, self.user = committee_column, term_column, user
        self.sessions: dict[tuple[str, str, str], PlenarySession] = {}
        super().__init__()

    def key(self, row, value) -> tuple[str, str, str]:
        committee = str(row.get(self.committee_column, "") or "").strip()
        term, number = str(row.get(self.term_column, "") or "").strip(), str(value or "").strip()
        return committee, term.removesuffix(".0"), number.removesuffix(".0")

    def preload(self, dataset, column: str) -> None:
        """Every session the file names, in one query (not one per row)."""
        keys = {
            self.key(row, row.get(column)) for row in (dict(zip(dataset.headers, r, strict=False)) for r in dataset)
        }
        sessions = PlenarySession.objects.filter(term__committee__name__in={k[0] for k in keys}).select_related(
            "term__committee"
        )
        if self.user is not None:
            sessions = sessions.administered_by(self.user)
        by_key = {(s.term.committee.name, str(s.term.number), str(s.number)): s for s in sessions}
        self.sessions = {k: by_key[k] for k in keys if k in by_key}

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            raise ValueError(gettext("This field cannot be blank."))
        key = self.key(row, value)
        _committee, term, number = key
        found = self.sessions.get(key)
        if found is None:
            raise ValueError(
                gettext("Unknown plenary session: %(session)s.")
                % {"session": session_label(term, number) if f"{term}{number}".isdigit() else f"{term}/{number}"}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value.number)


class MemberByNameWidget(widgets.Widget):
    """A member of the row's committee by name; the mobile phone settles two members of the same name."""

    def __init__(self, committee_column, phone_column):
        self.committee_column, self.phone_column = committee_column, phone_column
        self.members: dict[tuple[str, str], list[Member]] = {}
        super().__init__()

    def preload(self, dataset, column: str) -> None:
        """Every member the file names, by committee and name, in one query (not one per row)."""
        rows = [dict(zip(dataset.headers, r, strict=False)) for r in dataset]
        committees = {str(r.get(self.committee_column, "") or "").strip() for r in rows}
        names = {str(r.get(column, "") or "").strip() for r in rows}
        self.members = {}
        for member in (
            Member.objects.filter(committee__name__in=committees, name__in=names)
            .annotate(committee_name=F("committee__name"))
            .order_by("pk")
        ):
            self.members.setdefault((member.committee_name, member.name), []).append(member)

    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if not name:
            raise ValueError(gettext("This field cannot be blank."))
        members = self.members.get((str(row.get(self.committee_column, "") or "").strip(), name), [])
        phone = str(row.get(self.phone_column, "") or "").strip()
        if phone:
            members = [m for m in members if m.phone == phone]
        found = members[:2]
        if not found:
            raise ValueError(gettext("No member “%(name)s” in this committee.") % {"name": name})
        if len(found) > 1:
            raise ValueError(gettext("Two members are called “%(name)s”: add their mobile phone.") % {"name": name})
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


class PlenaryAttendanceResource(resources.ModelResource):
    """Attendance at a plenary session from the secretariat's sign-in tally, one member a row, in half-days.

    Sessions, members and their recorded rows are read once before the rows (not once per row); each row
    is checked by the service's rules (a member twice in one file is refused), and once every row is
    good, each session's rows go to ``plenary_attendance_import`` together (checks, bulk write, history,
    audit, stale roll-ups): a member already recorded is corrected, a new one recorded.
    """

    committee = fields.Field(attribute="import_committee", column_name=_("Committee"))
    term = fields.Field(attribute="import_term", column_name=_("Term"), widget=widgets.CharWidget(allow_blank=True))
    session = fields.Field(attribute="session", column_name=_("Session number"))
    member = fields.Field(attribute="member", column_name=_("Full name"))
    phone = fields.Field(
        attribute="import_phone", column_name=_("Mobile phone"), widget=widgets.CharWidget(allow_blank=True)
    )
    present = fields.Field(attribute="present", column_name=_("Half-days present"), widget=HalfDaysWidget())
    excused = fields.Field(attribute="excused", column_name=_("Half-days on leave"), widget=HalfDaysWidget())
    absent = fields.Field(attribute="absent", column_name=_("Half-days absent without leave"), widget=HalfDaysWidget())
    leave_reason = fields.Field(
        attribute="leave_reason", column_name=_("Reason for leave"), widget=widgets.CharWidget(allow_blank=True)
    )

    class Meta:
        model = PlenaryAttendance
        import_id_fields = ()
        skip_unchanged = False
        clean_model_instances = False  # validate_instance applies the service's rules without a query per row
        use_transactions = True
        use_bulk = True  # no savepoint per row; the rows are written by the service in after_import
        fields = ("committee", "term", "session", "member", "phone", "present", "excused", "absent", "leave_reason")

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._seen: set[tuple[int, int]] = set()
        self._pending: dict[int, list[PlenaryAttendance]] = {}
        self._existing: dict[tuple[int, int], PlenaryAttendance] = {}
        committee_col, term_col = str(self.fields["committee"].column_name), str(self.fields["term"].column_name)
        self.fields["committee"].widget = CommitteeNameWidget(user)
        self.fields["session"].widget = PlenarySessionWidget(committee_col, term_col, user)
        self.fields["member"].widget = MemberByNameWidget(committee_col, str(self.fields["phone"].column_name))

    def get_queryset(self):
        qs = PlenaryAttendance.objects.select_related("session__term__committee", "member")
        return qs.administered_by(self.user) if self.user else qs

    def before_import(self, dataset, **kwargs):
        self.fields["session"].widget.preload(dataset, str(self.fields["session"].column_name))
        self.fields["member"].widget.preload(dataset, str(self.fields["member"].column_name))
        sessions = list(self.fields["session"].widget.sessions.values())
        members = [m for found in self.fields["member"].widget.members.values() for m in found]
        recorded = (
            PlenaryAttendance.objects.filter(session__in=sessions, member__in=members).select_related(
                "session__term__committee", "member"
            )
            if sessions and members
            else []
        )
        self._existing = {(a.session_id, a.member_id): a for a in recorded}

    def get_instance(self, instance_loader, row):
        """The member's row at that session when there is one (a correction), else None (a new row)."""
        try:
            session = self.fields["session"].clean(row)
            member = self.fields["member"].clean(row)
        except (ValueError, KeyError):
            return None  # the field import reports it under its column
        return self._existing.get((session.pk, member.pk))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        from plenary.services import COUNTS, count_errors

        errors = {k: list(v) for k, v in (import_validation_errors or {}).items()}
        if instance.session_id and instance.member_id and not {"session", "member"} & set(errors):
            key = (instance.session_id, instance.member_id)
            if key in self._seen:
                errors.setdefault("member", []).append(gettext("This member appears twice in the file."))
            self._seen.add(key)
            if not set(COUNTS) & set(errors):
                counts = {name: getattr(instance, name) for name in COUNTS}
                for name, messages in count_errors(instance.session, counts).items():
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        self._pending.setdefault(instance.session_id, []).append(instance)

    def after_import(self, dataset, result, **kwargs):
        """Every row is good: write each session's rows in one go (nothing is written when any row failed)."""
        from plenary.services import AttendanceRow, plenary_attendance_import

        if result.has_errors() or result.has_validation_errors():
            return
        for session_id, instances in self._pending.items():
            outcome = plenary_attendance_import(
                session_id=session_id,
                actor=self.user,
                rows=[
                    AttendanceRow(
                        member_id=i.member_id,
                        present=i.present,
                        excused=i.excused,
                        absent=i.absent,
                        leave_reason=i.leave_reason or "",
                    )
                    for i in instances
                ],
            )
            for instance in instances:
                instance.pk = outcome.rows[instance.member_id].pk  # for the admin's log of the import

    def dehydrate_committee(self, obj):
        return obj.session.term.committee.name

    def dehydrate_term(self, obj):
        return str(obj.session.term.number)

    def dehydrate_phone(self, obj):
        return ""  # personal data stays out of the export; names identify members on re-import
