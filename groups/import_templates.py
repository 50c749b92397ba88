"""The downloadable Excel template of a spreadsheet import: the columns the import reads, in the user's language,
with drop-down lists (data validation) of the values the staff's committees accept, and an example row.

The first sheet is the one the import reads, so it holds only the header: the example row sits on a second
sheet (an example left on the first sheet would be imported as a real row). The lists are on a hidden third
sheet, referred to by range (Excel caps a list typed into the rule at 255 characters). Built on
``core.exports.Workbook``: a name that starts like a formula is written as text.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import Workbook

TEMPLATE_ROWS = 2000  # rows the drop-down lists cover below the header
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template_workbook(resource) -> bytes:
    """The template of ``resource`` (a ``groups.resources.TemplateMixin`` resource made with the staff user)."""
    fields = list(resource.get_import_fields())
    headers = [str(f.column_name) for f in fields]
    choices, example = resource.template_choices(), resource.example_row()
    optional = set(getattr(resource, "optional_columns", ()))

    book = Workbook()
    data = book.active
    data.title = _("Data")
    data.append(headers)
    guide = book.create_sheet(_("Example and notes"))
    guide.append(headers)
    guide.append([example.get(_key(f), "") for f in fields])
    guide.append([])
    guide.append([_("Fill in the first sheet from its second row on, one row per record; keep the header row.")])
    guide.append([_("Columns with a drop-down list accept only its values.")])
    if optional:
        guide.append(
            [
                _("Optional columns: %(cols)s")
                % {"cols": "、".join(str(f.column_name) for f in fields if f.attribute in optional)}
            ]
        )
    lists = book.create_sheet(_("Lists"))
    lists.sheet_state = "hidden"
    for index, field in enumerate(fields, start=1):
        letter = get_column_letter(index)
        for sheet in (data, guide):
            sheet.column_dimensions[letter].width = max(12, len(headers[index - 1]) * 2 + 4)
            sheet[f"{letter}1"].font, sheet[f"{letter}1"].fill = _HEADER_FONT, _HEADER_FILL
        values = choices.get(_key(field)) or []
        if not values:
            continue
        lists.cell(row=1, column=index, value=headers[index - 1])
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value)
        source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(values) + 1}"
        rule = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=headers[index - 1],
            error=_("Choose a value from the list."),
        )
        rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        data.add_data_validation(rule)
    data.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _key(field) -> str:
    """The resource field's name as ``template_choices`` and ``example_row`` use it (the model attribute,
    or the declared name for an import-only column such as ``import_group``)."""
    return {"import_group": "group"}.get(field.attribute, field.attribute)
