"""The one seam between remediation and the rate limiter: ``apply`` paces its reads and writes
with the very limiter the fetch uses, since SmartLead has one budget per key for all endpoints.
When the fetch's limiter changes, only this module follows it."""

from __future__ import annotations

from auditor.api_settings import Settings
from auditor.sources.pacing import Pacer, windows_for

__all__ = ["Pacer", "make_pacer", "sustained_rate"]

HOUR = 3600.0


def make_pacer(settings: Settings) -> Pacer:
    """The limiter for one ``apply`` run, shared by every request it makes. An apply of more
    changes than the hourly budget waits for the next hour's (its progress shows the ETA) rather
    than failing as a fetch does after two minutes."""
    windows = windows_for(settings.rate, settings.rate_per_minute, settings.rate_per_hour)
    return Pacer(windows, max_hold=HOUR)


def sustained_rate(settings: Settings) -> float:
    """Requests per second over an hour: the per-second rate, unless a minute or hour budget is
    tighter. What an ETA should divide by."""
    rate = settings.rate
    for budget, seconds in ((settings.rate_per_minute, 60), (settings.rate_per_hour, 3600)):
        if budget > 0:
            rate = min(rate, budget / seconds)
    return rate
