from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("record/", views.my_record, name="my_record"),
    path("record/pdf/", views.my_record, {"as_pdf": True}, name="my_record_pdf"),
    path("record/<int:member_id>/", views.member_record, name="member_record"),
    path("record/<int:member_id>/pdf/", views.member_record, {"as_pdf": True}, name="member_record_pdf"),
    path("assessment.xlsx", views.assessment_export, name="assessment_export"),
    path("annual/", views.annual, name="annual"),
    path("funding.xlsx", views.funding_export, name="funding_export"),
    path("units/", views.unit_sheets, name="unit_sheets"),
    path("units/<int:pk>/", views.unit_sheet, name="unit_sheet"),
    path("units/<int:pk>/rows/", views.unit_sheet_rows, name="unit_sheet_rows"),
    path("unit/", views.my_unit_sheet, name="my_unit_sheet"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/members/", views.dashboard_members, name="dashboard_members"),
    path("dashboard/events/", views.dashboard_events, name="dashboard_events"),
    path("dashboard/groups/", views.dashboard_groups, name="dashboard_groups"),
    path("rollups/<int:pk>/status/", views.rollup_status, name="rollup_status"),
]
