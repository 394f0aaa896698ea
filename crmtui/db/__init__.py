"""Persistence: the engine and its pragmas, SQLModel tables, migrations and backups."""
