from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

validate_card_number = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z -]*\Z",
    _("A card number holds only letters, digits, spaces and dashes."),
)
