"""The account model: one SmartLead sending mailbox, and the inventory that holds them.

Wire names (the SmartLead JSON spelling) live only here, as aliases: the rest of the code uses the
Python field names. Passwords never get past this module: an account keeps only whether one was
present, and its own secrets are scrubbed (by `auditor.redact`) from every text it carries.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import InitVar, dataclass
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Annotated, Any, get_args

from pydantic import AliasChoices, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic.fields import FieldInfo

from auditor.redact import REDACTOR, SecretSet
from auditor.sources.wiretypes import (
    BlankIs,
    OptBool,
    OptDatetime,
    OptInt,
    OptPercent,
    OptStr,
    OptTextOrInteger,
    WireInt,
)

CREDENTIAL_TAG = "credential_tag"
# Per-process key for credential tags: equal within one run, meaningless outside it.
_RUN_KEY = secrets.token_bytes(32)


# Accounts are pydantic *dataclasses* with slots: validated in pydantic-core like models, but
# without a per-instance __dict__ and set of given field names, which made up most of the memory
# of a large inventory.
_WIRE = ConfigDict(extra="ignore", populate_by_name=True, hide_input_in_errors=True)


@wire_dataclass(frozen=True, slots=True, config=_WIRE)
class Tag:
    """Accepts both spellings: ``tag_id/tag_name/tag_color`` (accounts) and ``id/name/color``."""

    id: OptInt = Field(
        default=None, validation_alias=AliasChoices("tag_id", "id"), serialization_alias="tag_id"
    )
    # A tag without a name is odd, not a reason to stop the audit.
    name: Annotated[str, BlankIs("string", "")] = Field(
        default="",
        validation_alias=AliasChoices("tag_name", "name"),
        serialization_alias="tag_name",
    )
    color: OptStr = Field(
        default=None,
        validation_alias=AliasChoices("tag_color", "color"),
        serialization_alias="tag_color",
    )


@wire_dataclass(frozen=True, slots=True, config=_WIRE)
class WarmupDetails:
    status: OptStr = None
    total_sent_count: OptInt = None
    total_spam_count: OptInt = None
    warmup_reputation: OptPercent = None
    warmup_key_id: OptTextOrInteger = None
    warmup_created_at: OptDatetime = None
    reply_rate: OptPercent = None
    blocked_reason: OptStr = None
    warmup_min_count: OptInt = None
    warmup_max_count: OptInt = None
    max_email_per_day: OptInt = None


def _given(secret: object) -> str | None:
    """The password when one was sent: text that is not blank, or a number (a password all the
    same). Anything else counts as none."""
    if isinstance(secret, int | float) and not isinstance(secret, bool):
        return str(secret)
    if isinstance(secret, str) and secret and not secret.isspace():
        return secret
    return None


def _credential_tag(host: str | None, username: str | None, secret: str) -> bytes | None:
    """A keyed hash (BLAKE2b in MAC mode: one C call) of host+username+password, so
    `shared-credentials` can compare logins without keeping a password; the key dies with the
    process, so the tag cannot be attacked offline, and it is never serialized."""
    if host is None or username is None:
        return None
    message = "\0".join((host.strip().lower(), username.strip().lower(), secret))
    return hashlib.blake2b(message.encode("utf-8", "surrogatepass"), key=_RUN_KEY).digest()


@wire_dataclass(frozen=True, slots=True, config=_WIRE)
class EmailAccount:
    """One sending mailbox, as ``GET /email-accounts/`` returns it, minus its passwords."""

    id: WireInt
    created_at: OptDatetime = None
    updated_at: OptDatetime = None
    user_id: OptInt = None
    from_name: OptStr = None
    from_email: OptStr = None
    username: OptStr = None
    has_password: bool = False
    smtp_host: OptStr = None
    smtp_port: OptInt = None
    smtp_port_type: OptStr = None
    message_per_day: OptInt = None
    daily_sent_count: OptInt = None
    min_time_to_wait_mins: OptInt = Field(default=None, alias="minTimeToWaitInMins")
    different_reply_to_address: OptStr = None
    bcc_email: OptStr = None
    custom_tracking_domain: OptStr = None
    signature: OptStr = None
    is_different_imap_account: OptBool = None
    imap_username: OptStr = None
    has_imap_password: bool = False
    imap_host: OptStr = None
    imap_port: OptInt = None
    imap_port_type: OptStr = None
    is_smtp_success: OptBool = None
    is_imap_success: OptBool = None
    smtp_failure_error: OptStr = None
    imap_failure_error: OptStr = None
    type: OptStr = None
    client_id: OptInt = None
    campaign_count: OptInt = None
    tags: Annotated[tuple[Tag, ...], BlankIs("array of tags", ())] = ()
    campaign_ids: tuple[WireInt, ...] | None = None
    warmup_details: WarmupDetails | None = None
    credential_tag: bytes | None = Field(default=None, init=False, exclude=True, repr=False)
    # The wire's passwords are arguments, not fields: `__post_init__` takes what it needs from
    # them, and nothing keeps them. They are validated as anything at all, never echoed.
    password: InitVar[Any] = None
    imap_password: InitVar[Any] = None

    def __post_init__(self, password: Any, imap_password: Any) -> None:
        _take_passwords(self, password, imap_password)

    @property
    def email(self) -> str:
        return self.from_email or ""

    @property
    def sender_domain(self) -> str:
        """Lower-cased domain of ``from_email`` ("" when there is none)."""
        return self.email.rpartition("@")[2].lower() if "@" in self.email else ""

    @property
    def in_use(self) -> bool:
        """In at least one campaign: ``campaign_ids`` when fetched, else ``campaign_count``."""
        if self.campaign_ids is not None:
            return len(self.campaign_ids) > 0
        return (self.campaign_count or 0) > 0

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(tag.name for tag in self.tags)

    @property
    def warmup_status(self) -> str | None:
        return self.warmup_details.status if self.warmup_details else None


_ACCOUNT = TypeAdapter(EmailAccount)


def account_to_wire(account: EmailAccount) -> dict[str, Any]:
    """JSON-ready data with SmartLead's field names (and no password: an account has none)."""
    data: dict[str, Any] = _ACCOUNT.dump_python(account, mode="json", by_alias=True)
    return data


@cache
def fields_of(wire_class: type[Any]) -> dict[str, FieldInfo]:
    """The fields of `EmailAccount`, `WarmupDetails` or `Tag` (pydantic dataclasses), by name;
    not the passwords, which are init-only arguments."""
    fields: dict[str, FieldInfo] = wire_class.__pydantic_fields__
    return {name: info for name, info in fields.items() if not info.init_var}


def _holds_text(annotation: object) -> bool:
    return annotation is str or any(map(_holds_text, get_args(annotation)))


def _text_fields(fields: dict[str, FieldInfo]) -> tuple[str, ...]:
    """The fields that carry text: what a secret can leak into."""
    return tuple(
        n for n, info in fields.items() if _holds_text(info.annotation) and not info.exclude
    )


_TEXT_FIELDS = _text_fields(fields_of(EmailAccount))
_read_texts = attrgetter(*_TEXT_FIELDS)
_NESTED_TEXT_FIELDS = {
    WarmupDetails: _text_fields(fields_of(WarmupDetails)),
    Tag: _text_fields(fields_of(Tag)),
}
# Set by `auditor.sources.inventory.parse_accounts` while it validates: it scrubs every account
# once they all exist, with every password of the inventory, since one account's password can
# leak into another's error text.
SCRUB_DEFERRED: ContextVar[bool] = ContextVar("scrub_deferred", default=False)


def _take_passwords(account: EmailAccount, smtp_secret: Any, imap_secret: Any) -> None:
    """Keep only "is a password set" and a credential tag, and scrub every secret (the account's
    passwords in every form, and whatever `auditor.redact` knows of) from its texts, here or,
    while an inventory is parsed, once it is whole: nothing downstream needs to scrub again. The
    account is frozen: this is its __init__."""
    smtp, imap = _given(smtp_secret), _given(imap_secret)
    assign = object.__setattr__
    if smtp is not None:
        assign(account, "has_password", True)
        assign(account, CREDENTIAL_TAG, _credential_tag(account.smtp_host, account.username, smtp))
    if imap is not None:
        assign(account, "has_imap_password", True)
    if not SCRUB_DEFERRED.get():
        scrub_texts(account, SecretSet((smtp, imap)))


def scrub_texts(account: EmailAccount, secrets: SecretSet) -> None:
    """Scrub ``secrets`` (and the process's, see `auditor.redact`) from every text the account
    carries, nested ones included. The account is frozen: only its making and this may write."""
    assign = object.__setattr__
    texts = _read_texts(account)
    nested = _nested_texts(account)
    # One look over all texts at once; the per-field pass runs only when a secret is there.
    if not REDACTOR.finds("\0".join(filter(None, (*texts, *nested))), secrets):
        return
    for name, text in zip(_TEXT_FIELDS, texts, strict=True):
        if text:
            assign(account, name, REDACTOR(text, secrets))
    for part in _nested_parts(account):
        for name in _NESTED_TEXT_FIELDS[type(part)]:
            if text := getattr(part, name):
                assign(part, name, REDACTOR(text, secrets))


def scrub_accounts(accounts: Sequence[EmailAccount], secrets: SecretSet) -> None:
    """`scrub_texts` for each account, with every password of the inventory (one account's
    password can leak into another's error text). Account by account: looking at a batch's
    texts first saves little where texts seldom hold a secret, and scans twice where many do."""
    for account in accounts:
        scrub_texts(account, secrets)


def _nested_parts(account: EmailAccount) -> tuple[WarmupDetails | Tag, ...]:
    details = account.warmup_details
    return account.tags if details is None else (details, *account.tags)


def _nested_texts(account: EmailAccount) -> list[str]:
    return [
        text
        for part in _nested_parts(account)
        for name in _NESTED_TEXT_FIELDS[type(part)]
        if (text := getattr(part, name))
    ]


def wire_name(python_name: str) -> str:
    """The SmartLead spelling of an account field, for findings and messages."""
    info = fields_of(EmailAccount).get(python_name)
    return info.alias if info is not None and info.alias else python_name


def _wire_paths() -> dict[str, tuple[str, ...]]:
    """Wire path (dotted for nested) -> attribute path on the model, for custom field rules."""
    paths: dict[str, tuple[str, ...]] = {}
    for name, info in fields_of(EmailAccount).items():
        if not info.exclude:
            paths[info.alias or name] = (name,)
    for name in fields_of(WarmupDetails):
        paths[f"warmup_details.{name}"] = ("warmup_details", name)
    paths["tags.tag_name"] = ("tag_names",)
    return paths


WIRE_PATHS = _wire_paths()


def read_wire_path(account: EmailAccount, path: str) -> object:
    """The value at a wire path; None when it or a parent is missing. Tags read as their names."""
    value: object = account
    for attribute in WIRE_PATHS[path]:
        if value is None:
            return None
        value = getattr(value, attribute)
    if path == "tags":
        return account.tag_names
    return value


@dataclass(frozen=True)
class FetchStats:
    """How a live inventory was fetched; recorded in the JSON report."""

    requests: int
    retries: int
    pages: int
    elapsed_seconds: float


@dataclass(frozen=True)
class InventoryInfo:
    source: str
    fetched_at: datetime | None = None
    stats: FetchStats | None = None


@dataclass(frozen=True)
class Inventory:
    """A complete set of accounts: sources raise rather than return a partial one."""

    accounts: tuple[EmailAccount, ...]
    info: InventoryInfo
