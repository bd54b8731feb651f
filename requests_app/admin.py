from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from requests_app.models import CodeRequest, RequestEvent


class ReadOnlyMixin:
    """Shown, never changed here: requests move only through their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequestEventInline(ReadOnlyMixin, admin.TabularInline):
    model = RequestEvent
    fields = ["status", "at", "by", "note"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "request")


@admin.register(CodeRequest)
class CodeRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "library",
        "reader",
        "card_number",
        "created_at",
        "decided_at",
        "fulfilled_at",
    ]
    list_filter = ["status", "library"]
    list_select_related = ["library", "reader"]
    search_fields = ["=card_number", "=reader__email"]
    search_help_text = _("A card number or a reader's email address, in full.")
    # Counting every request of a city on each view costs more than the page.
    show_full_result_count = False
    fields = [
        "reader",
        "library",
        "card_number",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "code",
        "fulfilled_at",
        "cancelled_at",
        "mail_failed_at",
    ]
    readonly_fields = fields
    inlines = [RequestEventInline]

    def has_view_permission(self, request, obj=None):
        # Readers' personal data: provider staff must not see it, and a
        # librarian sees only their own library's requests, on their pages.
        return request.user.is_active and request.user.is_superuser
