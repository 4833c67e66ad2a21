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
from auditor.options.suggest import invalid_value
from auditor.project_config import LoadedConfig, load_config
from auditor.redact import redact
from auditor.report import FILE_FORMATS, STREAM_FORMATS, ReportFormat

DEFAULT_POLICY = Path("policies")
DEFAULT_OUTPUT = Path("reports")
STDOUT = "-"  # ``--output json=-``: the report goes to standard output


def output_target(text: str) -> tuple[ReportFormat, str]:
    """``--output FMT=PATH``: a file format and where it goes (``-``: standard output)."""
    name, sep, path = text.partition("=")
    valid = [f.value for f in FILE_FORMATS]
    if not sep or not path:
        raise argparse.ArgumentTypeError(
            f"expected FMT=PATH (e.g. json=reports/audit.json, or json=- for standard output), "
            f"got '{text}'."
        )
    fmt = next((f for f in FILE_FORMATS if f.value == name.strip().lower()), None)
    if fmt is None:
        raise argparse.ArgumentTypeError(invalid_value("file format", name, valid))
    return fmt, path


@dataclass(frozen=True)
class CheckOptions:
    config: Path | None
    policies: tuple[Path, ...]
    formats: tuple[ReportFormat, ...]
    fail_on: FailOn
    output_dir: Path
    baseline: Path | None
    write_baseline: Path | None
    outputs: tuple[tuple[ReportFormat, str], ...] = ()  # --output FMT=PATH, in order given

    def report_path(self, fmt: ReportFormat) -> str:
        """Where a file format goes: its --output path, else its name in the output folder."""
        chosen = dict(self.outputs).get(fmt)
        return chosen if chosen is not None else str(self.output_dir / FILE_FORMATS.filename(fmt))

    @property
    def to_stdout(self) -> ReportFormat | None:
        """The file format written to standard output (``--output FMT=-``), if any."""
        return next((fmt for fmt, path in self.outputs if path == STDOUT), None)


def _formats(names: list[str], config: LoadedConfig) -> list[ReportFormat]:
    by_lower = {f.value: f for f in ReportFormat}
    formats = []
    for name in names:
        fmt = by_lower.get(name.strip().lower())
        if fmt is None:
            known = [f.value for f in ReportFormat]
            raise UsageError(f"{config.path}: 'format': {invalid_value('format', name, known)}")
        formats.append(fmt)
    return formats


def _check_outputs(outputs: list[tuple[ReportFormat, str]], formats: list[ReportFormat]) -> None:
    """One path per format; a report written to standard output is alone there."""
    seen: set[ReportFormat] = set()
    for fmt, _ in outputs:
        if fmt in seen:
            raise UsageError(f"--output names {fmt.value} twice; give each format one path.")
        seen.add(fmt)
    to_stdout = [fmt.value for fmt, path in outputs if path == STDOUT]
    streams = [f.value for f in formats if f in STREAM_FORMATS]
    if to_stdout and len(to_stdout) + len(streams) > 1:  # console + github: as ever, both
        shared = ", ".join(streams + [f"--output {name}=-" for name in to_stdout])
        raise UsageError(
            f"standard output can carry one report, not {shared}.",
            tip="write the others to files (--output FMT=PATH or --output-dir).",
        )


def resolve(args: argparse.Namespace) -> CheckOptions:
    config = load_config(explicit=args.config)
    values = config.values
    outputs: list[tuple[ReportFormat, str]] = args.outputs or []
    formats = args.formats or (_formats(values.format, config) if values.format else None)
    if formats is None:  # nothing asked for: the console, unless quiet or --output says where
        formats = [] if args.quiet or outputs else [ReportFormat.CONSOLE]
    _check_outputs(outputs, formats)
    formats = formats + [fmt for fmt, _ in outputs]
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
        outputs=tuple(outputs),
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
        "output": {fmt.value: path for fmt, path in options.outputs},
        "baseline": str(options.baseline) if options.baseline else None,
        "write_baseline": str(options.write_baseline) if options.write_baseline else None,
        "live": live,
        "dns": dns_settings(args),
    }
    return json.dumps(document, indent=2) + "\n"
