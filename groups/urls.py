from django.urls import path

from groups import views
from groups.views import activities, contacts, mailbox, signup, supervision

app_name = "groups"

urlpatterns = [
    path("my/groups/", views.my_groups, name="my_groups"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("me/", views.my_page, name="my_page"),
    path("unit/", views.unit_home, name="unit_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # activities
    path("groups/<int:pk>/activities/", activities.group_activities, name="group_activities"),
    path("groups/<int:pk>/activities/new/", activities.activity_new, name="activity_new"),
    path("groups/<int:pk>/plan/<int:year>/", activities.plan_edit, name="plan"),
    path("plan-items/<int:pk>/delete/", activities.plan_item_delete, name="plan_item_delete"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/attendance/", activities.attendance_record, name="attendance_record"),
    path("activities/<int:pk>/attendance/rows/", activities.attendance_rows, name="attendance_rows"),
    path("activities/<int:pk>/evidence/", activities.evidence_upload, name="evidence_upload"),
    path("activities/<int:pk>/leave/", activities.leave_request, name="leave_request"),
    path("activities/<int:pk>/sign-in-sheet/", activities.sign_in_sheet, name="sign_in_sheet"),
    path("activities/<int:pk>/leave/withdraw/", activities.leave_withdraw, name="leave_withdraw"),
    path("activities/<int:pk>/sign-in-screen/", activities.sign_in_screen, name="sign_in_screen"),
    path("activities/<int:pk>/sign-in/<str:code>/", activities.sign_in, name="sign_in"),
    path("activities/<int:pk>/sign-up/", signup.sign_up, name="sign_up"),
    path("activities/<int:pk>/sign-up/withdraw/", signup.sign_up_withdraw, name="sign_up_withdraw"),
    path("activities/<int:pk>/invite/", signup.invite_member, name="activity_invite"),
    path("activities/<int:pk>/<str:action>/", activities.activity_transition, name="activity_transition"),
    path("attendance/<int:pk>/leave/", activities.leave_decide, name="leave_decide"),
    path("evidence/<int:pk>/", activities.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", activities.evidence_delete, name="evidence_delete"),
    path("evidence/<int:pk>/thumbnail/", activities.evidence_file, {"thumbnail": True}, name="evidence_thumbnail"),
    path("me/activities/", activities.my_activities, name="my_activities"),
    path("me/open-activities/", signup.open_activities, name="open_activities"),
    path("me/expertise/", signup.my_expertise, name="my_expertise"),
    path("ledger/", activities.ledger, name="ledger"),
    path("coverage/", activities.coverage, name="coverage"),
    path("coverage/members/", activities.coverage_members, name="coverage_members"),
    # the contact log 联系群众记录
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_new, name="contact_new"),
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
    path("contacts/<int:pk>/photo/", contacts.contact_photo, name="contact_photo"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    # the members' mailbox 委员信箱: public pages (no account), then the logged-in ones
    path("mailbox/track/", mailbox.track_lookup, name="mailbox_track_lookup"),
    path("mailbox/track/<str:code>/", mailbox.track, name="mailbox_track"),
    path("mailbox/<str:target>/<int:pk>/", mailbox.mailbox, name="mailbox"),
    path("mailbox/<str:target>/<int:pk>/poster/", mailbox.mailbox_poster, name="mailbox_poster"),
    path("messages/", mailbox.message_list, name="messages"),
    path("messages/themes/", mailbox.message_themes, name="message_themes"),
    path("messages/<int:pk>/", mailbox.message_detail, name="message_detail"),
    path("messages/<int:pk>/<str:action>/", mailbox.message_act, name="message_act"),
]
