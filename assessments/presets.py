"""Four published point rules (DOMAIN.md, "Duty records and assessment"), ready to copy for a year.

Each preset is plain data. Where the published text leaves a choice open, the comment beside the
rule says how it is read here; staff can change any of it after copying. Grade bands were not
published with 闵行, 合肥 and 桐城: they get common example thresholds (优秀 ≥ 85,
称职 60–84, 不称职 < 60; 合肥, whose members start at 85, lines above its base), which the rule set's notes say.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .kinds import EventKind as K
from .kinds import Share
from .scoring import Band, Rule, RuleBook

D = Decimal
EXAMPLE_BANDS = (Band("优秀", D(85), None), Band("称职", D(60), D(85)), Band("不称职", None, D(60)))
EXAMPLE_BANDS_NOTE = "等次线为示例（优秀≥85，称职60–84，不称职<60），原办法未公布，请按本地规定修改。"
# 合肥 starts every member at 85, so the common example lines would grade a member with no duty done 优秀: its
# example lines stand above the base instead (优秀 at the base plus the activities' cap and a filed proposal's 15
# less a few points; below the base only after deductions).
HEFEI_BANDS = (Band("优秀", D(125), None), Band("称职", D(85), D(125)), Band("不称职", None, D(85)))
HEFEI_BANDS_NOTE = "等次线为示例（基本分85：优秀≥125，称职85–124，不称职<85），原办法未公布，请按本地规定修改。"


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    book: RuleBook
    notes: str = ""


def _rule(kind, points, category, **kw) -> Rule:
    return Rule(kind=kind, points=D(str(points)), category=category, **kw)


# 闵行: plenary 5 per half-day; any meeting or activity 5; filed proposal 15 lead / 3 each co-author;
# key +15/+3; excellent +10/+2; at least 3 activities, 1 proposal, 1 public-opinion report a year.
MINHANG = RuleBook(
    rules=(
        _rule(K.PLENARY_PRESENT, 5, "会议"),
        _rule(K.ACTIVITY_PRESENT, 5, "活动"),
        _rule(K.CONSULTATION_PRESENT, 5, "活动"),  # a consultation is one of "any meeting or activity"
        _rule(K.PROPOSAL_FILED_LEAD, 15, "提案"),  # also prices the first author of a joint proposal
        _rule(K.PROPOSAL_FILED_COSIGNER, 3, "提案"),
        _rule(K.PROPOSAL_KEY_LEAD, 15, "提案"),
        _rule(K.PROPOSAL_KEY_COSIGNER, 3, "提案"),
        _rule(K.PROPOSAL_EXCELLENT_LEAD, 10, "提案"),
        _rule(K.PROPOSAL_EXCELLENT_COSIGNER, 2, "提案"),
    ),
    minimums={K.ACTIVITY_PRESENT: 3, K.PROPOSAL_SUBMITTED: 1, K.REPORT_SUBMITTED: 1},
    bands=EXAMPLE_BANDS,
)

# 合肥: base 85; activities 7.5 each, at most 30; filed proposal 15 (joint: 10 first author, 5 others),
# each extra proposal +5 with the extras capped at 20; adopted report 10, each extra adopted +3,
# not adopted +1, reports capped at 20; adopted at city level or higher +6 (read as outside the
# report cap); unexcused plenary absence −10 per absence.
HEFEI = RuleBook(
    base=D(85),
    rules=(
        _rule(K.ACTIVITY_PRESENT, "7.5", "活动"),
        _rule(K.PROPOSAL_FILED_LEAD, 15, "提案"),
        _rule(K.PROPOSAL_FILED_LEAD, 5, "提案加分", nth_from=2),
        _rule(K.PROPOSAL_JOINT_FIRST, 10, "提案"),
        _rule(K.PROPOSAL_FILED_COSIGNER, 5, "提案"),
        _rule(K.REPORT_ADOPTED, 10, "社情民意"),
        _rule(K.REPORT_ADOPTED, 3, "社情民意", nth_from=2),
        _rule(K.REPORT_NOT_ADOPTED, 1, "社情民意"),
        _rule(K.REPORT_ADOPTED_CITY, 6, "市级以上采用"),
        _rule(K.REPORT_ADOPTED_PROVINCIAL, 6, "市级以上采用"),
        _rule(K.REPORT_ADOPTED_NATIONAL, 6, "市级以上采用"),
        _rule(K.PLENARY_ABSENT, -10, "纪律", per_unit=False),
    ),
    caps={"活动": D(30), "提案加分": D(20), "社情民意": D(20)},
    bands=HEFEI_BANDS,
)

# 济南: base 70 plus at most 50 bonus; unexcused plenary absence −30, excused −10 (per absence);
# service activity +2 each, at most 10; ≥ 85 优秀, 60–84 称职, below 60 a talk with the convener,
# below 60 two years running a talk with the committee (the grade 政协约谈).
JINAN = RuleBook(
    base=D(70),
    bonus_cap=D(50),
    rules=(
        _rule(K.PLENARY_ABSENT, -30, "纪律", per_unit=False),
        _rule(K.PLENARY_EXCUSED, -10, "纪律", per_unit=False),
        _rule(K.ACTIVITY_SERVICE, 2, "社会服务"),
    ),
    caps={"社会服务": D(10)},
    bands=(Band("优秀", D(85), None), Band("称职", D(60), D(85)), Band("约谈", None, D(60))),
    repeat_below=D(60),
    repeat_grade="政协约谈",
)

# 桐城: meetings 50 (30 on approved leave, 0 absent), once a year; proposals 10 for submitting plus 15
# if filed, shared by the co-authors, at most 25; activities 2 each, at most 10; reports 10 each
# plus 5 if adopted, at most 15.
TONGCHENG = RuleBook(
    rules=(
        _rule(K.PLENARY_PRESENT, 50, "会议", per_unit=False),
        _rule(K.PLENARY_EXCUSED, 30, "会议", per_unit=False),
        _rule(K.PLENARY_ABSENT, 0, "会议", per_unit=False),
        _rule(K.PROPOSAL_SUBMITTED, 10, "提案", share=Share.SPLIT),
        _rule(K.PROPOSAL_FILED_LEAD, 15, "提案", share=Share.SPLIT),
        _rule(K.PROPOSAL_FILED_COSIGNER, 15, "提案", share=Share.SPLIT),
        _rule(K.ACTIVITY_PRESENT, 2, "活动"),
        _rule(K.REPORT_SUBMITTED, 10, "社情民意"),
        _rule(K.REPORT_ADOPTED, 5, "社情民意"),
    ),
    caps={"会议": D(50), "提案": D(25), "活动": D(10), "社情民意": D(15)},
    bands=EXAMPLE_BANDS,
)

PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset("minhang", _("Minhang district rules"), MINHANG, EXAMPLE_BANDS_NOTE),
        Preset("hefei", _("Hefei city rules"), HEFEI, HEFEI_BANDS_NOTE),
        Preset("jinan", _("Jinan city rules"), JINAN),
        Preset("tongcheng", _("Tongcheng city rules"), TONGCHENG, EXAMPLE_BANDS_NOTE),
    )
}


def preset_choices() -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in PRESETS.values()]
