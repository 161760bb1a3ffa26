from django.contrib import admin

from payments.models import StopPaymentRequest, StopPaymentTransfer


class TransferInline(admin.TabularInline):
    model = StopPaymentTransfer
    extra = 0


@admin.register(StopPaymentRequest)
class StopPaymentRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "from_agency", "to_agency", "account", "amount", "currency", "status")
    list_filter = ("status", "urgency")
    search_fields = ("account",)
    raw_id_fields = ("case", "parent", "root", "asset", "indicator", "victim", "frozen_asset")
    inlines = [TransferInline]
