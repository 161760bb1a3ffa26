from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, ApiToken, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country", "kind", "contact_email"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "code"]


@admin.register(User)
class FortressUserAdmin(UserAdmin):
    list_display = ["username", "agency", "role", "is_active", "is_staff"]
    list_filter = ["agency", "role", "is_active", "is_staff"]
    fieldsets = (*UserAdmin.fieldsets, ("Agency", {"fields": ("agency", "role")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Agency", {"fields": ("agency", "role")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
