"""The duty-record PDF prints user text literally: markup is never interpreted, ReportLab fetches no URL and
reads no file (issue 14, item 1)."""

from __future__ import annotations

import http.server
import sys
import threading

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.kinds import EventKind as K
from assessments.services import ruleset_create_from_preset
from tests.assessments.helpers import ev

pytestmark = pytest.mark.django_db

_opened: list[str] | None = None  # paths opened while a test listens (an audit hook cannot be removed)


def _audit(event, args):
    if _opened is not None and event == "open" and isinstance(args[0], str):
        _opened.append(args[0])


sys.addaudithook(_audit)


@pytest.fixture
def opened():
    global _opened
    _opened = []
    yield _opened
    _opened = None


@pytest.fixture
def web():
    """A local HTTP server that records every request (the internal address an attacker would aim at)."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.fixture
def secret_png(tmp_path):
    from tests.groups.factories import png_bytes

    path = tmp_path / "secret-on-the-server.png"
    path.write_bytes(png_bytes())
    return str(path)


def _hostile_record(world, monkeypatch, titles, name):
    ruleset_create_from_preset(committee=world.district, year=2026, preset="tongcheng", actor=None)
    member = world.member_record
    member.name = name
    member.save(update_fields=["name"])
    rows = [
        (
            member.pk,
            ev(
                K.PROPOSAL_SUBMITTED,
                2,
                day + 1,
                role="first_author",
                source=("proposals.proposal", day + 1),
                title=title,
            ),
        )
        for day, title in enumerate(titles)
    ]

    def fake(committee, start, end, *, member_ids=None):
        return iter(r for r in rows if start <= r[1].on <= end and (member_ids is None or r[0] in member_ids))

    monkeypatch.setattr(selectors, "duty_events", fake)


def _text(content: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(content)
    text = "".join(pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))).replace("\r\n", "")
    # pdfium reads a hyphen that ends a wrapped line as a soft hyphen (U+0002): where a path wraps depends on the
    # temporary directory's length (under xdist, "popen-gw0" put the line break after "secret-")
    return text.replace("\x02", "-")


def test_hostile_titles_and_names_print_literally_and_fetch_nothing(
    world, client_for, monkeypatch, web, opened, secret_png
):
    url, hits = web
    opened.clear()  # the fixtures wrote the file
    titles = [
        f'<img src="{url}/ssrf.png"/>',
        f"<img src='{secret_png}'/>",
        "a<b",
        "<b>粗</b>",
        "R&D & co",
        "x\ud800y",
        "<font name=Courier>f</font>",
        "&lt;already&gt;",
        "\x00nul",
    ]
    _hostile_record(world, monkeypatch, titles, name="<i>张</i>&三")
    world.district.name = "<u>东湖</u>区政协"
    world.district.save(update_fields=["name"])

    response = client_for(world.member).get(reverse("assessments:my_record_pdf"), {"year": 2026})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hits == [], "ReportLab fetched a URL from user text"
    assert secret_png not in opened, "ReportLab read a file named in user text"
    text = _text(response.content)
    for literal in [
        f'<img src="{url}/ssrf.png"/>',
        f"<img src='{secret_png}'/>",
        "a<b",
        "<b>粗</b>",
        "R&D & co",
        "x\ufffdy",
        "<font name=Courier>f</font>",
        "&lt;already&gt;",
        "\ufffdnul",
        "<i>张</i>&三的履职档案",
        "<u>东湖</u>区政协",
    ]:
        # without white space: a cell wraps a long title at a space, and where depends on the temporary path's length
        assert "".join(literal.split()) in "".join(text.split()), literal


@pytest.mark.parametrize(
    "source",
    [
        "{url}/direct.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "{png}",
        "file://{png}",
        "/etc/passwd",
        "/usr/share/fonts/../../../etc/passwd",
        "file:/etc/passwd",
    ],
)
def test_reportlab_reads_no_url_and_no_file_even_when_markup_gets_through(web, opened, secret_png, source):
    from io import BytesIO

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

    url, hits = web
    opened.clear()  # the fixtures wrote the file
    src = source.format(url=url, png=secret_png)
    for flowable in (
        lambda: Paragraph(f'<img src="{src}" width="10" height="10"/>', getSampleStyleSheet()["Normal"]),
        lambda: Image(src),
    ):
        with pytest.raises(Exception, match="may not|Cannot open|untrusted"):
            SimpleDocTemplate(BytesIO()).build([flowable()])
    assert hits == [] and src not in opened and secret_png not in opened


def test_the_fonts_and_reportlabs_own_data_still_open(opened):
    from assessments.pdf import FONT_FILES
    from core.pdf import _guarded_open_for_read

    for path in FONT_FILES:
        if path.exists():
            _guarded_open_for_read(str(path), "rb").close()
    import reportlab

    _guarded_open_for_read(f"{reportlab.__path__[0]}/fonts/00readme.txt", "b").close()
    assert any(p.endswith("00readme.txt") for p in opened)
