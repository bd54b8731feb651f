from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from accounts.models import User


class AccountBackend(ModelBackend):
    """Django's model backend; the signed-in user comes with library and roles.

    Every page checks the user's role and a librarian's pages need the
    library: both are read with the user, in one query, on each request.
    """

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = User.objects.signed_in(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
