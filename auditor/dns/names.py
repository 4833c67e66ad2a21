"""Organizational domains (RFC 7489 §3.2) from the bundled Public Suffix List: no download."""

from __future__ import annotations

from functools import cache

from publicsuffixlist import PublicSuffixList


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped inside the package


def normalize(name: str) -> str:
    """Lower case, no trailing dot: how every name is keyed in evidence."""
    return name.strip().rstrip(".").lower()


@cache
def org_domain(domain: str) -> str:
    """The registrable domain (public suffix plus one label); the name itself when it is a
    public suffix or unknown, so that a typo is judged as its own organization."""
    domain = normalize(domain)
    return _psl().privatesuffix(domain) or domain
