"""Settings for the live SmartLead API: flags > environment > ``.env`` > defaults.

pydantic-settings gives exactly that precedence when the command layer passes only the flags the
user actually gave as keyword arguments. The API key is a ``SecretStr`` from the start, is read
only from the environment or ``.env`` (a flag would land in shell history and ``ps``), and is
registered with the redactor the moment it is read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from auditor.errors import UsageError
from auditor.redact import redact, register_secret

DEFAULT_BASE_URL = "https://server.smartlead.ai/api/v1"
# Shorter "keys" would garble every message they are scrubbed from; real ones are much longer.
MIN_KEY_LENGTH = 8
ENV_PREFIX = "SMARTLEAD_"
# The flag that overrides each setting, for error messages (the API key has none, on purpose).
FLAGS = {
    "rate": "--rate",
    "rate_per_minute": "--rate-per-minute",
    "rate_per_hour": "--rate-per-hour",
    "max_accounts": "--max-accounts",
    "concurrency": "--concurrency",
    "timeout": "--timeout",
    "retries": "--retries",
    "allow_insecure_url": "--allow-insecure-url",
}


class Settings(BaseSettings):
    """How to reach the API and how hard to push it; every field has an env var ``SMARTLEAD_*``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        frozen=True,
    )

    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    # SmartLead's current rate-limit guide (Standard plan, per key, all endpoints): bursts of 10
    # per second, 60 per minute, 1,000 per hour. 0 turns a minute or hour budget off.
    rate: float = Field(default=10.0, gt=0, le=1000, description="requests per second")
    rate_per_minute: float = Field(default=60.0, ge=0, description="requests per minute (0: off)")
    rate_per_hour: float = Field(default=1000.0, ge=0, description="requests per hour (0: off)")
    # A fetch stops (exit 3) rather than page past this: a server whose pages never end.
    max_accounts: int = Field(default=250_000, ge=1, description="accounts a fetch may read")
    # None: enough for the rate (``auditor.sources.pacing.default_concurrency``)
    concurrency: int | None = Field(
        default=None, ge=1, le=256, description="requests in flight at most"
    )
    timeout: float = Field(default=30.0, gt=0, le=600, description="seconds per request")
    retries: int = Field(default=5, ge=0, le=50, description="retries per request / re-syncs")
    backoff: float = Field(default=0.5, ge=0, le=60, description="first retry delay, seconds")
    allow_insecure_url: bool = False

    @field_validator("api_key")
    @classmethod
    def _blank_key_is_missing(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip()) < MIN_KEY_LENGTH:
            raise ValueError(
                f"is shorter than {MIN_KEY_LENGTH} characters: not a SmartLead API key"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, e.g. " + DEFAULT_BASE_URL)
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query string or fragment")
        userinfo = parts.netloc.rpartition("@")[0]
        for secret in (userinfo, parts.password):  # user:password@ is a secret
            if secret:
                register_secret(unquote(secret))
                register_secret(secret)
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _https_unless_loopback(self) -> Settings:
        """The key travels in the URL: in clear text only to this machine, or when asked."""
        parts = urlsplit(self.base_url)
        if parts.scheme == "http" and not self.allow_insecure_url and not _loopback(parts.hostname):
            raise ValueError(
                f"base_url {redact(self.base_url)} is not https: the API key would travel in "
                "clear text (use https, or pass --allow-insecure-url / "
                "SMARTLEAD_ALLOW_INSECURE_URL=true)"
            )
        return self


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(
    overrides: Mapping[str, object] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings; ``overrides`` are flag values (``None`` means "flag not given")."""
    given = {name: value for name, value in (overrides or {}).items() if value is not None}
    if "api_key" in given:
        raise UsageError("the API key is read only from SMARTLEAD_API_KEY, never from a flag.")
    try:
        settings = Settings(_env_file=env_file, **given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise UsageError(
            _settings_message(exc), tip="fix the flag, the environment variable or the .env entry."
        ) from None
    except (SettingsError, OSError, UnicodeDecodeError) as exc:
        # no detail: the text of a broken .env line may be the key itself
        raise UsageError(
            f"cannot read the settings ({type(exc).__name__}).",
            tip=f"check that {env_file} is UTF-8 text of NAME=value lines.",
        ) from None
    if settings.api_key is not None:
        register_secret(settings.api_key.get_secret_value())
    return settings


def require_api_key(settings: Settings) -> str:
    """The key, or a usage error (exit 2) saying where to put it."""
    if settings.api_key is None:
        raise UsageError(
            "SMARTLEAD_API_KEY is not set.",
            tip="export SMARTLEAD_API_KEY=... or put it in ./.env (it is never a flag); "
            "or audit a saved file with --inventory FILE.",
        )
    key = settings.api_key.get_secret_value()
    register_secret(key)
    return key


def _settings_message(exc: ValidationError) -> str:
    # include_input=False: a rejected value may be the key itself.
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "settings"
        where = ENV_PREFIX + field.upper()
        if field in FLAGS:
            where = f"{FLAGS[field]} / {where}"
        lines.append(f"{where}: {error['msg']}")
    return "invalid settings: " + "; ".join(lines) + "."
