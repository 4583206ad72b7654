"""Figures per country as a press officer may see them: countries that consented only to aggregates are added up."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.policy import Member


async def fold_unnamed(session: AsyncSession, member: Member, entries: list[dict[str, Any]],
                       counts: tuple[str, ...]) -> list[dict[str, Any]]:
    """For a press officer, the entries of countries that did not consent to be named are added up (their `counts`)
    into one "other" entry."""
    if not policy.names_only_consenting(member):
        return entries
    named = set((await session.scalars(policy.named_countries(member.operation.id))).all())
    other = {"country": "other", **{k: sum(e[k] for e in entries if e["country"] not in named) for k in counts}}
    return [e for e in entries if e["country"] in named] + ([other] if other["seizures"] else [])
