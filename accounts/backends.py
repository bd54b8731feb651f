from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class AccountBackend(ModelBackend):
    """Django's model backend; the signed-in user comes with their library.

    Every librarian's page needs the library, so it is read with the user
    instead of in a query of its own on each request.
    """

    def get_user(self, user_id):
        user = User.objects.select_related("library").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
