"""smartlead-auditor: audit SmartLead email accounts against YAML policies."""

__version__ = "0.1.0"
