"""Every export of data leaves an audit record: who exported what, how many rows, in which format."""
from __future__ import annotations

from django.http import HttpResponse

from core.services import record_event

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    """An Excel workbook's bytes as a download named ``filename`` (with its .xlsx)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def record_export(request_or_user, what: str, rows: int | None = None, *, obj=None, file_format: str = "xlsx",
                  masked: bool | None = None) -> None:
    """Record an export in the audit log (``verb="export"``). ``obj`` is the record the export hangs on
    (default: the exporting user, so the event is found on their timeline)."""
    user = getattr(request_or_user, "user", request_or_user)
    data = {"what": what, "rows": rows, "format": file_format}
    if masked is not None:
        data["masked"] = masked
    record_event(obj if obj is not None else user, actor=user if getattr(user, "is_authenticated", False) else None,
                 verb="export", comment=what, data=data)
