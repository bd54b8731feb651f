"""Forms drawn with Bootstrap's classes without a crispy template per field.

crispy-forms renders a field through a dozen nested templates; on a list
page the filter form alone cost more than the table. A ``FilterForm`` puts
Bootstrap's classes and the error state on the widgets themselves, so that
``partials/filter_form.html`` renders each field as label, widget, errors.
"""

from django import forms


class BootstrapBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = [
            attrs.get("class", ""),
            "form-select" if isinstance(widget, forms.Select) else "form-control",
        ]
        if self.errors:
            classes.append("is-invalid")
            attrs["aria-describedby"] = f"{self.auto_id}_error"
        attrs["class"] = " ".join(name for name in classes if name)
        return attrs


class FilterForm(forms.Form):
    """The form of a filter set; see ``partials/filter_form.html``."""

    bound_field_class = BootstrapBoundField
