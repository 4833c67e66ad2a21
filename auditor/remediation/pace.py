"""The one seam between remediation and the rate limiter: ``apply`` paces its reads and writes
with the very limiter the fetch uses, since SmartLead has one budget per key for all endpoints.
When the fetch's limiter changes, only this module follows it."""

from __future__ import annotations

from auditor.api_settings import Settings
from auditor.sources.pacing import Pacer

__all__ = ["Pacer", "make_pacer", "sustained_rate"]


def make_pacer(settings: Settings) -> Pacer:
    """The limiter for one ``apply`` run, shared by every request it makes."""
    return Pacer(settings.rate)


def sustained_rate(settings: Settings) -> float:
    """Requests per second over an hour: the per-second rate, unless an hourly budget (when the
    settings carry one) is tighter. What an ETA should divide by."""
    hourly = getattr(settings, "per_hour", None)
    rate = settings.rate
    if isinstance(hourly, int | float) and hourly > 0:
        rate = min(rate, float(hourly) / 3600)
    return rate
