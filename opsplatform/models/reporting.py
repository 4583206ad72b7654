"""Pre-aggregated results (see rollup.py): rows per operation, country, day (or the whole window), dimension and key."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Index, func, literal_column
from sqlmodel import Field, SQLModel


class DailyFigure(SQLModel, table=True):
    """Counted seizures of one slice (operation, reporting country, seizure date) for one key of one dimension.

    dimension "total" carries the slice's seizures and suspects arrested;
    the others count seizures per key (transport mode, taxon group, term with `unit`, …); key NULL is "unknown";
    "commodity" (a public release's lines) has a row per `unit` with its quantity, and one without: the seizures
    involving the commodity in any unit, which the rows per unit cannot give (a seizure may be in two).
    """

    __tablename__ = "daily_figures"
    __table_args__ = (Index("ix_daily_figures_dimension", "operation_id", "dimension"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=3)
    day: date
    dimension: str = Field(max_length=16)
    key: str | None = None
    unit: str | None = Field(default=None, max_length=16)
    seizures: int = 0
    quantity: float | None = None
    arrested: int | None = None


class WindowFigure(SQLModel, table=True):
    """The daily figures of one country summed over the whole window: what the unfiltered dashboard, the summary and
    the documents read (about a thirtieth of the rows). Kept in step with the daily figures by the same refresh."""

    __tablename__ = "window_figures"
    __table_args__ = (Index("ix_window_figures_dimension", "operation_id", "dimension"),)
    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="operations.id")
    country: str = Field(max_length=3)
    dimension: str = Field(max_length=16)
    key: str | None = None
    unit: str | None = Field(default=None, max_length=16)
    seizures: int = 0
    quantity: float | None = None
    arrested: int | None = None


def figure_key(table: Any) -> list[Any]:
    """What tells a figures row from the others: its slice (or country, for the window), dimension, key and unit, a
    missing key or unit ("unknown") being one key. Unique, so that a save adds to its keys' rows (see upkeep.py)."""
    nothing = literal_column("''")
    return [*(table.c[name] for name in ("operation_id", "country", "day", "dimension") if name in table.c),
            func.coalesce(table.c.key, nothing), func.coalesce(table.c.unit, nothing)]


Index("ux_daily_figures_key", *figure_key(DailyFigure.__table__), unique=True)
Index("ux_window_figures_key", *figure_key(WindowFigure.__table__), unique=True)
