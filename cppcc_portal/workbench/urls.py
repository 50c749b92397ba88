from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.workbench, name="home"),
    path("todo/<slug:slug>/", views.todo, name="todo"),
    path("search/", views.search, name="search"),
    path("leader/", views.leader_home, name="leader_home"),
]
