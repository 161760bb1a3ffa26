"""Platform admins may inspect the append-only logs; nobody edits or deletes them. Victim
records themselves are not in the admin: they are read only through the app, where every read
is logged."""

from django.contrib import admin
from django.http import HttpRequest

from victims.models import RepatriationStep, VictimAccessLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(VictimAccessLog)
class VictimAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "user_agency", "action", "victim_id", "where", "reason"]
    list_filter = ["action", "user_agency"]
    date_hierarchy = "at"


@admin.register(RepatriationStep)
class RepatriationStepAdmin(ReadOnlyAdmin):
    list_display = ["at", "repatriation_id", "event", "from_stage", "to_stage", "agency", "by"]
    list_filter = ["event", "to_stage"]
