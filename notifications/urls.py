from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("settings/calendar/", views.calendar_link, name="calendar_link"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    path("receipts/sms/", views.sms_receipt, name="sms_receipt"),
]
