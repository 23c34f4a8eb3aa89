"""opsbook: incident-response documentation as code."""

__version__ = "0.1.0"
