"""Signals the code pool sends to the apps that build on it."""

from django.dispatch import Signal

# Sent once a batch of codes is committed, with ``batch`` and ``library``:
# waitlisted requests of that library can now be fulfilled.
codes_loaded = Signal()
