"""Declarative base shared by every table, and schema creation."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep future Alembic migrations readable on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet (idempotent): the tables of every part that
    create_app wired (each part's init_app brings its models onto Base.metadata)."""
    Base.metadata.create_all(engine)


def missing_columns(engine: Engine) -> list[str]:
    """Columns the code has and the database's existing tables lack ("table.column"): a
    database made by an older version, which create_schema (new tables only) cannot mend."""
    found = inspect(engine)
    tables = set(found.get_table_names())
    return [f"{table.name}.{column.name}" for table in Base.metadata.sorted_tables if table.name in tables
            for column in table.columns if column.name not in {c["name"] for c in found.get_columns(table.name)}]
