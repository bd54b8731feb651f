"""Filter forms that render quickly: Bootstrap's classes, widgets written out.

crispy-forms renders a field through a dozen nested templates, and Django
renders each widget, and each option of a select, through templates of its
own: on a list page the filter form cost as much as the table. A
``FilterForm`` puts Bootstrap's classes and the error state on the widgets,
``partials/form_field.html`` draws each field as label, widget, help and errors,
and the ``Quick`` widgets write their HTML as Django's templates would.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class BootstrapBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = [
            attrs.get("class", ""),
            "form-select" if isinstance(widget, forms.Select) else "form-control",
        ]
        if self.errors:
            # Django itself points aria-describedby at the error and the help.
            classes.append("is-invalid")
        attrs["class"] = " ".join(name for name in classes if name)
        return attrs


class FilterForm(forms.Form):
    """The form of a filter set; see ``partials/filter_form.html``."""

    bound_field_class = BootstrapBoundField


class QuickSelect(forms.Select):
    """A select written out directly, as Django's own templates write it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, group_choices, _ in widget["optgroups"]:
            options = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>\n',
                (
                    (option["value"], attributes(option["attrs"]), option["label"])
                    for option in group_choices
                ),
            )
            if group_name:
                options = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, options
                )
            groups.append(options)
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            attributes(widget["attrs"]),
            mark_safe("".join(groups)),
        )


class QuickInputMixin:
    """An input written out directly, as Django's own template writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        given = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', given) if given is not None else "",
            attributes(widget["attrs"]),
        )


class QuickTextInput(QuickInputMixin, forms.TextInput):
    pass


class QuickDateInput(QuickInputMixin, forms.DateInput):
    """A browser's date picker, reading and giving ISO dates."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"type": "date", **(attrs or {})}, format="%Y-%m-%d")


def attributes(attrs):
    """HTML attributes, as Django's ``attrs.html`` writes them."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )
