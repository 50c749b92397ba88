"""Excel exports of the assessments app (openpyxl, written row by row).

The annual workbook holds every table staff and leaders work with: the assessment (grades, minimums not met),
the members below the minimum requirements, the ranking of members and of groups, the award candidates and the
funding settlement. Members' phone numbers follow ``core.privacy``: in full for the committee's staff, masked
for leaders (except the members of groups they convene themselves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.exports import Workbook
from core.ordinals import quarter_label

from .kinds import missing_text

RANK_WIDTH, NAME_WIDTH, NUMBER_WIDTH, TEXT_WIDTH = 7, 16, 12, 36


def _missing_texts():
    """``missing_text`` of a row, worked out once per distinct set of minimums not met: a committee's 16,666 rows
    share a few dozen, and each text costs some 40 translation look-ups."""
    texts: dict[tuple, str] = {}

    def text(row) -> str:
        key = tuple((m["kind"], m["actual"], m["required"], m.get("group") or "") for m in row.missing)
        found = texts.get(key)
        if found is None:
            found = texts[key] = missing_text(row.missing)
        return found

    return text


def _sheet(book, title: str, headers: list[str], widths: list[int]):
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    return sheet


def _bytes(book) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Export:
    """A workbook and what the audit record says about it."""

    content: bytes
    rows: int
    masked: bool
    sheets: list[str] = field(default_factory=list)


def _assessment_sheet(book, rows, phone, missing) -> None:
    """One line per member: rank, name, sector, quarter, year-to-date total, grade, minimums not met, phone."""
    sheet = _sheet(
        book,
        _("Annual assessment"),
        [
            pgettext("assessment", "rank"),
            _("member"),
            _("sector"),
            _("quarter"),
            _("year-to-date total"),
            _("grade"),
            _("minimums not met"),
            _("mobile phone"),
        ],
        [RANK_WIDTH, NAME_WIDTH, NAME_WIDTH, 8, NUMBER_WIDTH, 10, TEXT_WIDTH, 15],
    )
    sheet.extend(
        [
            row.rank,
            row.member.name,
            str(row.member.sector),
            row.quarter,
            row.ytd_total,
            row.ytd_grade,
            missing(row),
            phone(row.member),
        ]
        for row in rows
    )


def _below_sheet(book, rows, phone, missing) -> None:
    sheet = _sheet(
        book,
        _("Below the minimum requirements"),
        [_("member"), _("sector"), _("minimums not met"), _("year-to-date total"), _("grade"), _("mobile phone")],
        [NAME_WIDTH, NAME_WIDTH, TEXT_WIDTH, NUMBER_WIDTH, 10, 15],
    )
    sheet.extend(
        [
            row.member.name,
            str(row.member.sector),
            missing(row),
            row.ytd_total,
            row.ytd_grade,
            phone(row.member),
        ]
        for row in rows
        if row.missing
    )


def _member_ranking_sheet(book, rows, points) -> None:
    quarters = [_("%(quarter)s points") % {"quarter": quarter_label(q)} for q in (1, 2, 3, 4)]
    sheet = _sheet(
        book,
        _("Ranking of members"),
        [pgettext("assessment", "rank"), _("member"), _("sector"), *quarters, _("year-to-date total"), _("grade")],
        [RANK_WIDTH, NAME_WIDTH, NAME_WIDTH, *[NUMBER_WIDTH] * 4, NUMBER_WIDTH, 10],
    )
    none: dict = {}
    sheet.extend(
        [
            row.rank,
            row.member.name,
            str(row.member.sector),
            *[points.get(row.member_id, none).get(q) for q in (1, 2, 3, 4)],
            row.ytd_total,
            row.ytd_grade,
        ]
        for row in rows
    )


def _group_ranking_sheet(book, ranking) -> None:
    sheet = _sheet(
        book,
        _("Ranking of groups"),
        [
            pgettext("assessment", "rank"),
            _("group"),
            _("points"),
            _("activities attended"),
            _("three-enters activities"),
            _("proposals submitted"),
            _("reports submitted"),
        ],
        [RANK_WIDTH, 24, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH],
    )
    sheet.extend(
        [
            g["rank"],
            g["group__name"],
            g["year_points"],
            g["year_activities"],
            g["year_three_enters"],
            g["year_proposals"],
            g["year_reports"],
        ]
        for g in ranking
    )


def _award_sheet(book, groups, locked: bool) -> None:
    sheet = _sheet(
        book,
        _("Award candidates"),
        [
            pgettext("assessment", "rank"),
            _("group"),
            _("points"),
            pgettext("assessment", "members"),
            _("filed activities"),
        ],
        [RANK_WIDTH, 24, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH],
    )
    sheet.extend(
        [g.rank, g.group_name, g.points, g.members, g.filed_activities] for g in groups if g.is_award_candidate
    )
    sheet.append([])
    sheet.append([_("Settled: the year is locked.") if locked else _("Provisional: the year is not locked.")])


def _funding_sheet(book, groups, locked: bool) -> None:
    """One line per group: rank, points, members, filed activities, award candidate, funding."""
    sheet = _sheet(
        book,
        _("Group funding"),
        [
            pgettext("assessment", "rank"),
            _("group"),
            _("points"),
            pgettext("assessment", "members"),
            _("filed activities"),
            _("award candidate"),
            _("funding"),
        ],
        [RANK_WIDTH, 24, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH, 10, NUMBER_WIDTH],
    )
    yes = _("yes")
    sheet.extend(
        [
            g.rank,
            g.group_name,
            g.points,
            g.members,
            g.filed_activities,
            yes if g.is_award_candidate else "",
            g.funding,
        ]
        for g in groups
    )
    sheet.append([])
    sheet.append(["", _("Total"), "", "", "", "", sum((g.funding for g in groups), start=0)])
    sheet.append([_("Settled: the year is locked.") if locked else _("Provisional: the year is not locked.")])


def annual_workbook(*, rows, quarter_points, group_ranking, groups, locked: bool, policy) -> Export:
    """The year's assessment in six sheets. ``rows``: the member snapshots ranked (``rank``, ``member_id``,
    ``member`` with ``pk``, ``name``, ``sector``, ``phone`` and ``committee_id``, ``quarter``, ``ytd_total``,
    ``ytd_grade``, ``missing``); ``policy`` is a ``groups.privacy.ContactPolicy`` for the exporting user."""
    rows = list(rows)
    book = Workbook(write_only=True)
    missing = _missing_texts()
    _assessment_sheet(book, rows, policy.phone, missing)
    _below_sheet(book, rows, policy.phone, missing)
    _member_ranking_sheet(book, rows, quarter_points)
    _group_ranking_sheet(book, group_ranking)
    _award_sheet(book, groups, locked)
    _funding_sheet(book, groups, locked)
    masked = any(row.member.phone and not policy.sees(row.member) for row in rows)
    return Export(_bytes(book), len(rows), masked, [s.title for s in book.worksheets])


def funding_workbook(groups, locked: bool, links: dict | None = None) -> bytes:
    """The groups' settlement alone; ``links`` ({group id: (members link, filed activities link)}): a second sheet
    with the list behind each count, where the count's rows can be listed (a year not locked)."""
    book = Workbook(write_only=True)
    _funding_sheet(book, groups, locked)
    if links:
        sheet = _sheet(
            book, _("Rows behind the figures"), [_("group"), _("figure"), _("count"), _("link")], [24, 16, 10, 80]
        )
        members_label, filed_label = pgettext("assessment", "members"), _("filed activities")
        sheet.extend(
            row
            for g in groups
            for row in (
                [g.group_name, members_label, g.members, links[g.group_id][0]],
                [g.group_name, filed_label, g.filed_activities, links[g.group_id][1]],
            )
        )
    return _bytes(book)


def unit_sheet_labels() -> list[tuple[str, str]]:
    """(field, label) of each row of a unit's evaluation sheet, in order."""
    return [
        ("assigned", _("Proposals assigned as lead unit")),
        ("replied", _("Proposals replied")),
        ("on_time", _("Proposals replied on time")),
        ("late", _("Proposals replied late")),
        ("overdue", _("Proposals overdue now")),
        ("rated", _("Replies rated by the members")),
        ("rated_satisfied", _("Rated satisfied")),
        ("rated_basic", _("Rated basically satisfied")),
        ("rated_unsatisfied", _("Rated unsatisfied")),
        ("implemented", _("Proposals implemented")),
        ("closed", _("Proposals closed")),
        ("outcomes", _("Consultation outcomes handed to the unit")),
        ("outcomes_replied", _("Consultation outcomes replied")),
        ("outcomes_on_time", _("Consultation outcomes replied on time")),
        ("outcomes_overdue", _("Consultation outcomes overdue now")),
    ]


def unit_sheet_workbook(sheets, committee_name: str, year: int) -> bytes:
    """The handling units' yearly evaluation 承办单位年度考评表: a summary sheet with one row per unit, then one
    sheet per unit (titled with its name) of label/value rows. Every value a number."""
    from .unit_sheet import sheet_titles

    labels = unit_sheet_labels()
    book = Workbook()
    book.remove(book.active)
    summary_title = _("Summary")
    summary = _sheet(
        book,
        summary_title,
        [_("handling unit"), *[label for _key, label in labels]],
        [NAME_WIDTH * 2, *[NUMBER_WIDTH] * len(labels)],
    )
    summary.extend([row.name, *[getattr(row, key) for key, _label in labels]] for row in sheets)
    for row, title in zip(sheets, sheet_titles([s.name for s in sheets], taken=(summary_title,)), strict=True):
        sheet = book.create_sheet(title)
        sheet.column_dimensions["A"].width = TEXT_WIDTH
        sheet.column_dimensions["B"].width = NUMBER_WIDTH
        sheet.append([_("Handling unit yearly evaluation"), year])
        sheet.append([_("committee"), committee_name])
        sheet.append([_("handling unit"), row.name])
        for key, label in labels:
            sheet.append([label, getattr(row, key)])
    return _bytes(book)
