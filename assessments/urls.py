from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("record/", views.my_record, name="my_record"),
    path("record/<int:member_id>/", views.member_record, name="member_record"),
]
