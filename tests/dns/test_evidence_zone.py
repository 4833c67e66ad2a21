"""Zone evidence: a name the zone holds, asked for a type it lacks, is NODATA; a name it does not
hold is NXDOMAIN, also for names added after the first miss."""

from __future__ import annotations

from auditor.dns.evidence import Answer, Evidence, Outcome


def test_a_zone_answers_misses_as_nodata_or_nxdomain_and_sees_names_added_later() -> None:
    evidence = Evidence.from_zone({"acme.example": {"TXT": ["v=spf1 -all"]}})
    assert evidence.get("acme.example", "MX").outcome is Outcome.NODATA
    assert evidence.get("later.example", "MX").outcome is Outcome.NXDOMAIN
    evidence.add([Answer("later.example", "TXT", Outcome.ANSWER, ("x",))])
    assert evidence.get("later.example", "MX").outcome is Outcome.NODATA
    assert evidence.get("LATER.example.", "TXT").records == ("x",)
