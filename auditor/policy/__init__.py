"""Policies: YAML files -> validated, merged ``Policy`` (or a ``PolicyError`` listing every problem)."""
