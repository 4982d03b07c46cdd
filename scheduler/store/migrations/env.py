"""Alembic environment: runs on the connection handed over by scheduler.store.db.migrate."""
from alembic import context
from sqlmodel import SQLModel

from scheduler.store import action_tables, event_tables, tables  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata

connection = config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
