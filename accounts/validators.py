from django.core.validators import RegexValidator

validate_card_number = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z -]*\Z",
    "A card number holds only letters, digits, spaces and dashes.",
)
