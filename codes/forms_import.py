"""The forms of the admin's code import: upload, then confirm."""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from accounts.models import Library
from codes import importing
from codes.models import PendingImport

PENDING_SALT = "codes.pending-import"


def pending_token(pending):
    """The signed reference to an upload that the confirm form carries."""
    return signing.dumps(pending.pk, salt=PENDING_SALT)


class CodeImportForm(ImportForm):
    library = forms.ModelChoiceField(
        queryset=Library.objects.all(),
        label=_("Library"),
        help_text=_("The library whose pool the codes join."),
    )
    batch_name = forms.CharField(
        max_length=200,
        required=False,
        label=_("Batch name"),
        help_text=_("The file's name when left empty."),
    )
    valid_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Valid until"),
        help_text=_(
            "The codes' last valid day. A valid_until column in the file "
            "overrides it row by row; leave it empty only when every row has "
            "its own."
        ),
    )

    field_order = [
        "resource",
        "import_file",
        "format",
        "library",
        "batch_name",
        "valid_until",
    ]

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        # Refused by its size alone, before a byte of it is read.
        message = importing.size_error(upload.size)
        if message:
            raise forms.ValidationError(message)
        return upload


class CodeConfirmImportForm(ConfirmImportForm):
    def clean_import_file_name(self):
        try:
            return signing.loads(
                self.cleaned_data["import_file_name"],
                salt=PENDING_SALT,
                max_age=PendingImport.MAX_AGE,
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This upload cannot be confirmed; upload the file again.")
            )
