"""Requires a custom tracking domain for open and click tracking (`custom_tracking_domain`).

Shared tracking domains carry other senders' reputation; a custom one keeps links on a domain you
control. An account without one violates.

Options:
  allowed: shell globs the tracking domain must match (optional, e.g. `track.*.acme.example`).
  same_domain_as_sender: the tracking domain must be the sender's domain or a subdomain of it
    (default false).

Example:
  - rule: tracking-domain
    same_domain_as_sender: true
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from auditor.model.account import EmailAccount
from auditor.model.entry import EntryBase, compile_globs
from auditor.rules.base import AccountRule, Violation, is_within, wire_path

REMEDIATION = (
    "Add a CNAME for a tracking subdomain of the sender's domain and set it on the account "
    "(Settings > General > Custom tracking domain)."
)
FIELD = wire_path("custom_tracking_domain")


class Options(EntryBase):
    allowed: list[str] | None = None
    same_domain_as_sender: bool = False

    @cached_property
    def _allowed(self) -> re.Pattern[str] | None:
        return None if self.allowed is None else compile_globs(self.allowed)

    def allows(self, domain: str) -> bool:
        return self._allowed is None or bool(self._allowed.match(domain))


def screen(accounts: Sequence[EmailAccount], options: Options) -> Sequence[EmailAccount]:
    if options.allowed is None and not options.same_domain_as_sender:
        return [a for a in accounts if a.custom_tracking_domain is None]
    return accounts


def check(account: EmailAccount, options: Options) -> list[Violation]:
    value = account.custom_tracking_domain
    if value is None:
        return [Violation(FIELD, None, "a custom tracking domain", f"{FIELD} is not set")]
    found = []
    if not options.allows(value):
        message = f"{FIELD} {value} is not an allowed tracking domain"
        found.append(Violation(FIELD, value, f"one of {', '.join(options.allowed or ())}", message))
    if options.same_domain_as_sender:
        sender = account.sender_domain  # only needed here: a property call per account
        if not (sender and is_within(value, sender)):
            expected = f"{sender or 'the sender domain'} or a subdomain"
            message = f"{FIELD} {value} is not on the sender's domain {sender}"
            found.append(Violation(FIELD, value, expected, message))
    return found


RULE = AccountRule("tracking-domain", Options, check, REMEDIATION, __doc__, screen=screen)
