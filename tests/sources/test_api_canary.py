"""A canary API key must never appear anywhere: stdout, stderr, log records, files or exception
text, on the success path and on every failure path, at -vv (debug logging, tracebacks)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from auditor.api_settings import Settings
from auditor.errors import AuditorError
from auditor.sources.api import ApiSource
from auditor.testing.faults import Fault
from auditor.testing.server import SmartLeadServer
from tests.support.canary import API_KEY
from tests.support.shared import SHIPPED_POLICIES

CANARY = API_KEY  # the suite-wide canary (tests/canary.py)
FORMS = (CANARY, quote(CANARY, safe=""), quote_plus(CANARY), "9f8e7d6c5b4a")

Setup = Callable[[SmartLeadServer], None]


def _fault(kind: Fault, **options: object) -> Setup:
    return lambda server: server.add_fault(kind, times=50, **options)  # type: ignore[arg-type]


def _churn(server: SmartLeadServer) -> None:
    server.config.insert_every = 2
    server.config.delete_every = 3


PATHS: dict[str, tuple[Setup | None, str, int]] = {
    # name: (server setup, server key, expected exit code)
    "success": (None, CANARY, 0),
    "401-message": (None, "a-different-key", 3),
    "422": (_fault(Fault.HTTP_422), CANARY, 3),
    "403": (_fault(Fault.HTTP_403), CANARY, 3),
    "404": (_fault(Fault.HTTP_404), CANARY, 3),
    "429-exhausted": (_fault(Fault.RATE_LIMITED, retry_after=0), CANARY, 3),
    "429-too-long": (_fault(Fault.RATE_LIMITED, retry_after=3600), CANARY, 3),
    "503-exhausted": (_fault(Fault.HTTP_503), CANARY, 3),
    "502-html": (_fault(Fault.HTTP_502), CANARY, 3),
    "dropped": (_fault(Fault.DROP), CANARY, 3),
    "cut": (_fault(Fault.CUT), CANARY, 3),
    "timeout": (_fault(Fault.SLOW, delay=0.5), CANARY, 3),
    "html": (_fault(Fault.HTML), CANARY, 3),
    "truncated": (_fault(Fault.TRUNCATED), CANARY, 3),
    "success-false": (_fault(Fault.SUCCESS_FALSE), CANARY, 3),
    "keeps-changing": (_churn, CANARY, 3),
}


def _everything(out: str, err: str, logs: list[logging.LogRecord], folder: Path) -> str:
    texts = [out, err]
    for record in logs:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
        texts.append(record.exc_text or "")
    for path in folder.rglob("*"):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def _assert_clean(text: str) -> None:
    for form in FORMS:
        assert form not in text


def _settings(server: SmartLeadServer) -> Settings:
    return Settings(
        _env_file=None,
        api_key=CANARY,
        base_url=server.base_url,  # type: ignore[call-arg]
        rate=1000,
        rate_per_minute=0,
        rate_per_hour=0,
        retries=1,
        backoff=0.0,
        timeout=0.2,
        concurrency=4,
    )


def _env(monkeypatch: pytest.MonkeyPatch, server: SmartLeadServer) -> None:
    for name, value in {
        "SMARTLEAD_API_KEY": CANARY,
        "SMARTLEAD_BASE_URL": server.base_url,
        "SMARTLEAD_RATE": "1000",
        "SMARTLEAD_RATE_PER_MINUTE": "0",
        "SMARTLEAD_RATE_PER_HOUR": "0",
        "SMARTLEAD_RETRIES": "1",
        "SMARTLEAD_BACKOFF": "0",
        "SMARTLEAD_TIMEOUT": "0.2",
        # at rate 1000 the default would be 32 speculative reads: they would use
        # up the faults (times=50) the library run after the CLI run needs
        "SMARTLEAD_CONCURRENCY": "16",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("isolated")
@pytest.mark.parametrize("name", list(PATHS))
@pytest.mark.parametrize("command", ["fetch", "check"])
def test_canary_key_never_leaks(
    name: str,
    command: str,
    run_cli,
    isolated: Path,
    records: list[logging.LogRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup, server_key, code = PATHS[name]
    with SmartLeadServer(250, api_key=server_key) as server:
        if setup is not None:
            setup(server)
        _env(monkeypatch, server)
        if command == "fetch":
            result = run_cli("-vv", "fetch", "-o", "snapshot.json")
        else:
            result = run_cli(
                "-vv",
                "check",
                "--policy",
                SHIPPED_POLICIES,
                "--format",
                "json",
                "--format",
                "markdown",
                "--format",
                "html",
                "--output-dir",
                "out",
            )
        expected = {code, 1} if command == "check" and code == 0 else {code}
        if name == "keeps-changing":  # churn that happens to cancel out gives a consistent view
            expected |= {0, 1}
        assert result.code in expected, result.err
        if result.code == 3:
            assert "page at offset" in result.err
        assert any(r.name.startswith(("httpx", "httpcore")) for r in records)  # HTTP logs ran
        _assert_clean(_everything(result.out, result.err, records, isolated))

        # the library path: the exception itself, its text, repr, traceback and chain
        if code == 3:
            try:
                ApiSource(_settings(server)).load()
            except AuditorError as caught:
                error: BaseException | None = caught
                _assert_clean("".join(traceback.format_exception(caught)))
                while error is not None:
                    _assert_clean(str(error) + repr(error) + repr(getattr(error, "args", "")))
                    error = error.__cause__ or error.__context__
            else:  # churn that happens to cancel out can give a consistent view
                assert name == "keeps-changing"


@pytest.mark.usefixtures("isolated")
def test_connection_refused_and_internal_errors_do_not_leak(
    run_cli, isolated: Path, records: list[logging.LogRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmartLeadServer(1, api_key=CANARY) as server:
        _env(monkeypatch, server)
    refused = run_cli("-vv", "fetch", "-o", "x.json")
    assert refused.code == 3 and "cannot reach the SmartLead API" in refused.err

    # a bug whose message carries the full URL (key included): the traceback at -v is redacted
    import auditor.sources.api_request as api_request

    def broken(self: object, offset: int, response: object) -> list[object]:
        raise RuntimeError(f"unexpected answer for {response.request.url}")  # type: ignore[attr-defined]

    with SmartLeadServer(5, api_key=CANARY) as server:
        _env(monkeypatch, server)
        monkeypatch.setattr(api_request.PageRequester, "_classify", broken)
        crashed = run_cli("-vv", "fetch", "-o", "x.json")
    assert crashed.code == 4
    assert "Traceback" in crashed.err and "api_key=[REDACTED]" in crashed.err
    _assert_clean(
        _everything(refused.out + crashed.out, refused.err + crashed.err, records, isolated)
    )
