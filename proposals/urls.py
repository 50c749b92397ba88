from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("new/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("from-message/<int:pk>/", views.from_message, name="from_message"),
    path("from-contact/<int:pk>/", views.from_contact, name="from_contact"),
    path("from-lead/<int:pk>/", views.lead_to_proposal, name="lead_to_proposal"),
    path("reports/from/<slug:source>/<int:pk>/", views.heard_to_report, name="heard_to_report"),
    path("replies/<int:pk>/signed.pdf", views.reply_pdf, name="reply_pdf"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("invitations/<int:pk>/<slug:answer>/", views.cosign, name="cosign"),
    path("review/", views.review, name="review"),
    path("review/bulk/", views.review_bulk, name="review_bulk"),
    path("list/", views.proposal_list, name="list"),
    path("overdue/", views.overdue, name="overdue"),
    path("figures/", views.figures, name="figures"),
    path("figures.xlsx", views.figures_xlsx, name="figures_xlsx"),
    path("unit/", views.unit, name="unit"),
    path("reports/", views.reports, name="reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/rows/", views.report_rows, name="report_rows"),
    path("reports/<int:pk>/act/<slug:action>/", views.report_act, name="report_act"),
    path("reports/invitations/<int:pk>/<slug:answer>/", views.coauthor_answer, name="coauthor_answer"),
]
