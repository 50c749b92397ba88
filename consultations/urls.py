from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("topics/", views.topic_board, name="topics"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/from/<slug:source>/<int:pk>/", views.heard_to_topic, name="heard_to_topic"),
    path("topics/<int:pk>/<slug:action>/", views.topic_action, name="topic_action"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/rows/", views.session_rows, name="session_rows"),
    path("sessions/<int:pk>/<slug:action>/", views.session_action, name="session_action"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("outcomes/", views.outcome_board, name="outcomes"),
    path("outcomes/<int:pk>/", views.outcome_detail, name="outcome"),
    path("outcomes/<int:pk>/<slug:action>/", views.outcome_action, name="outcome_action"),
    path("unit/", views.unit_outcomes, name="unit_outcomes"),
    path("figures/", views.figures, name="figures"),
    path("figures/rows/", views.figure_rows, name="figure_rows"),
    path("track/<str:code>/rate/", views.track_rate, name="track_rate"),
    path("public/<slug:code>/", views.public_index, name="public"),
    path("public/<slug:code>/sessions/<int:pk>/", views.public_session, name="public_session"),
    path("public/<slug:code>/outcomes/<int:pk>/", views.public_outcome, name="public_outcome"),
]
