from django.dispatch import receiver

from codes.signals import codes_loaded
from requests_app import services


@receiver(codes_loaded)
def fulfil_waitlist_with_new_codes(sender, batch, library, **kwargs):
    services.fulfil_waitlist(library)
