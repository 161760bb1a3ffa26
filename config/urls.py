from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("agency/", include("agencies.urls")),
    path("cases/", include("cases.urls")),
    path("", include("indicators.urls")),
    path("victims/", include("victims.urls")),
    path("persons/matches/", include("persons.urls")),
    path("", include("operations.urls")),
    path("", include("interchange.urls")),
    path("registry/", include("registry.urls")),
    path("stop-payments/", include("payments.urls")),
    path("api/v1/", include("config.api")),
    path("taxii2/", include("interchange.taxii_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script at ?script: no inline script for the CSP to block.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
