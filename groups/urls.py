from django.urls import path

from groups import views
from groups.views import supervision

app_name = "groups"

urlpatterns = [
    path("my/groups/", views.my_groups, name="my_groups"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("me/", views.my_page, name="my_page"),
    path("unit/", views.unit_home, name="unit_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # democratic supervision groups, inspections and work reports
    path("supervision/", supervision.supervision, name="supervision"),
    path("supervision/groups/new/", supervision.supervision_group_edit, name="supervision_group_new"),
    path("supervision/groups/<int:pk>/", supervision.supervision_group, name="supervision_group"),
    path("supervision/groups/<int:pk>/edit/", supervision.supervision_group_edit, name="supervision_group_edit"),
    path("supervision/visits/<int:pk>/answer/", supervision.supervision_visit_answer, name="supervision_visit_answer"),
    path("supervision/inspections/new/", supervision.inspection_new, name="inspection_new"),
    path("supervision/inspections/<int:pk>/", supervision.inspection, name="inspection"),
    path("supervision/reports/new/", supervision.work_report_new, name="work_report_new"),
    path("supervision/reports/<int:pk>/", supervision.work_report, name="work_report"),
]
