"""Settings: flags > environment > .env > defaults; the API key is a secret from the start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.api_settings import DEFAULT_BASE_URL, load_settings, require_api_key
from auditor.errors import ExitCode, UsageError
from auditor.redact import redact
from auditor.testing.server import SmartLeadServer

pytestmark = pytest.mark.usefixtures("isolated")


def test_defaults_without_environment_or_env_file() -> None:
    settings = load_settings()
    assert settings.api_key is None
    assert settings.base_url == DEFAULT_BASE_URL == "https://server.smartlead.ai/api/v1"
    assert (settings.rate, settings.concurrency, settings.timeout, settings.retries) == (
        10.0,
        None,
        30.0,
        5,
    )
    # SmartLead's current rate-limit guide: 10 per second, 60 per minute, 1,000 per hour
    assert (settings.rate_per_minute, settings.rate_per_hour) == (60.0, 1000.0)
    assert settings.max_accounts == 250_000


def test_precedence_flags_over_environment_over_env_file(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    (isolated / ".env").write_text(
        "SMARTLEAD_API_KEY=from-dotenv-key\nSMARTLEAD_RATE=2\nSMARTLEAD_TIMEOUT=7\n"
        "SMARTLEAD_RETRIES=9\nUNRELATED=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SMARTLEAD_RATE", "3")
    monkeypatch.setenv("SMARTLEAD_TIMEOUT", "8")
    settings = load_settings({"rate": 4.0, "timeout": None, "retries": None})
    assert settings.rate == 4.0  # flag beats environment
    assert settings.timeout == 8.0  # environment beats .env
    assert settings.retries == 9  # .env beats default
    assert settings.concurrency is None  # default: derived from the rate when fetching
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "from-dotenv-key"


def test_env_file_can_be_disabled(isolated: Path) -> None:
    (isolated / ".env").write_text("SMARTLEAD_RATE=2\n", encoding="utf-8")
    assert load_settings(env_file=None).rate == 10.0


def test_key_is_secret_and_registered_with_the_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sl-settings-key+/=42abc"
    monkeypatch.setenv("SMARTLEAD_API_KEY", f"  {key}  ")
    settings = load_settings()
    assert key not in repr(settings) and key not in str(settings)
    assert require_api_key(settings) == key
    for form in (key, "sl-settings-key%2B%2F%3D42abc", "sl-settings-key%2B%2F%3D42abc"):
        assert "[REDACTED]" in redact(f"url?x={form}") and form not in redact(f"x {form} y")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_or_blank_key_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("SMARTLEAD_API_KEY", value)
    with pytest.raises(UsageError) as caught:
        require_api_key(load_settings())
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message == "SMARTLEAD_API_KEY is not set."
    assert caught.value.tip is not None and "never a flag" in caught.value.tip


def test_the_key_is_never_accepted_as_an_override() -> None:
    with pytest.raises(UsageError, match="never from a flag"):
        load_settings({"api_key": "x" * 20})


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SMARTLEAD_RATE", "fast", "--rate / SMARTLEAD_RATE"),
        ("SMARTLEAD_RATE", "0", "--rate / SMARTLEAD_RATE"),
        ("SMARTLEAD_CONCURRENCY", "0", "--concurrency / SMARTLEAD_CONCURRENCY"),
        ("SMARTLEAD_RETRIES", "-1", "--retries / SMARTLEAD_RETRIES"),
        ("SMARTLEAD_BASE_URL", "server.smartlead.ai", "SMARTLEAD_BASE_URL"),
        ("SMARTLEAD_BASE_URL", "https://x.example/api?api_key=1", "SMARTLEAD_BASE_URL"),
    ],
)
def test_invalid_settings_name_the_variable_and_flag(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError) as caught:
        load_settings()
    assert named in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE


def test_base_url_trailing_slash_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTLEAD_BASE_URL", "http://127.0.0.1:9/api/v1/")
    assert load_settings().base_url == "http://127.0.0.1:9/api/v1"


def test_cli_without_key_exits_2_with_a_hint_before_any_request(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("fetch", "-o", "out.json")
    assert result.code == 2
    assert result.out == ""
    assert "SMARTLEAD_API_KEY is not set." in result.err
    assert "Tip:" in result.err
    assert not Path("out.json").exists()


def test_cli_has_no_api_key_flag(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("fetch", "-o", "out.json", "--api-key", "abc-secret-key")
    assert result.code == 2
    assert "unknown option --api-key for fetch" in result.err
    assert "abc-secret-key" not in result.err  # the value after an unknown flag is not echoed


def test_unreadable_env_file_is_a_usage_error_without_its_content(isolated: Path) -> None:
    (isolated / ".env").write_bytes(b"SMARTLEAD_API_KEY=secret-\xff-key\n")
    with pytest.raises(UsageError) as caught:
        load_settings()
    assert "cannot read the settings" in caught.value.message
    assert "secret" not in str(caught.value)


def test_a_key_shorter_than_eight_characters_is_refused(
    run_cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTLEAD_API_KEY", "abc1234")
    result = run_cli("fetch", "-o", "snap.json")
    assert result.code == 2
    assert "SMARTLEAD_API_KEY" in result.err and "shorter than 8 characters" in result.err
    assert "abc1234" not in result.err


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://api.example.test/api/v1", False),
        ("http://10.0.0.5/api/v1", False),
        ("http://127.0.0.1:9/api/v1", True),
        ("http://localhost:9/api/v1", True),
        ("http://[::1]:9/api/v1", True),
        ("https://api.example.test/api/v1", True),
    ],
)
def test_a_base_url_off_this_machine_must_be_https(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, url: str, allowed: bool
) -> None:
    monkeypatch.setenv("SMARTLEAD_BASE_URL", url)
    if allowed:
        assert load_settings(env_file=None).base_url == url
        return
    with pytest.raises(UsageError, match="is not https"):
        load_settings(env_file=None)
    assert load_settings({"allow_insecure_url": True}, env_file=None).base_url == url


def test_credentials_in_the_base_url_are_redacted_where_it_is_shown_or_stored(
    run_cli: Any, live_env: SmartLeadServer, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    port = live_env.base_url.split(":")[2].split("/")[0]
    monkeypatch.setenv(
        "SMARTLEAD_BASE_URL", f"http://ops:hunter2-canary-pw@127.0.0.1:{port}/api/v1"
    )
    shown = run_cli("check", "--show-config")
    assert shown.code == 0 and "127.0.0.1" in shown.out
    fetched = run_cli("fetch", "-o", "snap.json", "-vv")
    assert fetched.code == 0, fetched.err
    stored = (isolated / "snap.json").read_text()
    for text in (shown.out, shown.err, fetched.out, fetched.err, stored):
        assert "hunter2-canary-pw" not in text
        assert "ops:" not in text
