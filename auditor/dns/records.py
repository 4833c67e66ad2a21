"""Parsing of SPF (RFC 7208), DMARC (RFC 7489) and DKIM key (RFC 6376) records: text in,
typed values out, syntax errors as messages. No lookups here (see `spf.py` and `checks.py`)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

SPF_MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
# RFC 7208 §4.6.4: the terms that cause DNS queries, limited to 10 per check_host().
SPF_LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
_MODIFIER = re.compile(r"^([a-z][a-z0-9_.-]*)=(.*)$", re.IGNORECASE)
_MECHANISM = re.compile(r"^([+?~-]?)([a-z0-9]+)(?::([^/]+))?(/\d+)?(//\d+)?$", re.IGNORECASE)
# The parsers below are pure and their records immutable, so each text is parsed once: the
# rules and the Domains table read every record again in each collection round, and many
# domains share one include. Bounded, for inventories of very many domains.
PARSED = 65536


def is_spf(text: str) -> bool:
    """RFC 7208 §4.5: "v=spf1" exactly, then a space or the end."""
    lower = text.lower()
    return lower == "v=spf1" or lower.startswith("v=spf1 ")


@dataclass(frozen=True)
class SpfTerm:
    qualifier: str  # "+", "-", "~", "?" for mechanisms; "" for modifiers
    name: str  # lower case
    value: str | None  # the domain-spec / address, or the modifier's value
    modifier: bool = False


@dataclass(frozen=True)
class SpfRecord:
    text: str
    terms: tuple[SpfTerm, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def all(self) -> SpfTerm | None:
        return next((t for t in self.terms if t.name == "all" and not t.modifier), None)

    @property
    def redirect(self) -> str | None:
        return next((t.value for t in self.terms if t.modifier and t.name == "redirect"), None)


@lru_cache(maxsize=PARSED)
def parse_spf(text: str) -> SpfRecord:
    terms: list[SpfTerm] = []
    errors: list[str] = []
    seen_modifiers: set[str] = set()
    for word in text.split()[1:]:
        modifier = _MODIFIER.match(word)
        if modifier and ":" not in modifier.group(1):
            name, value = modifier.group(1).lower(), modifier.group(2)
            if name in seen_modifiers and name in {"redirect", "exp"}:
                errors.append(f"'{name}=' appears twice")
            seen_modifiers.add(name)
            if name in {"redirect", "exp"} and not value:
                errors.append(f"'{name}=' has no domain")
            terms.append(SpfTerm("", name, value, modifier=True))
            continue
        mechanism = _MECHANISM.match(word)
        if not mechanism or mechanism.group(2).lower() not in SPF_MECHANISMS:
            errors.append(f"unknown term '{word}'")
            continue
        qualifier, name, value = mechanism.group(1) or "+", mechanism.group(2).lower(), None
        value = mechanism.group(3)
        if name in {"include", "exists", "ip4", "ip6"} and not value:
            errors.append(f"'{name}' needs a value")
        if name == "all" and (value or mechanism.group(4)):
            errors.append(f"'{word}': all takes no argument")
        terms.append(SpfTerm(qualifier, name, value))
    return SpfRecord(text, tuple(terms), tuple(errors))


POLICIES = ("none", "quarantine", "reject")  # weakest first


def is_dmarc(text: str) -> bool:
    """RFC 7489 §6.6.3: a record whose first tag is not v=DMARC1 is not a DMARC record."""
    return re.match(r"^v\s*=\s*DMARC1\s*(;|$)", text) is not None


def looks_like_dmarc(text: str) -> bool:
    """Meant as DMARC (a `p=` tag) but not starting with v=DMARC1: worth naming."""
    return not is_dmarc(text) and re.search(r"(^|;)\s*p\s*=", text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def policy(self) -> str | None:
        value = self.tags.get("p", "").lower()
        return value if value in POLICIES else None

    def policy_for(self, subdomain: bool) -> str | None:
        """The policy applying to the From domain: `sp` for a subdomain of the record's
        organizational domain when it is given and valid (RFC 7489 §6.3)."""
        sp = self.tags.get("sp", "").lower()
        return sp if subdomain and sp in POLICIES else self.policy


@lru_cache(maxsize=PARSED)
def parse_dmarc(text: str) -> DmarcRecord:
    tags: dict[str, str] = {}
    errors: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, equals, value = part.partition("=")
        if not equals:
            errors.append(f"'{part.strip()}' is not a tag=value pair")
            continue
        tags[name.strip().lower()] = value.strip()
    if "p" not in tags:
        errors.append("no p= tag")
    elif tags["p"].lower() not in POLICIES:
        errors.append(f"p={tags['p']} is not none, quarantine or reject")
    return DmarcRecord(text, tags, tuple(errors))


@dataclass(frozen=True)
class DkimKey:
    text: str
    key_type: str
    bits: int | None  # None: revoked, or a key that does not decode
    revoked: bool
    errors: tuple[str, ...] = ()


@lru_cache(maxsize=PARSED)
def parse_dkim(text: str) -> DkimKey:
    """A key record's tags; the key size from `p=` (an RSA SubjectPublicKeyInfo, or an
    Ed25519 key of 32 bytes, RFC 8463)."""
    tags = {}
    for part in text.split(";"):
        name, _, value = part.partition("=")
        if name.strip():
            tags[name.strip().lower()] = "".join(value.split())
    key_type = tags.get("k", "rsa").lower()
    errors: list[str] = []
    if "v" in tags and tags["v"] != "DKIM1":
        errors.append(f"v={tags['v']} is not DKIM1")
    if "p" not in tags:
        return DkimKey(text, key_type, None, False, (*errors, "no p= tag"))
    if not tags["p"]:
        return DkimKey(text, key_type, None, True, tuple(errors))
    try:
        der = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        return DkimKey(text, key_type, None, False, (*errors, "p= is not base64"))
    if key_type == "ed25519":
        bits = 256 if len(der) == 32 else None
        return DkimKey(text, key_type, bits, False, tuple(errors))
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        return DkimKey(text, key_type, None, False, (*errors, "p= is not a public key"))
    if isinstance(key, rsa.RSAPublicKey):
        return DkimKey(text, key_type, key.key_size, False, tuple(errors))
    if isinstance(key, ed25519.Ed25519PublicKey):
        return DkimKey(text, "ed25519", 256, False, tuple(errors))
    return DkimKey(text, key_type, None, False, (*errors, "p= is not an RSA key"))
