from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from codes import importing
from codes.forms_import import (
    CodeConfirmImportForm,
    CodeImportForm,
    pending_token,
)
from codes.models import Code, CodeBatch, PendingImport
from codes.resources import CodeImportResource

# Errors listed on the import page; all of them are counted.
SHOWN_ERRORS = 100


@admin.register(CodeBatch)
class CodeBatchAdmin(admin.ModelAdmin):
    change_list_template = "admin/codes/codebatch/change_list.html"
    list_display = [
        "name",
        "library",
        "size",
        "valid_until",
        "loaded_at",
        "loaded_by",
        "source_name",
        "codes_link",
    ]
    list_filter = ["library"]
    search_fields = ["name", "source_name"]
    list_select_related = ["library", "loaded_by"]
    readonly_fields = [
        "library",
        "valid_until",
        "size",
        "loaded_at",
        "loaded_by",
        "source_name",
        "codes_link",
    ]
    date_hierarchy = "loaded_at"

    def has_add_permission(self, request):
        # A batch is made by loading a file of codes.
        return False

    @admin.display(description=gettext_lazy("codes"))
    def codes_link(self, batch):
        url = reverse("admin:codes_code_changelist")
        return format_html(
            '<a href="{}?batch__id__exact={}">{}</a>', url, batch.pk, _("codes")
        )

    def changelist_view(self, request, extra_context=None):
        code_admin = self.admin_site.get_model_admin(Code)
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": code_admin.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Code)
class CodeAdmin(ImportMixin, admin.ModelAdmin):
    list_display = ["value", "library", "batch", "status", "valid_until", "assigned_at"]
    list_filter = ["status", "library", "batch"]
    search_fields = ["=value"]
    search_help_text = gettext_lazy("The whole code, in any letter case.")
    list_select_related = ["library", "batch"]
    # Counting every code of a large pool on each search costs more than
    # the page itself.
    show_full_result_count = False
    readonly_fields = [
        "value",
        "batch",
        "library",
        "status",
        "valid_until",
        "created_at",
        "assigned_at",
        "redeemed_at",
        "expired_at",
        "voided_at",
    ]

    resource_classes = [CodeImportResource]
    import_form_class = CodeImportForm
    confirm_form_class = CodeConfirmImportForm
    import_template_name = "admin/codes/code/import.html"

    def has_add_permission(self, request):
        # Codes come in batches, from files.
        return False

    def has_change_permission(self, request, obj=None):
        # A code's status moves with its request, never by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        # A code may have gone to a reader; its history must stay.
        return False

    def get_import_formats(self):
        return [CSV, XLSX]

    def import_action(self, request, **kwargs):
        """Upload a file and preview it: a summary and its first rows."""
        if not self.has_import_permission(request):
            raise PermissionDenied

        form = self.create_import_form(request)
        context = {}
        if request.method == "POST" and form.is_valid():
            context = self._preview(request, form)
        return self._render_import(request, form, **context)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Load the previewed upload, checked once more against the database."""
        if not self.has_import_permission(request):
            raise PermissionDenied

        form = self._blank_import_form(request)
        confirm_form = self.create_confirm_form(request)
        pending = None
        if confirm_form.is_valid():
            pending = self._take_pending(
                request, confirm_form.cleaned_data["import_file_name"]
            )
        if pending is None:
            error = importing.RowError(
                None,
                _(
                    "This upload cannot be confirmed: it was confirmed already, "
                    "is more than a day old, or is not yours. Upload the file again."
                ),
            )
            return self._render_import(request, form, **self._errors([error]))

        result = importing.import_code_file(
            pending.data,
            pending.file_name,
            library=pending.library,
            batch_name=pending.batch_name,
            valid_until=pending.valid_until,
            loaded_by=request.user,
        )
        if not result.ok:
            return self._render_import(request, form, **self._errors(result.errors))

        batch = result.batch
        self.log_addition(
            request,
            batch,
            ngettext(
                "Loaded %(count)s code from %(file)s.",
                "Loaded %(count)s codes from %(file)s.",
                batch.size,
            )
            % {"count": batch.size, "file": batch.source_name},
        )
        messages.success(
            request,
            ngettext(
                "Batch “%(batch)s”: %(count)s code loaded for %(library)s.",
                "Batch “%(batch)s”: %(count)s codes loaded for %(library)s.",
                batch.size,
            )
            % {"batch": batch, "count": batch.size, "library": batch.library},
        )
        url = reverse("admin:codes_code_changelist", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{url}?batch__id__exact={batch.pk}")

    def _preview(self, request, form):
        upload = form.cleaned_data["import_file"]
        checked = importing.check_code_file(
            upload, upload.name, valid_until=form.cleaned_data["valid_until"]
        )
        if not checked.ok:
            return self._errors(checked.errors)

        PendingImport.objects.stale().delete()
        upload.seek(0)
        pending = PendingImport.objects.create(
            uploaded_by=request.user,
            file_name=upload.name[:255],
            data=upload.read(),
            library=form.cleaned_data["library"],
            batch_name=(form.cleaned_data["batch_name"] or upload.name)[:200],
            valid_until=form.cleaned_data["valid_until"],
        )
        # The base confirm form takes the upload's reference from here.
        upload.tmp_storage_name = pending_token(pending)
        return {
            "confirm_form": self.create_confirm_form(request, import_form=form),
            "pending": pending,
            "checked": checked,
            "preview_rows": checked.preview(),
        }

    def _take_pending(self, request, pk):
        """The user's upload, removed so that it loads once at most."""
        pending = (
            PendingImport.objects.filter(pk=pk, uploaded_by=request.user)
            .select_related("library")
            .first()
        )
        # Of two confirmations at once, only the one that deletes it loads it.
        if pending is None or not PendingImport.objects.filter(pk=pk).delete()[0]:
            return None
        return pending

    def _errors(self, errors):
        return {
            "errors": errors[:SHOWN_ERRORS],
            "error_count": len(errors),
            "more_errors": max(len(errors) - SHOWN_ERRORS, 0),
        }

    def _blank_import_form(self, request):
        return self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )

    def _render_import(self, request, form, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import codes"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "code_column": importing.CODE_COLUMN,
            "valid_until_column": importing.VALID_UNTIL_COLUMN,
            "min_length": importing.MIN_LENGTH,
            "max_length": importing.MAX_LENGTH,
            **extra,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)
