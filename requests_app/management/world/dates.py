"""The months a world spans and the local midnights they start at."""

import datetime

from django.utils import timezone


def _month_starts(now, count):
    """Local midnights of the first days of the ``count`` months up to now."""
    day = timezone.localdate(now).replace(day=1)
    days = [day]
    while len(days) < count:
        days.append((days[-1] - datetime.timedelta(days=1)).replace(day=1))
    return [_local_midnight(day) for day in reversed(days)]


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
