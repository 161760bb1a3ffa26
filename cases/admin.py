from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cases.models import Case, JointOperation, OperationParticipant


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "agency", "status", "sharing_level"]
    list_filter = ["agency", "status", "sharing_level", "fraud_type"]
    search_fields = ["reference", "title"]
    readonly_fields = ["reference", "version"]


class ParticipantInline(admin.TabularInline):
    model = OperationParticipant
    extra = 0


@admin.register(JointOperation)
class JointOperationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "lead_agency", "status"]
    inlines = [ParticipantInline]
