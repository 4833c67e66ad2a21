"""Inventory shapes for the benchmarks: the generator's accounts, and two harder flavours of them.

A benchmark that holds only for inventories we wrote flatters us: "wild" and "scoped" take the
same accounts as `auditor.testing.generator` and make them look like other real fleets.

    python bench/shapes.py wild 10000 > wild-10k.json
"""

from __future__ import annotations

import base64
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from auditor.testing.generator import TAGS, generate_accounts

Shape = Literal["default", "wild", "scoped"]
SHAPES: tuple[Shape, ...] = ("default", "wild", "scoped")


def generate(count: int, *, seed: int = 7, shape: Shape = "default") -> list[dict[str, Any]]:
    """``count`` accounts with ids from ``first_id``; ``shape`` picks the flavour:

    - ``"default"``: the accounts of `generate_account` (tests and golden files rely on them
      byte for byte);
    - ``"wild"``: the same accounts, hostile but valid: unicode sender names, long HTML
      signatures, long multi-line connection errors on many accounts (a few quoting the
      account's own password or an ``api_key=`` URL, for the scrubbers), unknown fields nested at
      every level, both tag spellings, more wire variants (``""`` ports, ``" 97.5 % "``);
    - ``"scoped"``: the same accounts with tags and clients drawn from larger sets
      (`SCOPED_TAGS`, `SCOPED_CLIENTS`), so that scoped policy entries select real slices.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")
    accounts = generate_accounts(count, seed=seed)
    if shape == "default":
        return accounts
    # A second generator, so the base accounts stay those of the default shape.
    extra = random.Random(f"{shape}:{seed}")
    decorate = _make_wild if shape == "wild" else _make_scoped
    for account in accounts:
        decorate(extra, account)
    return accounts


# --- "scoped": more tags and clients ------------------------------------------------------------

_SCOPED_TAG_NAMES = (
    "VIP",
    "Legacy",
    "Pilot",
    "High Volume",
    "Low Volume",
    "Quarantine",
    "EU-West",
    "EU-North",
    "US-East",
    "US-West",
    "APAC",
    "LATAM",
    "Team Alpha",
    "Team Bravo",
    "Team Charlie",
    "Team Delta",
    "Team Echo",
    "Agency",
    "In-House",
    "Warmup Only",
    "Migrating",
    "Q4 Push",
    "Healthcare",
    "Finance",
    "SaaS",
    "Retail",
    "Do Not Touch",
)
_COLORS = ("#B1FCCF", "#FCB1B1", "#B3B1FC", "#FCE9B1", "#B1E4FC", "#E4B1FC", "#C8C8C8")
SCOPED_TAGS = TAGS + tuple(
    (306 + index, name, _COLORS[index % len(_COLORS)])
    for index, name in enumerate(_SCOPED_TAG_NAMES)
)
SCOPED_CLIENTS: tuple[int | None, ...] = (*range(5120, 5160), None, None, None, None)


def _make_scoped(rng: random.Random, account: dict[str, Any]) -> None:
    tags = rng.sample(SCOPED_TAGS, k=rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4)))
    account["tags"] = [{"tag_id": t[0], "tag_name": t[1], "tag_color": t[2]} for t in tags]
    account["client_id"] = rng.choice(SCOPED_CLIENTS)


# --- "wild": hostile but valid ------------------------------------------------------------------

WILD_NAMES = (
    "王 伟",
    "李娜",
    "佐藤 美咲",
    "鈴木 一郎",
    "김민준",
    "陳大文",
    "محمد العلي",
    "فاطمة الزهراء",
    "נועה כהן",
    "Наталья Иванова",
    "Дмитрий Смирнов",
    "Γιώργος Παπαδόπουλος",
    "अनन्या शर्मा",
    "สมชาย ใจดี",
    "Zoë Ångström",
    "José Núñez",
    "François Lefèvre",
    "Øystein Bråten",
    "Łukasz Żółć",
    "Đorđe Đukić",
    "Siân Ó Briain",
    "Zoe\u0308 Ange\u0301lique",  # decomposed accents
    "Ava 🚀 Archer",
    "👩🏽\u200d💻 Dev Team",
    "Kai 🇯🇵 Ito",
    "Sales ✉️",
    "🦄",
    "\u202eemaN desreveR",  # right-to-left override
    "Nora\u200bFox",  # zero-width space
    "<b>Bold</b> & \"Quoted\" 'Name'",
    '=HYPERLINK("http://evil.example")',
    "::warning::not a command",
    "| pipe | [link](http://evil.example) ![img](x) *stars*",
)
WILD_TAGS = (
    (401, "Équipe FR", "#B1FCCF"),
    (402, "日本市場", "#FCB1B1"),
    (403, "🔥 Hot", None),
    (404, "عملاء", "#B3B1FC"),
    (405, "<script>alert(1)</script>", "#FCE9B1"),
    (406, "Ünïcödé", ""),
    (407, "a" * 120, "#B1E4FC"),
    *TAGS,
)
_WILD_TYPES = ("smtp", "Gmail", "YAHOO", "ZOHO")
_FILLER = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Ce message et ses pièces jointes sont confidentiels.",
    "このメールは機密情報を含みます。",
    "Diese E-Mail ist vertraulich & nur für den Empfänger bestimmt.",
    "هذه الرسالة سرية ومخصصة للمستلم فقط.",
    "Если вы получили это письмо по ошибке, удалите его.",  # noqa: RUF001
    "Please consider the environment 🌱 before printing this email.",
)
_SMTP_LINES = (
    "220 smtp.{host} ESMTP ready",
    "250-smtp.{host} Hello [203.0.113.{n}]",
    "250-SIZE 35882577",
    "250-8BITMIME",
    "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
    "250-ENHANCEDSTATUSCODES",
    "250 SMTPUTF8",
    "334 VXNlcm5hbWU6",
    "535-5.7.8 Username and Password not accepted. For more information, go to",
    "535 5.7.8  https://support.google.com/mail/?p=BadCredentials {n:x}-{n}.smtp",
    "421 4.7.0 [203.0.113.{n}] Our system has detected an unusual rate of unsolicited mail",
    "454 4.7.0 Too many login attempts, please try again later. 認証に失敗しました",
    "550 5.7.1 Échec de l'authentification: l'adresse n'est pas autorisée",
)
_STACK = (
    "Error: Invalid login: 535 5.7.8 Authentication credentials invalid",
    "    at SMTPConnection._formatError (/app/node_modules/nodemailer/lib/smtp-connection/"
    "index.js:{n}:19)",
    "    at SMTPConnection._actionAUTHComplete (/app/node_modules/nodemailer/lib/"
    "smtp-connection/index.js:{n}:34)",
    "    at SMTPConnection.<anonymous> (/app/node_modules/nodemailer/lib/smtp-connection/"
    "index.js:{n}:26)",
    "    at SMTPConnection._processResponse (/app/node_modules/nodemailer/lib/smtp-connection/"
    "index.js:{n}:16)",
    "    at TLSSocket.emit (node:events:517:28)",
    "    at addChunk (node:internal/streams/readable:368:12)",
)
_IMAP_LINES = (
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE AUTH=PLAIN] "
    "Dovecot ready.",
    "a1 NO [AUTHENTICATIONFAILED] Authentication failed.",
    "a2 NO [UNAVAILABLE] Temporary authentication failure. [{host}:{n}]",
    "* BYE Too many invalid IMAP commands.",
    "Error: getaddrinfo ENOTFOUND imap.{host}\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] "
    "(node:dns:107:26)",
    '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><a href="'
    'https://status.{host}/?id={n}">status</a></body></html>',
    '{{"error":{{"code":"ECONNRESET","message":"socket hang up","retry":{n}}}}}',
)


def _long_text(rng: random.Random, lines: tuple[str, ...], host: str, target: int) -> str:
    out: list[str] = []
    size = 0
    while size < target:
        line = rng.choice(lines).format(host=host, n=rng.randint(1, 9999))
        out.append(line)
        size += len(line) + 2
    return "\r\n".join(out) if rng.random() < 0.5 else "\n".join(out)


def _connection_error(rng: random.Random, account: dict[str, Any], imap: bool) -> str:
    host = account["from_email"].rpartition("@")[2]
    if imap:
        text = _long_text(rng, _IMAP_LINES, host, rng.randint(150, 1200))
    else:
        lines = _STACK if rng.random() < 0.4 else _SMTP_LINES
        text = _long_text(rng, lines, host, rng.randint(150, 1500))
    secret = account["imap_password" if imap else "password"]
    roll = rng.random()
    if secret and roll < 0.04:  # a server echoing the login: the model must scrub it
        said = base64.b64decode(secret).decode() if roll < 0.02 else secret
        text += f"\nAUTH PLAIN failed for {account['username'] or host} password={said}"
    elif roll < 0.07:
        text += f"\nGET https://server.smartlead.ai/api/v1/email-accounts/?api_key=sk-{rng.getrandbits(64):016x}&offset=0"
    return text


def _html_signature(rng: random.Random, account: dict[str, Any], target: int) -> str:
    name = account["from_name"] or ""
    domain = (account["from_email"] or "@x.example").rpartition("@")[2]
    rows = [
        '<table cellpadding="0" cellspacing="0" border="0" style="font-family:Arial,'
        'sans-serif;font-size:12px;color:#333333;border-collapse:collapse">',
        f'<tr><td style="padding:0 0 6px 0"><strong>{name}</strong> | Growth &amp; Sales</td></tr>',
    ]
    size = sum(map(len, rows))
    while size < target:
        kind = rng.randrange(7)
        n = rng.randint(1, 99999)
        if kind == 0:
            row = (
                f'<tr><td><a href="https://www.{domain}/?utm_source=signature&amp;utm_medium'
                f'=email&amp;utm_campaign=q{n % 4 + 1}&amp;uid={n}" target="_blank" '
                f'style="color:#1a73e8;text-decoration:none">www.{domain}</a></td></tr>'
            )
        elif kind == 1:
            row = (
                f'<tr><td><img src="https://cdn.{domain}/brand/logo-{n}.png" alt="{name} logo" '
                'width="140" height="40" style="display:block;border:0;outline:none"></td></tr>'
            )
        elif kind == 2:
            data = base64.b64encode(rng.randbytes(rng.randint(150, 900))).decode()
            row = f'<tr><td><img src="data:image/png;base64,{data}" alt="" width="16"></td></tr>'
        elif kind == 3:
            cells = "".join(
                f'<td style="padding:0 4px"><a href="https://{site}.example/{domain}-{n}">'
                f'<img src="https://cdn.{domain}/icons/{site}.png" alt="{site}" width="16"></a>'
                "</td>"
                for site in ("linkedin", "x", "facebook", "instagram", "youtube")
            )
            row = f"<tr><td><table><tr>{cells}</tr></table></td></tr>"
        elif kind == 4:
            row = (
                '<tr><td style="font-size:9px;color:#999999;padding-top:8px">'
                f"{' '.join(rng.choices(_FILLER, k=rng.randint(2, 6)))}</td></tr>"
            )
        elif kind == 5:
            row = (
                f"<tr><td>📞 +1&nbsp;(555)&nbsp;{n % 1000:03d}-{n % 10000:04d} · "
                f'<a href="mailto:{account["from_email"]}?subject=Hello%20{n}">email me</a> · '
                f'<a href="tel:+1555{n:07d}">call</a></td></tr>'
            )
        else:  # never rendered: the reports must keep it text
            row = (
                "<tr><td><img src=x onerror=alert(1)><script>alert('sig')</script>"
                '</script><!-- --><a href="javascript:alert(1)">click</a></td></tr>'
            )
        rows.append(row)
        size += len(row)
    rows.append("</table>")
    return "\n".join(rows)


def _nested(rng: random.Random, depth: int = 0) -> Any:
    """An arbitrary JSON value the model must ignore."""
    roll = rng.random()
    if depth >= 3 or roll < 0.3:
        return rng.choice(
            (
                None,
                True,
                False,
                rng.randint(-(2**40), 2**40),
                rng.random() * 1e6,
                "",
                "ünknown",
                "x" * rng.randint(1, 40),
                [],
            )
        )
    if roll < 0.65:
        return [_nested(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {f"k{rng.randint(0, 99)}_{i}": _nested(rng, depth + 1) for i in range(rng.randint(0, 5))}


_UNKNOWN_KEYS = (
    "sending_schedule",
    "dns_health",
    "custom_fields",
    "integrations",
    "audit_trail",
    "provider_metadata",
    "limits_v2",
    "labels",
    "x-internal",
    "warmupSettings",
)


def _unknown_fields(rng: random.Random) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "extra_settings": {
            "a": [rng.randint(0, 100) for _ in range(rng.randint(0, 8))],
            "b": {
                "enabled": rng.random() < 0.5,
                "mode": rng.choice(("auto", "manual", None)),
                "nested": {"list": [{"x": i, "y": [i, str(i)]} for i in range(3)]},
            },
        },
        "sending_schedule": {
            "timezone": rng.choice(("Europe/Berlin", "America/New_York", "Asia/Tokyo", None)),
            "days": sorted(rng.sample(range(7), k=rng.randint(1, 7))),
            "windows": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
        },
        "dns_health": {
            "spf": {"ok": rng.random() < 0.9, "record": "v=spf1 include:_spf.example ~all"},
            "dkim": [{"selector": f"s{i}", "ok": rng.random() < 0.9} for i in range(2)],
            "dmarc": {"policy": rng.choice(("none", "quarantine", "reject")), "pct": 100},
        },
    }
    for key in rng.sample(_UNKNOWN_KEYS[3:], k=rng.randint(1, 5)):
        fields[key] = _nested(rng)
    return fields


def _make_wild(rng: random.Random, account: dict[str, Any]) -> None:
    if rng.random() < 0.55:
        name = rng.choice(WILD_NAMES)
        account["from_name"] = name * rng.randint(8, 20) if rng.random() < 0.02 else name
    roll = rng.random()
    if roll < 0.3:
        account["signature"] = _html_signature(rng, account, rng.randint(600, 3000))
    elif roll < 0.38:
        account["signature"] = rng.choice((None, "", "   "))
    for protocol, rate in (("smtp", 0.22), ("imap", 0.15)):
        roll = rng.random()
        if roll < rate + 0.04:  # the last 4 %: a stale error on an account that connects now
            account[f"{protocol}_failure_error"] = _connection_error(
                rng, account, protocol == "imap"
            )
            account[f"is_{protocol}_success"] = roll >= rate
    if account["password"] is None:  # OAuth: "" is another spelling of "none"
        for key in ("smtp_port", "imap_port", "smtp_host", "imap_host"):
            if rng.random() < 0.3:
                account[key] = ""
    if rng.random() < 0.05:
        account["different_reply_to_address"] = rng.choice(("  ", "\t"))
    if rng.random() < 0.04:
        account["type"] = rng.choice(_WILD_TYPES)
    if rng.random() < 0.05:
        account["campaign_ids"] = sorted(rng.sample(range(7000, 9000), k=rng.randint(50, 300)))
    if rng.random() < 0.1:
        when = datetime.fromisoformat(account["created_at"].replace("Z", "+00:00"))
        account["created_at"] = when.astimezone(
            timezone(timedelta(hours=5, minutes=30))
        ).isoformat()
    tags = []
    for tag_id, tag_name, color in rng.sample(WILD_TAGS, k=rng.choice((0, 1, 2, 3, 6))):
        if rng.random() < 0.3:
            tag: dict[str, Any] = {"id": tag_id, "name": tag_name, "color": color}
        else:
            tag = {"tag_id": tag_id, "tag_name": tag_name, "tag_color": color}
        if rng.random() < 0.2:
            tag["created_by"] = {"user_id": rng.randint(1, 99999), "roles": ["admin", "ops"]}
        tags.append(tag)
    account["tags"] = tags
    warmup = account["warmup_details"]
    if warmup is not None:
        if rng.random() < 0.15:
            warmup["warmup_reputation"] = rng.choice((" 97.5 % ", 97.5, "88.25%", 100.0, "100"))
        if rng.random() < 0.1:
            warmup["reply_rate"] = f"{rng.choice((20, 30, 40))}%"
        warmup["schedule"] = {"ramp": [rng.randint(1, 40) for _ in range(7)], "weekdays_only": True}
    account.update(_unknown_fields(rng))


if __name__ == "__main__":
    shape, count = sys.argv[1], int(sys.argv[2])
    json.dump(generate(count, seed=count, shape=shape), sys.stdout, ensure_ascii=False)  # type: ignore[arg-type]
