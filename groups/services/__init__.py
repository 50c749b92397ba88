"""Writes on the organisation: imports and memberships. Each runs in a transaction with an audit row."""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.models import User
from core.services import not_an_api_action, record_event
from groups.access import scope_of
from groups.verbs import GroupsVerb

IMPORT_FORMATS = ("xlsx", "csv")  # the only formats read: no YAML, HTML, JSON or legacy xls
MAX_IMPORT_ROWS = 20000  # data rows
MAX_IMPORT_SHEET_ROWS = 2 * MAX_IMPORT_ROWS  # rows read in all, blank ones included (a stray cell far below)
MAX_IMPORT_COLUMNS = 50  # columns read; further ones are ignored
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_UNZIPPED_BYTES = 60 * 1024 * 1024  # what the xlsx's parts may expand to (a zip bomb is refused)
MAX_IMPORT_ZIP_MEMBERS = 200
MAX_IMPORT_PART_BYTES = 16 * 1024 * 1024  # any part but a sheet (shared strings, styles: parsed whole up front)
MAX_IMPORT_RATIO = 100  # a part over 1 MB that inflates more than this is a bomb, not a spreadsheet (~10-20)
MAX_IMPORT_SECONDS = 15  # reading the file; a legitimate 20,000-row sheet takes about 2 s


@dataclass
class RowError:
    row: int  # the spreadsheet row, counting the header as row 1
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message  # about the whole file, not one row
        where = (
            _("Row %(row)s, column “%(column)s”") % {"row": self.row, "column": self.column}
            if self.column
            else _("Row %(row)s") % {"row": self.row}
        )
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@not_an_api_action("reads an uploaded spreadsheet's archive before parsing; table_import and the import form call it")
def check_xlsx_archive(data: bytes) -> None:
    """An xlsx is a zip: refuse one whose parts would expand beyond ``MAX_IMPORT_UNZIPPED_BYTES`` (zip bomb), or
    inflate suspiciously (``MAX_IMPORT_RATIO``), before openpyxl inflates anything. ``zipfile`` never returns
    more than a part's declared size, so the sum of the declared sizes bounds the memory the import can use.
    Then count the sheets' rows in the raw XML (fast, in C): openpyxl parses a whole sheet that lacks a
    ``<dimension>`` before handing over its first row, which took a minute on a million rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            _check_parts(parts)
            for part in parts:
                if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                    _check_sheet_rows(archive, part)
    except DomainError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise DomainError(_("The file could not be read as %(format)s.") % {"format": "XLSX"}) from exc


def _check_parts(parts: Sequence[zipfile.ZipInfo]) -> None:
    too_big = _("The file expands to more than %(mb)s MB when opened; it cannot be imported.") % {
        "mb": MAX_IMPORT_UNZIPPED_BYTES // (1024 * 1024)
    }
    if len(parts) > MAX_IMPORT_ZIP_MEMBERS or sum(p.file_size for p in parts) > MAX_IMPORT_UNZIPPED_BYTES:
        raise DomainError(too_big)
    if any(p.file_size > MAX_IMPORT_PART_BYTES and not p.filename.startswith("xl/worksheets/") for p in parts):
        raise DomainError(too_big)  # shared strings and styles are read whole, before any row
    if any(p.file_size > 1024 * 1024 and p.file_size > MAX_IMPORT_RATIO * max(p.compress_size, 1) for p in parts):
        raise DomainError(
            _("The file is compressed more than %(n)s times over, as no spreadsheet is; it cannot be imported.")
            % {"n": MAX_IMPORT_RATIO}
        )


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _check_sheet_rows(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    rows, tail = 0, b""
    with archive.open(part) as stream:
        while chunk := stream.read(1024 * 1024):
            window = tail + chunk
            rows += len(_ROW_TAG.findall(window)) - len(_ROW_TAG.findall(tail))
            tail = window[-64:]
            if rows > MAX_IMPORT_SHEET_ROWS + 1:
                raise DomainError(
                    _("The sheet has more than %(n)s rows, counting blank ones; delete the rows below the data.")
                    % {"n": MAX_IMPORT_SHEET_ROWS}
                )


@not_an_api_action("reads an upload's format and size before parsing; table_import and the import form call it")
def check_upload(data: bytes, file_format: str) -> None:
    """The checks that need no parsing: the format, the size, the archive. Cheap: run them first."""
    if file_format not in IMPORT_FORMATS:
        raise DomainError(_("Only Excel (.xlsx) and CSV (.csv) files can be imported."))
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})
    if file_format == "xlsx":
        check_xlsx_archive(data)


class _Reader:
    """Rows of a sheet into a dataset, within the limits: data rows, rows read, columns, seconds.

    Blank rows are skipped but their numbers kept, so a message names the row Excel shows (the header is
    row 1). A formula is refused: the import reads values, and a cached result may be missing or stale.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.deadline = now() + MAX_IMPORT_SECONDS
        self.headers: list[str] | None = None
        self.rows: list[list[Any]] = []
        self.numbers: list[int] = []

    def add(self, number: int, values: Iterable[Any]) -> None:
        if number > MAX_IMPORT_SHEET_ROWS + 1:
            raise DomainError(
                _("The sheet has more than %(n)s rows, counting blank ones; delete the rows below the data.")
                % {"n": MAX_IMPORT_SHEET_ROWS}
            )
        if number % 256 == 0 and self.now() > self.deadline:
            raise DomainError(
                _("Reading the file took more than %(s)s seconds; it cannot be imported.") % {"s": MAX_IMPORT_SECONDS}
            )
        values = list(values)[:MAX_IMPORT_COLUMNS]
        if self.headers is None:
            while values and values[-1] in (None, ""):
                values.pop()
            self.headers = ["" if v is None else str(v).strip() for v in values]
            self._check_formulas(number, values)
            return
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            return
        self._check_formulas(number, values)
        if len(self.rows) >= MAX_IMPORT_ROWS:
            raise DomainError(_("The file has more than %(n)s rows.") % {"n": MAX_IMPORT_ROWS})
        width = len(self.headers)
        self.rows.append((values + [None] * width)[:width])
        self.numbers.append(number)

    def _check_formulas(self, number: int, values: Sequence[Any]) -> None:
        from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

        for index, value in enumerate(values):
            if isinstance(value, ArrayFormula | DataTableFormula) or (isinstance(value, str) and value.startswith("=")):
                column = (
                    self.headers[index]
                    if self.headers and index < len(self.headers) and self.headers[index]
                    else _column_letter(index)
                )
                raise DomainError(str(RowError(number, column, _("The cell holds a formula; enter values only."))))

    def dataset(self) -> tablib.Dataset:
        dataset = tablib.Dataset(*self.rows, headers=self.headers or [])
        dataset.excel_rows = self.numbers  # the spreadsheet row of each data row, for messages
        return dataset


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _read_xlsx(data: bytes, reader: _Reader) -> None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = book.active or book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_IMPORT_COLUMNS, values_only=True), start=1):
            reader.add(number, values)
    finally:
        book.close()


def _read_csv(data: bytes, reader: _Reader) -> None:
    import csv

    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(_("The file could not be read as %(format)s.") % {"format": "CSV"})
    for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        reader.add(number, [v if v != "" else None for v in values])


@not_an_api_action("reads an uploaded table into rows (no write); table_import calls it")
def load_dataset(data: bytes, file_format: str) -> tablib.Dataset:
    """Read an uploaded table within the limits; any unreadable or hostile file becomes one clear error."""
    check_upload(data, file_format)
    reader = _Reader()
    try:
        (_read_xlsx if file_format == "xlsx" else _read_csv)(data, reader)
        dataset = reader.dataset()
    except DomainError:
        raise
    except Exception as exc:  # openpyxl and csv raise many kinds for a broken file
        raise DomainError(_("The file could not be read as %(format)s.") % {"format": file_format.upper()}) from exc
    return dataset


def _column_label(resource: Any, attr: str, columns: dict[str, str]) -> str:
    """A field's column as the sheet names it (in the user's language); a model field outside the sheet by
    its verbose name; a whole-row error by none."""
    if attr == "__all__":
        return ""
    if attr in columns:
        return columns[attr]
    try:
        return str(resource._meta.model._meta.get_field(attr).verbose_name)
    except Exception:  # not a model field: say nothing rather than an attribute name
        return ""


def _collect_errors(resource: Any, result: Any, excel_rows: Sequence[int] | None = None) -> list[RowError]:
    columns = {f.attribute: str(f.column_name) for f in resource.get_import_fields()}

    def row(number: int) -> int:  # import-export counts data rows from 1; the sheet counts the header as row 1
        if excel_rows and 0 < number <= len(excel_rows):
            return excel_rows[number - 1]
        return number + 1

    errors: list[RowError] = []
    for invalid in result.invalid_rows:
        for attr, messages in invalid.error_dict.items():
            column = _column_label(resource, attr, columns)
            errors.extend(RowError(row(invalid.number), column, str(m)) for m in messages)
    for number, row_errors in result.row_errors():
        errors.extend(RowError(row(number), "", str(e.error)) for e in row_errors)
    for error in result.base_errors:  # raised outside the rows, e.g. by a write after every row was checked
        errors.append(RowError(0, "", "；".join(getattr(error.error, "messages", [str(error.error)]))))
    return sorted(errors, key=lambda e: (e.row, e.column))


def table_import(*, resource_class: type[Any], data: bytes, file_format: str, actor: User) -> ImportReport:
    """Import rows (members, groups, contact points, units, holidays …) from a spreadsheet: every row is saved,
    or none is. A resource's ``optional_columns`` may be missing from the file. The rows reach only the actor's
    committees (the resource's widgets); new members mark their committees' roll-ups stale, as a member saved in
    the admin does."""
    if not scope_of(actor).is_superuser and not scope_of(actor).staff_committee_ids:
        raise NotPermitted(_("Only the committee's secretariat staff may change its members and groups."))
    dataset = load_dataset(data, file_format)
    resource = resource_class(user=actor)
    optional = set(getattr(resource, "optional_columns", ()))
    expected = [str(f.column_name) for f in resource.get_import_fields() if f.attribute not in optional]
    missing = [c for c in expected if c not in (dataset.headers or [])]
    if missing:
        raise DomainError(_("Missing columns: %(cols)s") % {"cols": "、".join(missing)})
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
        report = ImportReport(
            created=result.totals.get("new", 0),
            errors=_collect_errors(resource, result, getattr(dataset, "excel_rows", None)),
        )
        if report.errors:
            transaction.set_rollback(True)
            report.created = 0
            return report
        from groups.services.records import rows_imported

        rows_imported(resource._meta.model, [row.object_id for row in result.rows if row.object_id is not None])
        record_event(
            actor,
            actor=actor,
            verb=GroupsVerb.IMPORTED,
            comment=resource._meta.model._meta.verbose_name_plural,
            data={"rows": report.created, "model": resource._meta.model._meta.label},
        )
    return report
