from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Library
from accounts.validators import validate_card_number
from codeshare.forms import BootstrapBoundField


class RequestForm(forms.Form):
    library = forms.ModelChoiceField(
        queryset=Library.objects.order_by("name"),
        empty_label=None,
        label=_("Library"),
        help_text=_("The library whose code you ask for."),
    )
    card_number = forms.CharField(
        label=_("Library card number"),
        max_length=32,
        validators=[validate_card_number],
        help_text=_("Have your card at hand: the library checks the number."),
    )

    def __init__(self, *args, reader, **kwargs):
        kwargs.setdefault(
            "initial",
            {"library": reader.home_library_id, "card_number": reader.card_number},
        )
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Ask for a code")))


class RejectForm(forms.Form):
    bound_field_class = BootstrapBoundField

    reason = forms.CharField(
        label=_("Reason, for the reader"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The reader reads this. Say what they can do about it."),
    )
