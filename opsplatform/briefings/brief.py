"""What a briefing builder returns: the data a document shows and what is drawn from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.policy import Member
from opsplatform.settings import Settings


@dataclass
class Brief:
    """A briefing's content: `data` is what it shows (hashed for provenance), `view` what is drawn from it."""

    template: str
    data: dict[str, Any]
    counts: dict[str, int]
    view: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[AsyncSession, Settings, Member, str | None, datetime], Awaitable[Brief]]
