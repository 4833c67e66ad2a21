"""The browser the HTML report's browser tests share, and pages that are watched while open."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser import PageWatch, launch_chromium, open_report

Opener = Callable[..., Any]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Opener]:
    """Open a report (anything with a ``path``); after the test, assert that no page misbehaved."""
    opened: list[tuple[Any, PageWatch]] = []

    def opener(report: Any, fragment: str = "", **kwargs: Any) -> Any:
        page, watch = open_report(browser, report.path, fragment, **kwargs)
        opened.append((page, watch))
        return page

    yield opener
    problems = [p for _, watch in opened for p in watch.problems()]
    for page, _ in opened:
        page.close()
    assert problems == []
