from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agencies import views as agency_views

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("security/", agency_views.security_contact, name="security"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("accounts/language/", agency_views.language, name="language"),
    # The signed-in user's own security: second factor, recovery codes, sessions.
    path("accounts/security/", agency_views.account_security, name="account_security"),
    path("accounts/security/app/", agency_views.totp_enrol, name="totp_enrol"),
    path("accounts/security/recovery-codes/", agency_views.recovery_codes, name="recovery_codes"),
    path("accounts/verify/", agency_views.otp_verify, name="otp_verify"),
    path(
        "accounts/sign-out-everywhere/",
        agency_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    # Passkeys (WebAuthn): the ceremonies the browser's script calls (django-otp-webauthn).
    path("accounts/webauthn/", include("agencies.webauthn", namespace="otp_webauthn")),
    path("agency/", include("agencies.urls")),
    path("agency/feed-tokens/", include("registry.token_urls")),
    path("public/", include("registry.public_urls")),
    path("notifications/", include("agencies.notification_urls")),
    path("cases/", include("cases.urls")),
    path("", include("indicators.urls")),
    path("victims/", include("victims.urls")),
    path("persons/matches/", include("persons.urls")),
    path("", include("operations.urls")),
    path("", include("interchange.urls")),
    path("registry/", include("registry.urls")),
    path("audit/", include("audit.urls")),
    path("stop-payments/", include("payments.urls")),
    path("api/v1/", include("config.api")),
    path("taxii2/", include("interchange.taxii_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script at ?script: no inline script for the CSP to block.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
