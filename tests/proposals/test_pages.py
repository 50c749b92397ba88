"""The pages: who may open what, forms that refuse bad input, fixed query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import CoSigner, OpinionReport, Proposal, Reply
from tests import factories as f
from tests.proposals.factories import ProposalFactory, pdf_upload

pytestmark = pytest.mark.django_db
S = Proposal.State

PAGES = ["mine", "create", "review", "list", "overdue", "figures", "figures_xlsx", "unit", "reports", "report_create"]
ALLOWED = {
    "member": {"mine", "create", "report_create"},
    "convener": {"mine", "create", "report_create"},
    "staff": {"review", "list", "overdue", "figures", "figures_xlsx", "reports"},
    "district_staff": {"review", "list", "overdue", "figures", "figures_xlsx", "reports"},
    "leader": {"list", "figures", "figures_xlsx", "reports"},
    "unit_user": {"unit"},
    "outsider_member": {"mine", "create", "report_create"},
}


def user(world, who):
    obj = getattr(world, who)
    return getattr(obj, "user", None) or obj if who == "outsider_member" else obj


@pytest.mark.parametrize("who", sorted(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_only_for_its_roles(world, client_for, who, page):
    status = client_for(user(world, who)).get(reverse(f"proposals:{page}")).status_code
    assert status == (200 if page in ALLOWED[who] else 403)


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get(reverse("proposals:mine")).status_code == 302


@pytest.mark.parametrize(
    ("who", "state", "sees"),
    [
        ("member", S.DRAFT, True),
        ("convener", S.DRAFT, False),
        ("staff", S.DRAFT, True),
        ("convener", S.SUBMITTED, False),
        ("convener", S.FILED, True),
        ("outsider_member", S.FILED, False),
        ("other_staff", S.FILED, False),
        ("district_staff", S.SUBMITTED, True),
        ("unit_user", S.FILED, False),
        ("leader", S.SUBMITTED, True),
    ],
)
def test_the_proposal_page_follows_the_visibility_rules(world, client_for, walk, who, state, sees):
    p = {S.DRAFT: walk.draft, S.SUBMITTED: walk.submitted, S.FILED: walk.filed}[state]()
    status = client_for(user(world, who)).get(reverse("proposals:detail", args=[p.pk])).status_code
    assert status == (200 if sees else 403)


def test_a_unit_sees_only_what_is_assigned_to_it(world, client_for, walk):
    p = walk.assigned()
    assert client_for(world.unit_user).get(reverse("proposals:detail", args=[p.pk])).status_code == 200
    assert client_for(world.other_unit_user).get(reverse("proposals:detail", args=[p.pk])).status_code == 403


def test_a_member_drafts_and_submits_through_the_form(world, client_for):
    client = client_for(world.member)
    data = {
        "kind": "member",
        "title": "关于优化公交线路的建议",
        "category": "urban",
        "during_plenary": "on",
        "analysis": "换乘不便",
        "suggestions": "增开社区微循环公交",
        "is_public": "on",
        "submit": "1",
    }
    response = client.post(reverse("proposals:create"), data)
    p = Proposal.objects.get()
    assert response.status_code == 302 and p.state == S.SUBMITTED and p.lead_proposer == world.member_record


def test_a_draft_without_a_title_is_refused_in_chinese(world, client_for):
    response = client_for(world.member).post(
        reverse("proposals:create"), {"kind": "member", "category": "urban", "suggestions": "x"}
    )
    assert response.status_code == 400 and "必填项" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_cosigner_of_another_committee_cannot_be_chosen(world, client_for):
    response = client_for(world.member).post(
        reverse("proposals:create"),
        {
            "kind": "member",
            "title": "标题",
            "category": "urban",
            "suggestions": "建议",
            "cosigners": [world.outsider_member.pk],
        },
    )
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_a_member_confirms_a_cosign_invitation(world, client_for, walk):
    p = walk.draft(lead_proposer=world.convener_member)
    inv = CoSigner.objects.create(proposal=p, member=world.member_record, deadline="2099-01-01")
    client = client_for(world.member)
    assert p.title in client.get(reverse("proposals:mine")).content.decode()
    client.post(reverse("proposals:cosign", args=[inv.pk, "confirm"]), {"seen": p.content_digest()})
    assert CoSigner.objects.get(pk=inv.pk).status == CoSigner.Status.CONFIRMED


def test_staff_file_and_assign_from_the_page(world, client_for, walk):
    p = walk.submitted()
    client = client_for(world.staff)
    page = client.get(reverse("proposals:detail", args=[p.pk])).content.decode()
    assert 'data-action="file"' in page
    client.post(reverse("proposals:act", args=[p.pk, "file"]))
    client.post(reverse("proposals:act", args=[p.pk, "assign"]), {"lead_unit": world.unit.pk})
    p.refresh_from_db()
    assert p.state == S.ASSIGNED and p.serial_number == 1


def test_a_member_cannot_file_through_the_page(world, client_for, walk):
    p = walk.submitted()
    assert client_for(world.member).post(reverse("proposals:act", args=[p.pk, "file"])).status_code == 403
    assert Proposal.objects.get(pk=p.pk).state == S.SUBMITTED


def test_an_illegal_transition_shows_a_chinese_message(world, client_for, walk):
    p = walk.filed()
    client = client_for(world.staff)
    response = client.post(reverse("proposals:act", args=[p.pk, "file"]), follow=True)
    assert "只有已提交的提案才能立案" in response.content.decode()


def test_the_unit_replies_with_a_pdf_and_a_non_pdf_is_refused(world, client_for, walk):
    p = walk.assigned()
    client = client_for(world.unit_user)
    url = reverse("proposals:act", args=[p.pk, "reply"])
    bad = client.post(
        url, {"text": "答复", "result_code": "A", "signed_pdf": pdf_upload("x.pdf", b"hello")}, follow=True
    )
    assert "不是PDF" in bad.content.decode() and not Reply.objects.exists()
    nocode = client.post(url, {"text": "答复", "signed_pdf": pdf_upload()}, follow=True)
    assert not Reply.objects.exists() and "结果代码" in nocode.content.decode()
    client.post(url, {"text": "答复", "result_code": "A", "signed_pdf": pdf_upload()})
    assert Proposal.objects.get(pk=p.pk).state == S.REPLIED


def test_only_the_lead_proposer_can_rate_through_the_page(world, client_for, walk):
    walk.today = None  # the page uses the real date for the feedback window
    p = walk.replied()
    assert (
        client_for(world.staff).post(reverse("proposals:act", args=[p.pk, "rate"]), {"rating": "satisfied"}).status_code
        == 403
    )
    client_for(world.member).post(reverse("proposals:act", args=[p.pk, "rate"]), {"rating": "satisfied"})
    assert Proposal.objects.get(pk=p.pk).state == S.RATED


def _many(world, n):
    for _ in range(n):
        p = ProposalFactory(committee=world.district, state=S.SUBMITTED)
        f.MemberFactory(committee=world.district)
        CoSigner.objects.create(
            proposal=p, member=f.MemberFactory(committee=world.district), deadline="2026-01-01", status="confirmed"
        )


def test_the_review_queue_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    _many(world, 2)
    with django_assert_max_num_queries(15) as small:  # 12 and the batch form's grounds
        assert client.get(reverse("proposals:review")).status_code == 200
    _many(world, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("proposals:review")).status_code == 200


def test_the_unit_list_runs_a_fixed_number_of_queries(world, client_for, walk, django_assert_max_num_queries):
    client = client_for(world.unit_user)
    walk.assigned()
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("proposals:unit")).status_code == 200
    for _ in range(8):
        walk.assigned()
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("proposals:unit")).content.decode()
    assert body.count("list-group-item-action") == 9


def test_the_figures_page_runs_a_fixed_number_of_queries(world, client_for, walk, django_assert_max_num_queries):
    client = client_for(world.staff)
    walk.closed()
    url = reverse("proposals:figures") + "?year=2026"
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    for _ in range(3):
        walk.closed()
        walk.replied(code="B")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["totals"]["submitted"] == 7


def test_the_figures_export_is_an_excel_workbook(world, client_for, walk):
    from io import BytesIO

    from openpyxl import load_workbook

    walk.closed()
    response = client_for(world.staff).get(reverse("proposals:figures_xlsx") + "?year=2026")
    wb = load_workbook(BytesIO(response.content))
    assert wb.worksheets[0]["B2"].value == 1


def test_the_figures_workbook_holds_every_table_with_bold_headers():
    """``figures_workbook`` (write-only): each table a sheet, its header bold, column A 28 wide, every row's values
    in the order of the columns; the reports' sheet with a line per adoption level."""
    from io import BytesIO

    from django.utils.translation import gettext
    from openpyxl import load_workbook

    from proposals.exports import COLUMNS, figures_workbook
    from proposals.models import Category

    def row(n: int) -> dict:
        return {key: (n * 10 + i if i % 3 else 12.5 + n) for i, (key, _label) in enumerate(COLUMNS)} | {"overdue": None}

    data = {
        "totals": row(1),
        "by_committee": [{"committee__name": "东湖区政协", **row(2)}, {"committee__name": "=1+1", **row(3)}],
        "by_unit": [{"lead_unit__name": f"单位{n}", **row(n)} for n in range(4, 9)],
        "by_category": [{"category": "economy", **row(9)}, {"category": "unknown", **row(10)}],
        "codes": [{"result_code": "A", "label": "已解决 & 采纳", "n": 3, "share": 75.0}],
        "reports": {"submitted": 9, "accepted": 4, "adopted": 2, "instructed": 1},
        "adoption_levels": [{"level": "city", "n": 2}],
    }
    book = load_workbook(BytesIO(figures_workbook(data, 2026)))
    titles = ("Totals", "By committee", "By unit", "By category", "Result codes", "Public-opinion reports")
    assert book.sheetnames == [gettext(title) for title in titles]
    for sheet, rows in zip(
        book.worksheets[:4],
        [
            [(gettext("All"), data["totals"])],
            [(r["committee__name"], r) for r in data["by_committee"]],
            [(r["lead_unit__name"], r) for r in data["by_unit"]],
            [(str(Category.ECONOMY.label), data["by_category"][0]), ("unknown", data["by_category"][1])],
        ],
        strict=True,
    ):
        assert all(cell.font.b for cell in sheet[1]) and len(sheet[1]) == len(COLUMNS) + 1
        assert sheet.column_dimensions["A"].width == 28
        assert [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
            [name, *[r.get(key) for key, _label in COLUMNS]] for name, r in rows
        ]
    assert book.worksheets[1]["A3"].value == "=1+1" and book.worksheets[1]["A3"].data_type == "s"
    assert list(book.worksheets[4].iter_rows(values_only=True)) == [
        tuple(gettext(h) for h in ("Result code", "Meaning", "Replies", "Share %")),
        ("A", "已解决 & 采纳", 3, 75),
    ]
    assert not any(cell.font.b for cell in book.worksheets[4][1])
    assert [r[1] for r in book.worksheets[5].iter_rows(values_only=True)] == [9, 4, 2, 1, 2]


def test_a_member_submits_a_report_and_sees_its_status(world, client_for):
    client = client_for(world.member)
    client.post(reverse("proposals:report_create"), {"title": "关于菜市场改造的反映", "content": "环境脏乱"})
    r = OpinionReport.objects.get()
    client_for(world.staff).post(reverse("proposals:report_act", args=[r.pk, "accept"]))
    body = client_for(world.member).get(reverse("proposals:mine")).content.decode()
    assert "关于菜市场改造的反映" in body and "已采纳" in body


def test_staff_compile_reports_into_an_issue(world, client_for):
    from proposals import services

    r = services.report_submit(actor=world.member, title="标题", content="内容")
    services.report_accept(report_id=r.pk, actor=world.staff)
    client_for(world.staff).post(
        reverse("proposals:reports"), {"report": [r.pk], "published_on": timezone.localdate().isoformat()}
    )
    assert OpinionReport.objects.get(pk=r.pk).issue.number == 1


def test_other_committee_staff_cannot_touch_a_report(world, client_for):
    from proposals import services

    r = services.report_submit(actor=world.member, title="标题", content="内容")
    assert client_for(world.other_staff).get(reverse("proposals:report_detail", args=[r.pk])).status_code == 403
    assert client_for(world.other_staff).post(reverse("proposals:report_act", args=[r.pk, "accept"])).status_code == 403


def test_a_draft_carries_an_attachment(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.member)
    client.post(
        reverse("proposals:create"),
        {
            "kind": "member",
            "title": "关于加强校园食品安全的建议",
            "category": "society",
            "suggestions": "建立陪餐制度",
            "attachment": SimpleUploadedFile("调研报告.txt", "调研数据".encode()),
        },
    )
    p = Proposal.objects.get()
    assert p.attachments.get().name == "调研报告.txt"
    assert "调研报告.txt" in client.get(reverse("proposals:detail", args=[p.pk])).content.decode()


def test_the_figures_link_to_the_lists_behind_them(world, client_for, walk):
    walk.closed()
    walk.submitted()
    client = client_for(world.staff)
    body = client.get(reverse("proposals:figures") + "?year=2026").content.decode()
    assert "figure=closed" in body
    listed = client.get(reverse("proposals:list") + "?year=2026&figure=closed")
    assert listed.context["page_obj"].paginator.count == 1
    assert (
        client.get(reverse("proposals:list") + "?year=2026&figure=submitted").context["page_obj"].paginator.count == 2
    )


def test_city_staff_see_figures_per_committee(world, client_for, walk):
    walk.closed()
    from tests.proposals.factories import ProposalFactory

    ProposalFactory(committee=world.city, state="submitted")
    response = client_for(world.staff).get(reverse("proposals:figures") + "?year=2026")
    rows = {r["committee__name"]: r["submitted"] for r in response.context["by_committee"]}
    assert rows == {"临江市政协": 1, "东湖区政协": 1}
    assert "按政协组织" in response.content.decode()


def test_the_supervising_leader_writes_their_own_note_on_a_key_proposal(world, client_for, walk):
    from proposals.models import SupervisionNote
    from tests import factories as f

    leader_member = f.MemberFactory(committee=world.district, user=f.UserFactory(username="duban"))
    proposal = walk.assigned()
    proposal.is_key, proposal.supervising_leader = True, leader_member
    proposal.save(update_fields=["is_key", "supervising_leader"])
    client = client_for(leader_member.user)
    page = client.get(reverse("proposals:detail", args=[proposal.pk]))
    assert page.status_code == 200 and "leader_note_form" in page.context
    response = client.post(
        reverse("proposals:act", args=[proposal.pk, "supervise"]),
        {"text": "请于月底前报送进展", "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert SupervisionNote.objects.get(proposal=proposal).created_by == leader_member.user
