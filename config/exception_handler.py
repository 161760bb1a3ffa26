"""The one mapping of the services' errors (`config.errors`) to API answers, set as
`REST_FRAMEWORK["EXCEPTION_HANDLER"]`; no view or viewset maps them itself.

Every error answers one shape, DRF's: a JSON object with `detail` (what went wrong with the
request as a whole) or, for refused input, the refused fields' names each with their reasons
(reasons about no one field under `non_field_errors`). A conflict adds `version` (the current
one) and `changed` (each field changed since the version sent: its current value).

The TAXII views (`taxii_errors = True`, interchange/taxii_api.py) answer the same errors in the
TAXII 2.1 error shape instead: `title`, `description` and `http_status`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ConflictError, NotVisible, PolicyError


class ConflictSerializer(serializers.Serializer):
    """The answer to an edit whose version is stale (409): nothing was overwritten."""

    detail = serializers.CharField()
    version = serializers.IntegerField(help_text=gettext_lazy("The current version."))
    changed = serializers.DictField(
        child=serializers.JSONField(),
        help_text=gettext_lazy("Fields changed since your version: now."),
    )


def answers_conflicts(serializer: type[serializers.Serializer]) -> Any:
    """In the schema of a viewset: an update answers 200 with the object, or 409 when the
    version sent is stale."""
    responses = {200: serializer, 409: ConflictSerializer}
    return extend_schema_view(
        update=extend_schema(responses=responses),
        partial_update=extend_schema(responses=responses),
    )


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's refusal of the input, in the shape of a serializer's."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        return Response(
            {"detail": str(exc), "version": exc.version, "changed": exc.changes},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, NotVisible):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, PolicyError):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = as_drf_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and getattr(context.get("view"), "taxii_errors", False):
        response.data = taxii_error(response.status_code, response.data)
    return response


def taxii_error(status_code: int, data: Any) -> dict[str, str]:
    """An error as TAXII 2.1 writes it (section 3.6.1): title, description, http_status."""
    if isinstance(data, dict) and "detail" in data:
        description = str(data["detail"])
    elif isinstance(data, dict):
        description = " ".join(
            f"{field}: {' '.join(map(str, reasons if isinstance(reasons, list) else [reasons]))}"
            for field, reasons in data.items()
        )
    else:
        description = " ".join(map(str, data if isinstance(data, list) else [data]))
    title = str((status_code == status.HTTP_404_NOT_FOUND and _("Not found")) or _("Refused"))
    return {"title": title, "description": description, "http_status": str(status_code)}
