from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from agencies.models import ApiToken


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored as SHA-256 digests and can be revoked."""

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
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token
