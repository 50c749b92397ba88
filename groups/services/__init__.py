"""Writes on the organisation: imports and memberships. Each runs in a transaction with an audit row."""
from __future__ import annotations

from dataclasses import dataclass, field

import tablib
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.services import record_event

MAX_IMPORT_ROWS = 20000
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_UNZIPPED_BYTES = 60 * 1024 * 1024  # what the xlsx's parts may expand to (a zip bomb is refused)
MAX_IMPORT_ZIP_MEMBERS = 200


@dataclass
class RowError:
    row: int  # the spreadsheet row, counting the header as row 1
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message  # about the whole file, not one row
        where = _("Row %(row)s, column “%(column)s”") % {"row": self.row, "column": self.column} if self.column else _(
            "Row %(row)s"
        ) % {"row": self.row}
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_xlsx_archive(data: bytes) -> None:
    """An xlsx is a zip: refuse one whose parts would expand beyond ``MAX_IMPORT_UNZIPPED_BYTES`` (zip bomb)
    before openpyxl inflates anything. ``zipfile`` never returns more than a part's declared size, so the sum
    of the declared sizes bounds the memory the import can use."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DomainError(_("The file could not be read as %(format)s.") % {"format": "XLSX"}) from exc
    if len(parts) > MAX_IMPORT_ZIP_MEMBERS or sum(p.file_size for p in parts) > MAX_IMPORT_UNZIPPED_BYTES:
        raise DomainError(_("The file expands to more than %(mb)s MB when opened; it cannot be imported.")
                          % {"mb": MAX_IMPORT_UNZIPPED_BYTES // (1024 * 1024)})


def load_dataset(data: bytes, file_format: str) -> tablib.Dataset:
    """Read an uploaded table; any unreadable file becomes one clear error."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)})
    if file_format == "xlsx":
        check_xlsx_archive(data)
    try:
        if file_format == "csv":
            dataset = tablib.Dataset().load(data.decode("utf-8-sig"), format="csv")
        else:
            dataset = tablib.Dataset().load(data, format=file_format)
    except Exception as exc:  # tablib raises many kinds for a broken file
        raise DomainError(_("The file could not be read as %(format)s.") % {"format": file_format.upper()}) from exc
    if dataset.height > MAX_IMPORT_ROWS:
        raise DomainError(_("The file has more than %(n)s rows.") % {"n": MAX_IMPORT_ROWS})
    return dataset


def _collect_errors(resource, result) -> list[RowError]:
    columns = {f.attribute: str(f.column_name) for f in resource.get_import_fields()}
    errors: list[RowError] = []
    for invalid in result.invalid_rows:
        for attr, messages in invalid.error_dict.items():
            column = columns.get(attr, "" if attr == "__all__" else attr)
            errors.extend(RowError(invalid.number + 1, column, str(m)) for m in messages)
    for number, row_errors in result.row_errors():
        errors.extend(RowError(number + 1, "", str(e.error)) for e in row_errors)
    for error in result.base_errors:  # raised outside the rows, e.g. by a write after every row was checked
        errors.append(RowError(0, "", "；".join(getattr(error.error, "messages", [str(error.error)]))))
    return sorted(errors, key=lambda e: (e.row, e.column))


def table_import(*, resource_class, data: bytes, file_format: str, actor) -> ImportReport:
    """Import members or groups from a spreadsheet: every row is saved, or none is."""
    dataset = load_dataset(data, file_format)
    resource = resource_class(user=actor)
    expected = [str(f.column_name) for f in resource.get_import_fields()]
    missing = [c for c in expected if c not in (dataset.headers or [])]
    if missing:
        raise DomainError(_("Missing columns: %(cols)s") % {"cols": "、".join(missing)})
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
        report = ImportReport(created=result.totals.get("new", 0), errors=_collect_errors(resource, result))
        if report.errors:
            transaction.set_rollback(True)
            report.created = 0
            return report
        record_event(
            actor,
            actor=actor,
            verb="imported",
            comment=resource._meta.model._meta.verbose_name_plural,
            data={"rows": report.created, "model": resource._meta.model._meta.label},
        )
    return report
