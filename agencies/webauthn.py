"""Passkeys (django-otp-webauthn) as Fortress's other second factor: its ceremonies, with a
new passkey handled as a new authenticator app is (the event told, the account's other
sessions ended: they signed in without it), and a passkey passing the second step as a code
does (the session key rotated, the event told)."""

from django.contrib.auth import update_session_auth_hash
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views

from agencies import security, services


class CompleteRegistration(views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        user = self.request.user
        security.second_factor_enrolled(user=user, device_kind="passkey")
        services.user_sessions_end(
            user=user, by=user, reason="second_factor_enrolled", revoke_tokens=False
        )
        update_session_auth_hash(self.request, user)  # this session goes on
        return response


class CompleteAuthentication(views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        # As the code form of the verify page (agencies/views.py otp_verify): a new session
        # key once the second step is passed, then the event.
        self.request.session.cycle_key()
        super().complete_auth(device)
        security.second_factor_verified(
            user=device.user, device_kind="passkey", request=self.request
        )


# The package's URLs (django_otp_webauthn/urls.py), its names kept for its template tags.
app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
