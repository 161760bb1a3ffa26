from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from interchange.models import ImportFormat, ImportJob


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV, STIX 2.1 bundle or MISP event JSON, UTF-8."))
    format = serializers.ChoiceField(
        choices=ImportFormat.choices, required=False, help_text=_("Detected when not given.")
    )


class ImportJobSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    rows_read = serializers.IntegerField(source="rows_total", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "case",
            "format",
            "filename",
            "status",
            "rows_read",
            "rows_checked",
            "rows_accepted",
            "percent",
            "errors",
            "duplicates",
            "skipped",
            "restarts",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
