from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView

from core import pickers
from core import views as core_views
from cppcc_portal.schema_view import SchemaView
from groups import views as groups_views

admin.site.site_header = _("CPPCC Member Services Portal")
admin.site.site_title = _("CPPCC portal administration")
admin.site.index_title = _("Administration")
admin.site.site_url = reverse_lazy("workbench:home")  # "查看站点": the workbench, not "/"

urlpatterns = [
    path("", groups_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", core_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", core_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", core_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/password/reset/sms/", core_views.password_reset_sms, name="password_reset_sms"),
    path("accounts/password/reset/sms/code/", core_views.password_reset_sms_confirm, name="password_reset_sms_confirm"),
    path(
        "accounts/password/reset/<uidb64>/<token>/", core_views.SetPasswordView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/first-login/<uidb64>/<token>/", core_views.FirstLoginView.as_view(), name="first_login"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("text-size/", core_views.text_size, name="text_size"),
    path("health/", core_views.health, name="health"),
    path("exports/", core_views.exports, name="exports"),  # exports prepared in the background (core.export_jobs)
    path("exports/<int:pk>/", core_views.export_download, name="export_download"),
    path("pick/<slug:name>/", pickers.pick, name="pick"),  # a searched picker's options (core.pickers)
    path("admin/", admin.site.urls),
    path("api/v1/", include(("cppcc_portal.api_urls", "api"), namespace="api")),
    path("api/schema/", SchemaView.as_view(), name="schema"),  # built once per process and language
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("notifications/", include("notifications.urls")),
    path("workbench/", include("cppcc_portal.workbench.urls")),
    path("", include("groups.urls")),
    path("", include("activities.urls")),
    path("proposals/", include("proposals.urls")),
    path("consultations/", include("consultations.urls")),
    path("assessments/", include("assessments.urls")),
]

handler404 = "core.views.not_found"  # JSON under /api/
handler500 = "core.views.server_error"
# No route to MEDIA_ROOT, not even with DEBUG on: uploads are private and reach users only through views
# that check permission first (activities:evidence_file, proposals:attachment, proposals:reply_pdf,
# consultations:document).
