"""The effective options of `check`: flags > config file (`.smartlead-audit.yaml` or
`[tool.smartlead-audit]` in pyproject.toml) > defaults. Kept apart from `check.py` so that
`--show-config` prints exactly what a run would use."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import UsageError
from auditor.model.result import FailOn
from auditor.options.dns import dns_settings
from auditor.options.live import settings_from
from auditor.project_config import LoadedConfig, load_config
from auditor.redact import redact
from auditor.report import ReportFormat

DEFAULT_POLICY = Path("policies")
DEFAULT_OUTPUT = Path("reports")


@dataclass(frozen=True)
class CheckOptions:
    config: Path | None
    policies: tuple[Path, ...]
    formats: tuple[ReportFormat, ...]
    fail_on: FailOn
    output_dir: Path
    baseline: Path | None
    write_baseline: Path | None


def _formats(names: list[str], config: LoadedConfig) -> list[ReportFormat]:
    try:
        return [ReportFormat(name) for name in names]
    except ValueError:
        known = ", ".join(f.value for f in ReportFormat)
        raise UsageError(
            f"{config.path}: unknown format in 'format' ({', '.join(names)}); known: {known}."
        ) from None


def resolve(args: argparse.Namespace) -> CheckOptions:
    config = load_config(explicit=args.config)
    values = config.values
    formats = args.formats or (_formats(values.format, config) if values.format else None)
    if formats is None:
        formats = [] if args.quiet else [ReportFormat.CONSOLE]
    policies = args.policy or [config.resolve(p) for p in values.policy or []] or [DEFAULT_POLICY]
    output_dir = args.output_dir or (
        config.resolve(values.output_dir) if values.output_dir else DEFAULT_OUTPUT
    )
    baseline = args.baseline or (config.resolve(values.baseline) if values.baseline else None)
    return CheckOptions(
        config=config.path,
        policies=tuple(policies),
        formats=tuple(dict.fromkeys(formats)),
        fail_on=args.fail_on or values.fail_on or FailOn.ERROR,
        output_dir=output_dir,
        baseline=baseline,
        write_baseline=args.write_baseline,
    )


def show_config(options: CheckOptions, args: argparse.Namespace) -> str:
    """The effective settings as JSON; the API key only as set / not set."""
    settings = settings_from(args)
    live = settings.model_dump(mode="json", exclude={"api_key"})
    live["api_key"] = "********" if settings.api_key is not None else None
    live["base_url"] = redact(settings.base_url)
    document = {
        "config_file": str(options.config) if options.config else None,
        "inventory": str(args.inventory) if args.inventory else "live (SmartLead API)",
        "policy": [str(p) for p in options.policies],
        "format": [f.value for f in options.formats],
        "fail_on": options.fail_on.value,
        "output_dir": str(options.output_dir),
        "baseline": str(options.baseline) if options.baseline else None,
        "write_baseline": str(options.write_baseline) if options.write_baseline else None,
        "live": live,
        "dns": dns_settings(args),
    }
    return json.dumps(document, indent=2) + "\n"
