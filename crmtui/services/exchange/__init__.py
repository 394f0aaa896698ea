"""Data in and out: import, export, vCard, merge, erase, backups."""
