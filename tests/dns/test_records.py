"""Record parsing: SPF terms, DMARC tags, DKIM key sizes (from real keys), organizational
domains from the bundled Public Suffix List."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from auditor.dns.names import org_domain
from auditor.dns.records import is_dmarc, is_spf, parse_dkim, parse_dmarc, parse_spf


def _rsa_p(bits: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@pytest.mark.parametrize("bits", [1024, 2048, 3072])
def test_rsa_key_size_comes_from_the_key(bits: int) -> None:
    # Split across whitespace as DNS tools print long keys: the size survives.
    p = _rsa_p(bits)
    key = parse_dkim(f"v=DKIM1; k=rsa; p={p[:100]} {p[100:]}")
    assert (key.bits, key.revoked, key.errors) == (bits, False, ())


def test_ed25519_revoked_and_broken_keys() -> None:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert parse_dkim(f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}").bits == 256
    assert parse_dkim("v=DKIM1; p=").revoked
    assert parse_dkim("v=DKIM1; p=!!").errors == ("p= is not base64",)
    assert parse_dkim("v=DKIM1; k=rsa").errors == ("no p= tag",)
    assert parse_dkim("v=DKIM2; p=").errors == ("v=DKIM2 is not DKIM1",)


def test_spf_terms_and_errors() -> None:
    record = parse_spf("v=spf1 +mx a:colo.example.com/28 ip6:2001:db8::/32 redirect=x.example -all")
    assert [(t.qualifier, t.name, t.value) for t in record.terms] == [
        ("+", "mx", None),
        ("+", "a", "colo.example.com"),
        ("+", "ip6", "2001:db8::"),
        ("", "redirect", "x.example"),
        ("-", "all", None),
    ]
    assert record.all is not None and record.redirect == "x.example" and not record.errors
    assert parse_spf("v=spf1 foo -all").errors == ("unknown term 'foo'",)
    assert parse_spf("v=spf1 redirect=a.example redirect=b.example").errors == (
        "'redirect=' appears twice",
    )
    assert is_spf("v=spf1") and is_spf("V=SPF1 -all") and not is_spf("v=spf10 -all")


def test_dmarc_tags_and_policy() -> None:
    # RFC 7489 §6.6.3: a record not starting with v=DMARC1 is no DMARC record.
    assert (
        is_dmarc("v=DMARC1; p=none") and is_dmarc("v=DMARC1") and not is_dmarc("p=none; v=DMARC1")
    )
    record = parse_dmarc("v=DMARC1; p=none; sp=reject; rua=mailto:a@example.com")
    assert record.policy == "none" and record.policy_for(subdomain=True) == "reject"
    assert parse_dmarc("v=DMARC1; p=bogus").errors == ("p=bogus is not none, quarantine or reject",)
    assert parse_dmarc("v=DMARC1").errors == ("no p= tag",)


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("mail.example.com", "example.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("Example.COM.", "example.com"),
        ("news.acme.example", "acme.example"),  # unknown TLD: the last two labels
        ("co.uk", "co.uk"),  # a public suffix is its own organization
    ],
)
def test_organizational_domain(domain: str, org: str) -> None:
    assert org_domain(domain) == org
