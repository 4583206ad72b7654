"""Reading a country, trade term or taxon as people type it: by its code or by its name in any of the app's
languages ("Kenya", "kenia", "KE", "KEN"; "tusks", "défenses", "TUS"; "Pangolins", "Manis"), without accents or case
mattering. Filters and pickers read through here, so a name never silently matches nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from babel import Locale
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.i18n import LANGUAGES
from opsplatform.models.reference import Country, Taxon, TradeTerm
from opsplatform.reference.loader import search_key


@dataclass(frozen=True)
class Spellings:
    """Every accepted spelling (folded by `search_key`) → the code it stands for, per kind of value."""

    countries: dict[str, str]
    terms: dict[str, str]
    taxa: dict[str, str]

    def code(self, kind: str, typed: str) -> str | None:
        return getattr(self, kind).get(search_key(typed.strip()))


def _index(pairs: Iterable[tuple[str | None, str]]) -> dict[str, str]:
    """Folded spelling → code; the first pair given for a spelling wins (callers give codes and the best first)."""
    index: dict[str, str] = {}
    for spelling, code in pairs:
        if spelling:
            index.setdefault(search_key(spelling.strip()), code)
    return index


async def spellings(session: AsyncSession, kinds: Iterable[str]) -> Spellings:
    """The spellings of the kinds asked for (countries, terms, taxa); the others are left empty."""
    kinds = set(kinds)
    countries: dict[str, str] = {}
    terms: dict[str, str] = {}
    taxa: dict[str, str] = {}
    if "countries" in kinds:
        rows = (await session.execute(select(Country.alpha3, Country.alpha2, Country.name))).all()
        names = [Locale.parse(language).territories for language in LANGUAGES]
        countries = _index([*((a3, a3) for a3, _a2, _n in rows), *((a2, a3) for a3, a2, _n in rows),
                            *((n, a3) for a3, _a2, n in rows),
                            *((territories.get(a2), a3) for territories in names for a3, a2, _n in rows)])
    if "terms" in kinds:
        rows = (await session.execute(select(TradeTerm.code, TradeTerm.name_en, TradeTerm.name_fr,
                                             TradeTerm.name_es))).all()
        terms = _index([(spelling, row[0]) for row in rows for spelling in row])
    if "taxa" in kinds:
        # A common name shared by several taxa means the widest of them ("pangolins": the family, not a genus).
        widest = case({"class": 0, "order": 1, "family": 2, "genus": 3, "species": 4}, value=Taxon.rank, else_=5)
        rows = (await session.execute(select(Taxon.scientific_name, Taxon.common_name_en, Taxon.common_name_fr,
                                             Taxon.common_name_es).order_by(widest, Taxon.scientific_name))).all()
        taxa = _index([*((row[0], row[0]) for row in rows),
                       *((spelling, row[0]) for row in rows for spelling in row[1:])])
    return Spellings(countries, terms, taxa)
