"""Checks that guard views by role."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts import roles

HAS_ROLE = {
    roles.EMPIK: lambda user: user.is_provider,
    roles.LIBRARY: lambda user: user.is_librarian,
    roles.READER: lambda user: user.is_reader,
}


def role_required(role):
    """Let only signed-in members of ``role`` through; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not HAS_ROLE[role](user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
