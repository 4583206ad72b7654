"""Names for what route handlers receive by injection or from the query, so every handler declares them alike."""

from typing import Annotated, TypeAlias

from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

Db: TypeAlias = NamedDependency[AsyncSession]  # the request's database session (provided as "db" in app.py)
# What the heaviest reads use (provided as "reads"): a read replica's session when one is set, else the request's own.
Reads: TypeAlias = NamedDependency[AsyncSession]

# Paging is bounded: a page or offset past any real list is a 400 naming the parameter, never a database error.
PAGES = 10_000
PageNumber: TypeAlias = Annotated[int, QueryParameter(ge=1, le=PAGES, description="1 for the first page")]
Offset: TypeAlias = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="records to skip")]
