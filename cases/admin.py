from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.models import Asset, Case, CaseNote, JointOperation, OperationParticipant, Suspect


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "agency", "status", "sharing_level"]
    list_filter = ["agency", "status", "sharing_level", "fraud_type"]
    search_fields = ["reference", "title"]
    # What the cross-referencing, the hit tallies, the access policy and the timeline follow
    # changes through the services only (the case page, the API, the retention review): shown
    # here, never edited, and a case is not deleted here.
    readonly_fields = ["reference", "version", "agency", "silent", "sharing_level"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Suspect)
class SuspectAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "case", "role", "status"]
    list_filter = ["role", "status"]
    search_fields = ["full_name", "case__reference"]
    raw_id_fields = ["case"]


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    list_display = ["case", "kind", "amount", "currency", "status", "status_changed_on"]
    list_filter = ["kind", "status", "currency"]
    search_fields = ["case__reference", "description"]
    raw_id_fields = ["case"]


@admin.register(CaseNote)
class CaseNoteAdmin(SimpleHistoryAdmin):
    list_display = ["case", "kind", "author", "created_at"]
    list_filter = ["kind"]
    search_fields = ["case__reference", "text"]
    raw_id_fields = ["case", "author"]


class ParticipantInline(admin.TabularInline):
    model = OperationParticipant
    extra = 0


@admin.register(JointOperation)
class JointOperationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "lead_agency", "status"]
    inlines = [ParticipantInline]
