"""Platform admins read the whole trail here; nobody adds, changes or deletes an entry."""

from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "kind", "outcome", "username", "agency_name", "address"]
    list_filter = ["kind", "outcome"]
    search_fields = ["username", "agency_name", "object_id"]
    date_hierarchy = "at"
    ordering = ["-seq"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
