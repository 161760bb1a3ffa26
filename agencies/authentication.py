from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from agencies.models import ApiToken

# The last-used time is written at most this often: one UPDATE a minute per busy token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored as SHA-256 digests, expire
    (`FORTRESS_TOKEN_DAYS`) and can be revoked."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        try:
            token = (
                ApiToken.objects.active().select_related("user").get(digest=ApiToken.hash_key(key))
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This token expired on %(date)s: obtain a new one at /api/v1/auth/token/.")
                % {"date": token.expires_at.isoformat(timespec="minutes")}
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
