"""API shapes of the assessments app: duty records (from the scoring engine) and roll-up runs."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import IdField
from core.api_fields import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from groups.models import Committee

from .kinds import EventKind
from .models import MemberSnapshot, RollupRun, RuleSet
from .presets import preset_choices
from .sources import source_url


def _label(kind: str) -> str:
    return str(EventKind(kind).label) if kind in EventKind.values else kind


def _amount(**kw):
    return serializers.DecimalField(max_digits=9, decimal_places=2, **kw)


class RuleSerializer(serializers.Serializer):
    kind = serializers.CharField()
    adds = serializers.BooleanField(help_text="Added on top of the slot's rule.")
    nth_from = serializers.IntegerField()
    points = _amount()
    per_unit = serializers.BooleanField()
    share = serializers.CharField(help_text="full, split (all authors) or cosigners (the co-signers only).")
    rounding = serializers.DecimalField(max_digits=4, decimal_places=2)
    category = serializers.CharField()


class LineSerializer(serializers.Serializer):
    kind = serializers.CharField(source="event.kind")
    kind_label = serializers.SerializerMethodField()
    date = serializers.DateField(source="event.on")
    title = serializers.CharField(source="event.title")
    quantity = _amount(source="event.quantity")
    role = serializers.CharField(source="event.role")
    authors = serializers.IntegerField(source="event.authors")
    source = serializers.SerializerMethodField(help_text="The source record: model label and id.")
    rule_kind = serializers.CharField(allow_null=True, help_text="The rule that priced the line; null: none did.")
    occurrence = serializers.IntegerField()
    points = _amount(help_text="The line's points after the rule's rounding.")
    category = serializers.CharField()
    rule = serializers.SerializerMethodField(
        help_text="The rule that priced the line, as the rule set has it; null: none did."
    )
    how_priced = serializers.SerializerMethodField(help_text="The rule and the steps in words.")
    exact = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        help_text="The points before rounding (rule points x quantity / sharers).",
    )
    counted = _amount(
        allow_null=True,
        help_text="What the line adds to the total after the category cap and the "
        "bonus cap; null for a line no rule prices.",
    )
    state = serializers.SerializerMethodField(
        help_text="scored, partly_capped, capped, zero, deducted or not_priced (no rule of the set prices it)."
    )
    verdict = serializers.SerializerMethodField(
        help_text="What the line scored, in words (按规则计 5 分, 已达上限不再计分, 本规则不计分, 按规则扣 10 分)."
    )

    def get_state(self, line) -> str:
        from .record_page import line_state

        return line_state(line).value

    def get_verdict(self, line) -> str:
        from .record_page import line_words

        return line_words(line).verdict

    @extend_schema_field(RuleSerializer(allow_null=True))
    def get_rule(self, line) -> dict | None:
        return RuleSerializer(line.rule).data if line.rule is not None else None

    def get_how_priced(self, line) -> str:
        from .selectors import how_priced

        return how_priced(line)

    def get_kind_label(self, line) -> str:
        return _label(line.event.kind)

    def get_source(self, line) -> dict | None:
        if line.event.source is None:
            return None
        model, pk = line.event.source
        return {"model": model, "id": pk, "url": source_url(line.event.source)}


class CategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField()
    raw = _amount()
    cap = _amount(allow_null=True)
    capped = _amount()


class ShortfallSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    required = serializers.IntegerField()
    actual = serializers.IntegerField()
    group = serializers.CharField(help_text="The any-of group: one minimum met in it is enough; empty: on its own.")

    def get_kind_label(self, shortfall) -> str:
        return _label(shortfall.kind)


class DutyRecordSerializer(serializers.Serializer):
    member_id = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    access = serializers.SerializerMethodField(help_text="full, or summary for a convener (no lines).")
    lines = LineSerializer(many=True)
    categories = CategoryTotalSerializer(many=True, source="breakdown.categories")
    base = _amount(source="breakdown.base")
    bonus_raw = _amount(source="breakdown.bonus_raw")
    bonus_cap = _amount(source="breakdown.bonus_cap", allow_null=True)
    bonus = _amount(source="breakdown.bonus")
    deductions = _amount(source="breakdown.deductions")
    total = _amount(source="breakdown.total")
    grade = serializers.CharField(source="breakdown.grade", allow_null=True)
    band_grade = serializers.CharField(
        source="breakdown.band_grade",
        allow_null=True,
        help_text="The band holding the total, before minimums and the two-year rule.",
    )
    grade_reason = serializers.CharField(
        source="breakdown.grade_reason",
        help_text="In words, why grade differs from band_grade (a minimum not met, the two-year rule); empty if not.",
    )
    missing = ShortfallSerializer(many=True, source="breakdown.missing")
    locked_quarter = serializers.IntegerField(
        allow_null=True, help_text="A locked year: the figures are this quarter's locked snapshot (null: live)."
    )

    grade_reason = serializers.SerializerMethodField(
        help_text="Why the grade is not the band's (minimums, two years running), in words; empty when it is."
    )
    still_needed = serializers.SerializerMethodField(
        help_text="The minimum yearly requirements not met, in words (还差：提交提案或报送社情民意信息 1 件)."
    )
    period_points = serializers.SerializerMethodField(
        help_text="With a quarter: what that quarter's lines add after the caps (the totals stay year to date); "
        "null for the whole year."
    )

    def get_access(self, record) -> str:
        return self.context["access"].value

    def get_grade_reason(self, record) -> str:
        from .record_page import grade_reason

        return "" if record.locked_quarter else grade_reason(record.breakdown, record.book)

    def get_still_needed(self, record) -> list[str]:
        from .record_page import missing_lines

        return missing_lines(record.breakdown)

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True))
    def get_period_points(self, record) -> str | None:
        from .record_page import lines_points

        return str(lines_points(record.lines)[0]) if record.quarter else None

    def to_representation(self, record):
        data = super().to_representation(record)
        if self.context["access"].value != "full":
            data.pop("lines")
        return data


class PeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    quarter = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)

    def validate(self, attrs):
        attrs.setdefault("year", timezone.localdate().year)
        return attrs


class RollupRunSerializer(ScopedModelSerializer):
    class Meta:
        model = RollupRun
        fields = [
            "id",
            "committee",
            "year",
            "quarter",
            "status",
            "is_stale",
            "members_done",
            "created_at",
            "started_at",
            "finished_at",
            "error",
        ]


class StartRollupSerializer(serializers.Serializer):
    # A committee the caller sees (another is a 400 on the field); whether they may run it is the service's (403).
    committee = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all(), label=_("committee"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class AssessmentQuerySerializer(serializers.Serializer):
    committee = IdField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class AssessmentRowSerializer(ScopedModelSerializer):
    """One member's row: the figures of the row's quarter alone (``quarter_*``) and of the year from 1 January
    to that quarter's end (``year_to_date_*``), never one mixed with the other."""

    rank = serializers.IntegerField(help_text="1 for the highest year-to-date total; ties share a rank.")
    member_name = serializers.CharField(source="member.name")
    quarter = serializers.IntegerField(
        help_text="The latest quarter rolled up: the period of the quarter_* fields "
        "and the end of the year_to_date_* ones."
    )
    quarter_points_by_category = serializers.DictField(
        source="points_by_category",
        child=_amount(),
        help_text="Points per category earned in the quarter alone (its lines dated in the quarter).",
    )
    quarter_total = _amount(
        source="points", help_text="Points earned in the quarter alone: the sum of quarter_points_by_category."
    )
    year_to_date_points_by_category = serializers.DictField(
        source="ytd_points_by_category",
        child=_amount(),
        help_text="Points per category from 1 January to the quarter's end, before the yearly caps.",
    )
    year_to_date_points = serializers.SerializerMethodField(
        help_text="The sum of year_to_date_points_by_category: what the year's lines add up to."
    )
    year_to_date_total = _amount(
        source="ytd_total",
        help_text="The year-to-date score the rank and grade use: the "
        "base, plus the year's points after the category and "
        "bonus caps, less deductions.",
    )
    year_to_date_grade = serializers.CharField(
        source="ytd_grade", help_text="The grade of year_to_date_total; empty: no band applies."
    )
    missing = serializers.SerializerMethodField(help_text="Yearly minimums not met by the quarter's end.")

    class Meta:
        model = MemberSnapshot
        fields = [
            "rank",
            "member",
            "member_name",
            "year",
            "quarter",
            "quarter_points_by_category",
            "quarter_total",
            "year_to_date_points_by_category",
            "year_to_date_points",
            "year_to_date_total",
            "year_to_date_grade",
            "missing",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=9, decimal_places=2))
    def get_year_to_date_points(self, snapshot) -> str:
        total = sum((Decimal(str(v)) for v in snapshot.ytd_points_by_category.values()), Decimal(0))
        return f"{total:.2f}"

    def get_missing(self, snapshot) -> list[dict]:
        return [{**m, "kind_label": _label(m["kind"])} for m in snapshot.missing]


class GroupRankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    group = serializers.IntegerField(source="group_id")
    group_name = serializers.CharField(source="group__name")
    points = _amount(source="year_points")
    activities_present = serializers.IntegerField(source="year_activities")
    three_enters = serializers.IntegerField(source="year_three_enters")
    proposals = serializers.IntegerField(source="year_proposals")
    reports = serializers.IntegerField(source="year_reports")


class GroupSettlementSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    group = serializers.IntegerField(source="group_id")
    group_name = serializers.CharField()
    points = _amount()
    members = serializers.IntegerField()
    filed_activities = serializers.IntegerField()
    is_award_candidate = serializers.BooleanField()
    funding = _amount()


class RuleSetSerializer(ScopedModelSerializer):
    class Meta:
        model = RuleSet
        fields = [
            "id",
            "committee",
            "year",
            "name",
            "base_score",
            "bonus_cap",
            "is_locked",
            "award_top_n",
            "award_min_points",
            "funding_per_member",
            "funding_per_filed_activity",
            "funding_cap",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RuleSetFromPresetSerializer(serializers.Serializer):
    committee = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all(), label=_("committee"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    preset = serializers.ChoiceField(choices=preset_choices())


class RuleSetCopySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="The year of the copy.")
