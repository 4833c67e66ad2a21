"""Which waiver covers a finding: the first active waiver, in policy order, that names the
finding's account (by id, or by a glob on its email) and its entry (or every entry).

A policy may carry hundreds of waivers and an audit hundreds of thousands of findings, so the
waivers are indexed by what they select: a finding looks up the waivers naming its account id,
and tries the glob waivers only when one of their patterns matches its email at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from auditor.model.account import EmailAccount
from auditor.model.entry import compile_globs
from auditor.policy.loader import WaiverEntry


class WaiverIndex:
    """The waivers of a policy that are active on `today`, by account id and email glob."""

    def __init__(self, waivers: Sequence[WaiverEntry], today: date) -> None:
        self._waivers = waivers
        self._by_id: dict[int, list[int]] = defaultdict(list)  # account id -> waiver indexes
        self._globbed: list[int] = []  # indexes of the waivers that name accounts by glob
        self._active_rules: list[list[str] | None] = []  # which entries each active one waives
        patterns: list[str] = []
        for index, item in enumerate(waivers):
            if item.waiver.expires < today:
                continue
            self._active_rules.append(item.waiver.rules)
            for account_id in dict.fromkeys(item.waiver.account_ids):  # each waiver once per id
                self._by_id[account_id].append(index)
            if item.waiver.email_globs:
                self._globbed.append(index)
                patterns.extend(item.waiver.email_globs)
        # One regex for every glob: most emails match none, and one C call tells so.
        self._any_glob = compile_globs(patterns)

    def may_cover(self, entry_id: str) -> bool:
        """Whether any active waiver waives `entry_id`: most entries have none, and then their
        findings need no lookup at all."""
        return any(rules is None or entry_id in rules for rules in self._active_rules)

    def covering(self, account: EmailAccount, entry_id: str) -> int | None:
        """The index (in the policy's waivers) of the first active waiver covering this
        account's finding of `entry_id`, or None."""
        candidates = self._by_id.get(account.id, [])
        email = account.email
        if self._globbed and self._any_glob.match(email):
            globbed = [
                i for i in self._globbed if self._waivers[i].waiver.account_glob.match(email)
            ]
            candidates = sorted({*candidates, *globbed})  # back in policy order
        for index in candidates:
            rules = self._waivers[index].waiver.rules
            if rules is None or entry_id in rules:
                return index
        return None
