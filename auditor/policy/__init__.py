"""Policies: YAML files -> one validated ``Policy``, or a ``PolicyError`` listing all problems."""
