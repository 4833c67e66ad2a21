"""Glue for CI systems; each module is a thin wrapper over the CLI's own entry point."""
