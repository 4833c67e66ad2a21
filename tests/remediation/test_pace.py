"""apply paces with the fetch's limiter, under the same budgets, but waits out an hourly budget
that a fetch would give up on."""

from __future__ import annotations

from auditor.api_settings import Settings
from auditor.remediation.pace import make_pacer, sustained_rate


def settings(**values: float) -> Settings:
    return Settings(api_key="key-0123456789", **values)  # type: ignore[arg-type]


def test_the_budgets_of_the_settings_are_the_pacers_windows() -> None:
    pacer = make_pacer(settings(rate=5, rate_per_minute=60, rate_per_hour=1000))
    assert [(w.limit, w.seconds) for w in pacer.windows] == [(5, 1.0), (60, 60.0), (1000, 3600.0)]
    assert pacer.max_hold >= 3600  # the next hour's budget is waited for, not an error


def test_the_eta_divides_by_the_tightest_budget() -> None:
    assert sustained_rate(settings(rate=10, rate_per_minute=60, rate_per_hour=1000)) == 1000 / 3600
    assert sustained_rate(settings(rate=10, rate_per_minute=0, rate_per_hour=0)) == 10
    assert sustained_rate(settings(rate=10, rate_per_minute=30, rate_per_hour=0)) == 0.5
