"""Operations side by side: seizures, arrests, countries reporting and quantities per trade term and unit, each
operation's figures as the member sees them there (its scope and the countries' consent apply as on its dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.policy import Member
from opsplatform.reporting.summary import summary

MOST = 4  # operations at once: more columns no longer fit a page
TERMS = 15  # term and unit rows: those in the most seizures over all the operations compared


@dataclass(frozen=True)
class Comparison:
    members: list[Member]
    figures: list[dict[str, Any]]
    # (term, unit) → the quantity in each operation, in the order of `members` (None where it seized none)
    quantities: dict[tuple[str, str], list[float | None]]


async def compare(session: AsyncSession, members: list[Member]) -> Comparison:
    figures = [await summary(session, member) for member in members]
    totals: dict[tuple[str, str], float] = {}
    for each in figures:
        for row in each["by_term_unit"]:
            totals[row["term"], row["unit"]] = totals.get((row["term"], row["unit"]), 0) + row["seizures"]
    # Kilograms and counts are never added: a row is one term in one unit; the rows most seized come first.
    keys = sorted(totals, key=lambda key: (-totals[key], key))[:TERMS]
    by_key = [{(row["term"], row["unit"]): row["quantity"] for row in each["by_term_unit"]} for each in figures]
    return Comparison(members, figures, {key: [quantities.get(key) for quantities in by_key] for key in keys})
