"""Shared column helpers for the models."""
from datetime import date, datetime, timezone

from sqlalchemy import CheckConstraint


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK that `column` takes one of `values` (NULL allowed when the column is nullable)."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or f"{column}_valid")


__all__ = ["utcnow", "one_of", "date", "datetime"]
