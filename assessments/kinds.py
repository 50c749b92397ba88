"""The vocabulary of duty events 履职事项 that point rules price.

A source (attendance, proposals, reports, consultations) reports each fact as a ``DutyEvent`` of one
of these kinds, always the most specific one it knows (a service activity, a report adopted at city
level, the first author of a joint proposal). ``PRICING`` says which rule kinds price such an event:
the slots of an event add up, and within a slot the first kind the rule set has a rule for wins.
So "any activity 5" prices every attended activity unless a rule for its type exists, while a report
adopted at city level earns the "adopted" points *and* the city-level bonus (合肥: 10 + 6).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    ACTIVITY_PRESENT = "activity_present", _("Activity attended (any type)")
    ACTIVITY_STUDY = "activity_study", _("Study activity attended")
    ACTIVITY_INSPECTION = "activity_inspection", _("Inspection attended")
    ACTIVITY_RESEARCH = "activity_research", _("Research activity attended")
    ACTIVITY_CONSULTATION = "activity_consultation", _("Consultation activity attended")
    ACTIVITY_SUPERVISION = "activity_supervision", _("Democratic supervision activity attended")
    ACTIVITY_SERVICE = "activity_service", _("Service activity attended")
    ACTIVITY_RECEPTION = "activity_reception", _("Reception day attended")
    ACTIVITY_VISIT = "activity_visit", _("Visit attended")
    ACTIVITY_THREE_ENTERS = "activity_three_enters", _("Three-enters activity attended")
    ACTIVITY_EXCUSED = "activity_excused", _("Activity missed with leave")
    ACTIVITY_ABSENT = "activity_absent", _("Activity missed without leave")
    PLENARY_PRESENT = "plenary_present", _("Plenary session attended (per half-day)")
    PLENARY_EXCUSED = "plenary_excused", _("Plenary session missed with leave (per half-day)")
    PLENARY_ABSENT = "plenary_absent", _("Plenary session missed without leave (per half-day)")
    PROPOSAL_SUBMITTED = "proposal_submitted", _("Proposal submitted")
    PROPOSAL_FILED_LEAD = "proposal_filed_lead", _("Proposal filed, as lead author")
    PROPOSAL_JOINT_FIRST = "proposal_joint_first", _("Joint proposal filed, as first author")
    PROPOSAL_FILED_COSIGNER = "proposal_filed_cosigner", _("Proposal filed, as co-signer or other joint author")
    PROPOSAL_KEY_LEAD = "proposal_key_lead", _("Key proposal bonus, lead author")
    PROPOSAL_KEY_COSIGNER = "proposal_key_cosigner", _("Key proposal bonus, co-signer")
    PROPOSAL_EXCELLENT_LEAD = "proposal_excellent_lead", _("Excellent proposal bonus, lead author")
    PROPOSAL_EXCELLENT_COSIGNER = "proposal_excellent_cosigner", _("Excellent proposal bonus, co-signer")
    REPORT_SUBMITTED = "report_submitted", _("Public-opinion report submitted")
    REPORT_ADOPTED = "report_adopted", _("Public-opinion report adopted (any level)")
    REPORT_ADOPTED_NATIONAL = "report_adopted_national", _("Report adopted by the national CPPCC (bonus)")
    REPORT_ADOPTED_PROVINCIAL = "report_adopted_provincial", _("Report adopted by the provincial CPPCC (bonus)")
    REPORT_ADOPTED_CITY = "report_adopted_city", _("Report adopted by the city CPPCC (bonus)")
    REPORT_ADOPTED_DISTRICT = "report_adopted_district", _("Report adopted by the district CPPCC (bonus)")
    REPORT_NOT_ADOPTED = "report_not_adopted", _("Public-opinion report not adopted")
    INSTRUCTION_NATIONAL = "instruction_national", _("Leader's written instruction, national level")
    INSTRUCTION_PROVINCIAL = "instruction_provincial", _("Leader's written instruction, provincial level")
    INSTRUCTION_CITY = "instruction_city", _("Leader's written instruction, city level")
    INSTRUCTION_DISTRICT = "instruction_district", _("Leader's written instruction, district level")
    CONSULTATION_PRESENT = "consultation_present", _("Consultation attended")
    PLATFORM_WORK = "platform_work", _("Work at a duty platform")
    CONSTITUENT_CONTACT = "constituent_contact", _("Contact with the sector's people recorded")
    ACTIVITY_SIGNUP = "activity_signup", _("Signed up for an open activity and attended")


class Role(models.TextChoices):
    """The member's part in a proposal or report, shown on the duty record."""

    LEAD = "lead", _("Lead author")
    FIRST_AUTHOR = "first_author", _("First author")
    CO_SIGNER = "co_signer", _("Co-signer")


class Share(models.TextChoices):
    """How a rule's points reach the authors of a joint proposal or report.

    Points fixed per role are rules on the role's own kind (lead, first author, co-signer) with ``FULL``.
    """

    FULL = "full", _("Each author gets the full points (fixed per role)")
    SPLIT = "split", _("Shared equally among the authors")
    COSIGNERS = "cosigners", _("Shared equally among the co-signers only")


class Rounding(models.TextChoices):
    """The step a rule's line is rounded to, half up (away from zero)."""

    CENT = "0.01", _("To 0.01")
    TENTH = "0.1", _("To 0.1")
    HALF = "0.5", _("To 0.5")
    WHOLE = "1", _("To whole points")


class ShortfallEffect(models.TextChoices):
    """What a member who misses a minimum yearly requirement gets."""

    NONE = "none", _("Nothing: the minimums are only shown")
    CAP = "cap", _("The grade is at most the grade named")
    FAIL = "fail", _("The grade named, whatever the total")


K = EventKind
_ACTIVITY_TYPES = (
    K.ACTIVITY_STUDY,
    K.ACTIVITY_INSPECTION,
    K.ACTIVITY_RESEARCH,
    K.ACTIVITY_CONSULTATION,
    K.ACTIVITY_SUPERVISION,
    K.ACTIVITY_SERVICE,
    K.ACTIVITY_RECEPTION,
    K.ACTIVITY_VISIT,
    K.ACTIVITY_THREE_ENTERS,
)
_ADOPTION_LEVELS = (
    K.REPORT_ADOPTED_NATIONAL,
    K.REPORT_ADOPTED_PROVINCIAL,
    K.REPORT_ADOPTED_CITY,
    K.REPORT_ADOPTED_DISTRICT,
)

PRICING: dict[str, tuple[tuple[str, ...], ...]] = {
    **{kind: ((kind, K.ACTIVITY_PRESENT),) for kind in _ACTIVITY_TYPES},
    **{kind: ((K.REPORT_ADOPTED,), (kind,)) for kind in _ADOPTION_LEVELS},
    K.PROPOSAL_JOINT_FIRST: ((K.PROPOSAL_JOINT_FIRST, K.PROPOSAL_FILED_LEAD),),
}


def pricing_of(kind: str) -> tuple[tuple[str, ...], ...]:
    """The slots of rule kinds that price an event of ``kind`` (see the module docstring)."""
    return PRICING.get(kind, ((kind,),))


def counts_as(kind: str) -> frozenset[str]:
    """Every rule kind an event of ``kind`` stands for, e.g. for minimum yearly requirements."""
    return frozenset(k for slot in pricing_of(kind) for k in slot)


def kind_label(kind: str) -> str:
    """An event kind in the user's words; a kind this version does not know is shown as it is."""
    label = _KIND_LABELS.get(kind)
    return kind if label is None else str(label)


# value -> lazy label, built once: ``EventKind.values`` builds a list of every member on each call (a duty
# record of 500 lines called it 1,400 times: a third of the page's Python)
_KIND_LABELS = {k.value: k.label for k in EventKind}


def missing_text(missing: list[dict]) -> str:
    """A snapshot's minimums not met (``[{"kind", "required", "actual"[, "group"]}, …]``) on one line:
    "参加活动（任一类型） 1/3；提交提案 0/1 或 提交社情民意 0/1" (the alternatives of one group joined by 或)."""
    from django.utils.translation import gettext

    parts: list[list[str]] = []
    groups: dict[str, list[str]] = {}
    for m in missing:
        text = f"{kind_label(m['kind'])} {m['actual']}/{m['required']}"
        group = m.get("group") or ""
        if not group:
            parts.append([text])
        elif group in groups:
            groups[group].append(text)
        else:
            groups[group] = [text]
            parts.append(groups[group])
    return "；".join(gettext(" or ").join(p) for p in parts)
