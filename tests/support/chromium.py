"""How the project starts Debian's Chromium headless (tests and benchmarks share it).

Playwright's own browser download cannot work on these machines, so Playwright is pointed at
`/usr/bin/chromium`. The flags keep it from reaching any network service of its own (background
networking, component updates, sync), and `--no-sandbox` lets it run as root in CI.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
