"""The rule registry: an explicit dict, checked for completeness by a test."""

from __future__ import annotations

from auditor.rules import (
    accounts_per_domain,
    bcc_required,
    bulk_sender,
    daily_send_limit,
    daily_usage,
    dns_dkim,
    dns_dmarc,
    dns_mx,
    dns_spf,
    domain_daily_volume,
    duplicate_sender,
    field,
    imap_connected,
    imap_credentials,
    reply_to_required,
    send_gap,
    shared_credentials,
    smtp_connected,
    tracking_cname,
    tracking_domain,
    tracking_domain_shared,
    warmup,
)
from auditor.rules.base import AccountRule, DnsRule, FleetRule, Rule, Violation

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # one account at a time
        daily_send_limit.RULE,
        send_gap.RULE,
        bcc_required.RULE,
        reply_to_required.RULE,
        tracking_domain.RULE,
        imap_credentials.RULE,
        smtp_connected.RULE,
        imap_connected.RULE,
        warmup.RULE,
        daily_usage.RULE,
        field.RULE,
        # across the fleet
        accounts_per_domain.RULE,
        domain_daily_volume.RULE,
        duplicate_sender.RULE,
        shared_credentials.RULE,
        tracking_domain_shared.RULE,
        # per domain, from DNS evidence
        dns_spf.RULE,
        dns_dkim.RULE,
        dns_dmarc.RULE,
        dns_mx.RULE,
        tracking_cname.RULE,
        bulk_sender.RULE,
    )
}

__all__ = ["RULES", "AccountRule", "DnsRule", "FleetRule", "Rule", "Violation"]
