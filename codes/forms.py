import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from codes import importing
from codes.importing.reading import NotATable, read_table

# A code is 4 to 64 letters, digits or dashes, as the import takes them.
CODE_PATTERN = re.compile(
    rf"{importing.CODE_CHARACTER}{{{importing.MIN_LENGTH},{importing.MAX_LENGTH}}}"
)
# Pasted codes may come one a line, or separated by spaces, commas or
# semicolons.
PASTE_SEPARATORS = re.compile(r"[\s,;]+")
ERRORS_SHOWN = 10
FILE_ACCEPT = (
    ".csv,.txt,.xlsx,text/csv,text/plain,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


def parse_code_file(upload):
    """The code values in a CSV with a ``code`` column, or one a line.

    The file is read as the import reads it: commas or semicolons, UTF-8
    with or without BOM or Windows-1250, or an XLSX workbook. Without a
    header row naming the ``code`` column, every line must hold one code.
    """
    error = importing.size_error(upload.size)
    if error:
        raise forms.ValidationError(error)

    values, errors = [], []
    column = None
    try:
        for line, row in read_table(upload):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if column is None:
                lowered = [cell.lower() for cell in cells]
                column = lowered.index("code") if "code" in lowered else -1
                if column >= 0:
                    continue

            value, error = _code_in_row(cells, column, line)
            if error:
                errors.append(error)
            else:
                values.append(value)
    except NotATable as exc:
        raise forms.ValidationError(str(importing.RowError(exc.line, str(exc))))

    _raise_if_any(errors)
    if not values:
        raise forms.ValidationError(_("The file holds no codes."))
    return values


def _code_in_row(cells, column, line):
    """The code in a row, or what is wrong with the row; -1 is a bare list."""
    if column == -1:
        filled = [cell for cell in cells if cell]
        if len(filled) > 1:
            return None, _(
                "Line %(line)s holds several cells. A file of several columns "
                "needs a header row naming the code column “code”."
            ) % {"line": line}
        value = filled[0]
    else:
        value = cells[column] if column < len(cells) else ""
        if not value:
            return None, _("Line %(line)s has no code.") % {"line": line}

    if not CODE_PATTERN.fullmatch(value):
        return None, _("Line %(line)s: “%(value)s” is not a code.") % {
            "line": line,
            "value": value[:70],
        }
    return value, None


def parse_pasted_codes(text):
    """The code values in text pasted into a form, a ``code`` heading skipped."""
    values = [value for value in PASTE_SEPARATORS.split(text) if value]
    if values and values[0].lower() == "code":
        values = values[1:]
    _raise_if_any(
        [
            _("“%(value)s” is not a code.") % {"value": value[:70]}
            for value in values
            if not CODE_PATTERN.fullmatch(value)
        ]
    )
    return values


def _raise_if_any(errors):
    if not errors:
        return

    shown = [forms.ValidationError(error) for error in errors[:ERRORS_SHOWN]]
    hidden = len(errors) - ERRORS_SHOWN
    if hidden > 0:
        shown.append(
            forms.ValidationError(
                ngettext("…and %(count)s more.", "…and %(count)s more.", hidden)
                % {"count": hidden}
            )
        )
    shown.append(
        forms.ValidationError(
            _(
                "A code is %(min)s to %(max)s letters, digits or dashes. "
                "Nothing was changed."
            )
            % {"min": importing.MIN_LENGTH, "max": importing.MAX_LENGTH}
        )
    )
    raise forms.ValidationError(shown)


class CodeFileField(forms.FileField):
    """An uploaded CSV or list of codes, cleaned to the list of its values."""

    widget = forms.FileInput(attrs={"accept": FILE_ACCEPT})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return []
        return parse_code_file(upload)


class RedeemForm(forms.Form):
    usage_file = CodeFileField(
        label=gettext_lazy("Usage file"),
        help_text=gettext_lazy(
            "The platform's list of used codes: an XLSX or CSV file with a "
            "“code” column (CSV with commas or semicolons, in UTF-8 or "
            "Windows-1250), or one code a line."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("redeem", _("Mark these codes redeemed")))

    def clean(self):
        cleaned = super().clean()
        cleaned["codes"] = cleaned.get("usage_file", [])
        return cleaned


class VoidForm(forms.Form):
    pasted = forms.CharField(
        label=gettext_lazy("Codes to void"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One a line, or separated by spaces, commas or semicolons."
        ),
    )
    code_file = CodeFileField(
        label=gettext_lazy("Or a file of codes"),
        required=False,
        help_text=gettext_lazy(
            "An XLSX or CSV file with a “code” column, or one code a line."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in each code's history in the admin."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        button = Submit("void", _("Void these codes"))
        button.field_classes = "btn btn-danger"
        self.helper.add_input(button)

    def clean_pasted(self):
        return parse_pasted_codes(self.cleaned_data["pasted"])

    def clean(self):
        cleaned = super().clean()
        codes = cleaned.get("pasted", []) + cleaned.get("code_file", [])
        if not codes and not self.errors:
            raise forms.ValidationError(_("Paste the codes to void or choose a file."))
        cleaned["codes"] = codes
        return cleaned
