from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("my/groups/", views.my_groups, name="my_groups"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("me/", views.my_page, name="my_page"),
    path("unit/", views.unit_home, name="unit_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
