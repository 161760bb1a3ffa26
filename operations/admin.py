from django.contrib import admin

from operations.models import OperationRate


@admin.register(OperationRate)
class OperationRateAdmin(admin.ModelAdmin):
    list_display = ["operation", "currency", "rate", "updated_at"]
    list_filter = ["currency"]
    raw_id_fields = ["operation"]
