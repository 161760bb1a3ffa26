"""Interchange over the API: exports of a case or an operation, imports into a case and the
import job. Thin: reads through interchange/selectors.py (the access policy), writes through
interchange/services.py. Not visible: 404; visible but the role may not: 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from interchange import selectors, services
from interchange.reading import FileRefused, check_size
from interchange.serializers import ImportJobSerializer, ImportRequestSerializer

_FILE = OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment.")
_JSON_FILE = OpenApiResponse(OpenApiTypes.OBJECT, description="The file, as an attachment.")


def _documented(content_type: str) -> OpenApiResponse:
    """A JSON export (STIX, MISP) is documented as the JSON object it is, so a client (and the
    fuzzer's conformance check) reads it as one; CSV as a file."""
    return _JSON_FILE if content_type.split(";")[0].endswith("json") else _FILE


# One documented 200 per content type an export answers (STIX, MISP, CSV), and the 404.
_EXPORT_RESPONSES: dict = {
    **{
        (200, content_type.split(";")[0]): _documented(content_type)
        for content_type, _ in services.EXPORT_TYPES.values()
    },
    404: None,
}


def attachment(export: services.Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class CaseExportView(APIView):
    """The case's indicators (and suspects, for who may read them) as STIX 2.1, MISP or CSV.
    Victims are never exported. The export is recorded in the case timeline."""

    @extend_schema(responses=_EXPORT_RESPONSES, operation_id="case_export")
    def get(self, request, pk: Any, fmt: str) -> HttpResponse:
        case = selectors.get_exportable_case(request.user, pk)
        return attachment(services.case_export(case=case, by=request.user, fmt=fmt))


class OperationExportView(APIView):
    """The operation's linked cases that the user may open, as one file."""

    @extend_schema(responses=_EXPORT_RESPONSES, operation_id="operation_export")
    def get(self, request, pk: Any, fmt: str) -> HttpResponse:
        operation = access.get_member_operation_for_user(request.user, pk)
        return attachment(services.operation_export(operation=operation, by=request.user, fmt=fmt))


class CaseImportView(APIView):
    """Start an import job (`202`): a file that cannot be read answers `400` at once; the rows
    are then checked and saved by Celery, all or nothing (`GET /api/v1/imports/{id}/`)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={202: ImportJobSerializer, 400: None, 403: None, 404: None},
        operation_id="case_import",
    )
    def post(self, request, pk: Any) -> Response:
        case = selectors.get_importable_case(request.user, pk)
        services.check_importer(by=request.user, case=case)  # before the upload is read
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                check_size(upload.size)  # before reading a byte of a file too large
            serializer = ImportRequestSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            job = services.import_start(
                case=case,
                by=request.user,
                data=upload.read(),
                filename=upload.name or "",
                fmt=serializer.validated_data.get("format", ""),
            )
        except FileRefused as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobView(APIView):
    """An import job: status, rows read, checked and accepted, every refused row and why,
    duplicates not added."""

    @extend_schema(responses={200: ImportJobSerializer, 404: None}, operation_id="import_job")
    def get(self, request, pk: Any) -> Response:
        job = selectors.get_import_job_for_user(request.user, pk)
        return Response(ImportJobSerializer(job).data)
