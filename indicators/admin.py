from django.contrib import admin

from indicators.models import AccessRequest, Hit, Indicator, IndicatorValue


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["kind", "qualifier", "normalized", "case_count", "agency_count", "is_common"]
    list_filter = ["kind", "is_common"]
    search_fields = ["normalized"]
    # Kept by the cross-referencing from the sightings (common values come from the
    # settings' list and the threshold, applied by the engine).
    readonly_fields = ["case_count", "agency_count", "sole_agency", "hit_at", "is_common"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "raw_value", "takedown_status", "cross_referenced"]
    list_filter = ["kind", "takedown_status"]
    list_select_related = ["case", "pending"]
    search_fields = ["raw_value", "value__normalized", "case__reference"]
    raw_id_fields = ["created_by"]
    # A sighting is added, moved or removed through the services (the case page, the API, an
    # import), which cross-reference it and keep the hit tallies: never here.
    readonly_fields = ["case", "value", "kind", "raw_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True)
    def cross_referenced(self, indicator: Indicator) -> bool:
        return not indicator.is_pending


@admin.register(Hit)
class HitAdmin(admin.ModelAdmin):
    """Hits are read from the sightings (a database view): shown, never edited here."""

    list_display = ["case", "value", "status", "other_agencies", "created_at"]
    list_filter = ["status"]
    list_select_related = ["case", "value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["requesting_agency", "case", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["hit", "case", "requested_by", "decided_by"]
