"""Test tooling shipped with the package: a deterministic inventory generator and (separately) a
SmartLead-compatible HTTP server, used by tests, benchmarks and users trying the tool."""
