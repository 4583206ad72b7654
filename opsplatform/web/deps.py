"""Names for what route handlers receive by injection, so every handler declares them the same way."""

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

Db: TypeAlias = NamedDependency[AsyncSession]  # the request's database session (provided as "db" in app.py)
