from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Library, User


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "monthly_limit",
        "low_pool_threshold",
        "contact_email",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


class StaffCreationForm(forms.ModelForm):
    """A new account without a password: the person chooses it from a mail."""

    class Meta:
        model = User
        fields = ["email", "full_name", "library", "groups", "is_staff"]
        help_texts = {
            "library": _("Set for a librarian: the library whose queue they work."),
            "groups": _("The role: empik (provider staff) or library (librarians)."),
            "is_staff": _("Provider staff need it to load codes in the admin."),
        }

    def save(self, commit=True):
        user = super().save(commit=False)
        services.give_secret_password(user)
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = StaffCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "library", "home_library", "is_staff"]
    list_filter = ["groups", "library", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    list_select_related = ["library", "home_library"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "home_library", "card_number"]}),
        (_("Staff"), {"fields": ["library", "groups", "is_staff", "is_active"]}),
        (
            _("Administration"),
            {
                "fields": [
                    "is_superuser",
                    "user_permissions",
                    "last_login",
                    "date_joined",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "library", "groups", "is_staff"],
            },
        ),
    ]

    def response_add(self, request, obj, post_url_continue=None):
        services.send_password_link(
            obj,
            domain=request.get_host(),
            use_https=request.is_secure(),
            request=request,
        )
        messages.info(
            request,
            _("A link to choose a password was mailed to %(email)s.")
            % {"email": obj.email},
        )
        return super().response_add(request, obj, post_url_continue)
