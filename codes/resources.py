"""The columns of a code file, as django-import-export shows them."""

from django.utils.translation import gettext as _
from import_export import fields, resources

from codes import importing
from codes.models import Code


class CodeImportResource(resources.ModelResource):
    """A code file's columns: ``code`` and, optionally, ``valid_until``.

    The admin's import pages come from django-import-export, but the file
    itself is read, checked and loaded by ``codes.importing``, the same rules
    as the ``import_codes`` command. Row by row through tablib, line numbers
    shift past blank lines, Windows-1250 and semicolons fail, a repeated code
    becomes an update, and the speed is about a thousand rows a second.
    """

    value = fields.Field(attribute="value", column_name=importing.CODE_COLUMN)
    valid_until = fields.Field(
        attribute="valid_until", column_name=importing.VALID_UNTIL_COLUMN
    )

    class Meta:
        model = Code
        fields = ["value", "valid_until"]

    @classmethod
    def get_display_name(cls):
        return _("Codes")

    def import_data(self, *args, **kwargs):
        raise NotImplementedError("Code files load through codes.importing.")
