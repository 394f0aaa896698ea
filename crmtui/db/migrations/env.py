"""Alembic environment: runs on the connection crmtui hands it, always in batch mode for SQLite."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from crmtui.db import models  # noqa: F401  (registers the tables on the metadata)
from crmtui.db.schema import include_object

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("crmtui runs migrations only through crmtui.db.migrate")


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
