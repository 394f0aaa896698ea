"""crmtui: a keyboard-driven terminal CRM for one small shop."""

__version__ = "0.1.0"
