"""Looking up reference data the way users type it: countries by alpha-3 or alpha-2, taxa by any name."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, current_language
from opsplatform.labels import country_name, quantity_label, region_name, term_unit_label
from opsplatform.models.reference import (
    Airport,
    Country,
    Network,
    NetworkMember,
    Organisation,
    Region,
    Taxon,
    TradeTerm,
    Unit,
    in_networks,
    in_regions,
)
from opsplatform.reference.loader import search_key


async def country_choices(session: AsyncSession, codes: Select | None = None) -> list[tuple[str, str]]:
    """Countries (all, or those whose alpha-3 `codes` selects) as (alpha-3, name in the current language), by name."""
    query = select(Country.alpha3, Country.name)
    if codes is not None:
        query = query.where(Country.alpha3.in_(codes))
    named = [(code, country_name(code, name)) for code, name in (await session.execute(query)).all()]
    return sorted(named, key=lambda pair: collation_key(pair[1]))


async def region_choices(session: AsyncSession, levels: Sequence[str] = ("region",)) -> list[tuple[str, str]]:
    """UN M49 regions of the given levels (region, subregion, intermediate) as (code, name in the current
    language), by that name, as the reader sees them."""
    rows = (await session.execute(select(Region.code, Region.name).where(Region.level.in_(levels)))).all()
    named = [(code, region_name(code, name)) for code, name in rows]
    return sorted(named, key=lambda pair: collation_key(pair[1]))


async def coded_names(session: AsyncSession, model: type[TradeTerm] | type[Unit]) -> list[tuple[str, str]]:
    """CITES trade terms or units as (code, name in the current language, English where not translated)."""
    name = getattr(model, f"name_{current_language()}", model.name_en)
    return list((await session.execute(select(model.code, func.coalesce(name, model.name_en))
                                       .order_by(model.code))).all())


NORMALISED_UNITS = ("kg", "m3", "l", "number")


@dataclass(frozen=True)
class QuantityWords:
    """Quantities and term rows in words, with the trade terms' and units' names in the current language."""

    terms: dict[str, str]
    units: dict[str, str]

    def _unit(self, unit: str | None) -> str | None:
        return unit if unit in NORMALISED_UNITS or unit is None else self.units.get(unit, unit)

    def __call__(self, term: str, quantity: float | None, unit: str | None) -> str:
        """As labels.quantity_label writes it: "36 kg of tusks"; `unit` normalised, or any other unit's code."""
        return quantity_label(quantity, self._unit(unit), self.terms.get(term, term))

    def heading(self, term: str, unit: str | None) -> str:
        """A table row or chart bar for one term in one unit: "tusks (kg)"."""
        return term_unit_label(self.terms.get(term, term), self._unit(unit))


async def quantity_words(session: AsyncSession) -> QuantityWords:
    return QuantityWords(dict(await coded_names(session, TradeTerm)), dict(await coded_names(session, Unit)))


@lru_cache(maxsize=4096)  # the same few hundred names are sorted for every page with a country or region picker
def collation_key(text: str) -> str:
    """Sorts names as a reader expects: "Égypte" with the E's, not after "Zambie"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


async def country_codes(session: AsyncSession) -> dict[str, str]:
    """Every accepted spelling (alpha-3 and alpha-2, upper case) → alpha-3."""
    rows = (await session.execute(select(Country.alpha3, Country.alpha2))).all()
    if not rows:  # say so, rather than call every code unknown
        raise InvalidInput.one("reference", _("reference data not loaded: run `opsplatform reference load`"))
    return {**{a2: a3 for a3, a2 in rows}, **{a3: a3 for a3, _a2 in rows}}


def resolve_country(codes: dict[str, str], value: str) -> str | None:
    return codes.get(value.strip().upper()) if value else None


def unknown_country(value: str) -> str:
    return _("unknown country code %(code)s (use ISO 3166-1 alpha-3 such as KEN, or alpha-2 such as KE)",
             code=value)


async def taxa_by_name(session: AsyncSession, names: list[str]) -> dict[str, Taxon]:
    """Taxa whose scientific name matches (case-insensitive), keyed by the lower-cased name given."""
    if not names:
        return {}
    found = (await session.scalars(select(Taxon).where(func.lower(Taxon.scientific_name).in_(
        [n.strip().lower() for n in names])))).all()
    return {t.scientific_name.lower(): t for t in found}


def unknown_taxon_message(name: str, known_names: Sequence[str]) -> str:
    """Say the taxon is unknown, suggesting close scientific names for a typo ("Manis javnica" → "Manis javanica")."""
    suggestions = difflib.get_close_matches(name.strip(), known_names, n=3, cutoff=0.75)
    if suggestions:
        return _("unknown taxon %(name)s; did you mean %(suggestions)s?", name=name,
                 suggestions=_(" or ").join(suggestions))
    return _("unknown taxon %(name)s (give the scientific name of a species, genus, family or order)", name=name)


async def unknown_taxon(session: AsyncSession, name: str) -> str:
    return unknown_taxon_message(name, (await session.scalars(select(Taxon.scientific_name))).all())


async def search_taxa(session: AsyncSession, query: str, limit: int = 20) -> list[Taxon]:
    """Taxa matching a scientific or common name (English, French or Spanish); best matches first."""
    term = search_key(query.strip())
    if len(term) < 2:
        return []
    # Escaped: a typed % or _ is a character to find, not a wildcard.
    starts = or_(Taxon.search_text.startswith(term, autoescape=True),
                 Taxon.search_text.contains(" " + term, autoescape=True))
    rank_order = case({"species": 0, "subspecies": 1, "genus": 2, "family": 3, "order": 4}, value=Taxon.rank, else_=5)
    return list((await session.scalars(
        select(Taxon).where(Taxon.search_text.contains(term, autoescape=True))
        .order_by(case((starts, 0), else_=1), rank_order, Taxon.scientific_name).limit(limit))).all())


async def countries_in_region(session: AsyncSession, region_code: str) -> list[str]:
    return list((await session.scalars(in_regions([region_code]).order_by(Country.alpha3))).all())


async def countries_in_network(session: AsyncSession, network_code: str) -> list[str]:
    return list((await session.scalars(in_networks([network_code]).order_by(NetworkMember.country_code))).all())


async def lead_organisation_codes(session: AsyncSession) -> list[str]:
    """ICCWC partners and enforcement networks: who can lead an operation."""
    return [*(await session.scalars(select(Organisation.code).order_by(Organisation.code))).all(),
            *(await session.scalars(select(Network.code).order_by(Network.code))).all()]


async def airports_by_iata(session: AsyncSession, codes: list[str]) -> dict[str, Airport]:
    if not codes:
        return {}
    return {a.iata: a for a in (await session.scalars(select(Airport).where(Airport.iata.in_(codes)))).all()}


async def regions(session: AsyncSession) -> list[Region]:
    return list((await session.scalars(select(Region).order_by(Region.level, Region.name))).all())


async def taxon_tree(session: AsyncSession) -> dict[int, list[int]]:
    """Each taxon's children, by id: read once for as many `descendants` questions as a page asks."""
    children: dict[int, list[int]] = {}
    for taxon_id, parent_id in (await session.execute(select(Taxon.id, Taxon.parent_id))).all():
        if parent_id is not None:
            children.setdefault(parent_id, []).append(taxon_id)
    return children


def descendants(tree: dict[int, list[int]], taxon_ids: Sequence[int]) -> set[int]:
    """The taxa and every taxon below them in `tree` (a target genus covers its species)."""
    found, todo = set(taxon_ids), list(taxon_ids)
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def with_descendants(session: AsyncSession, taxon_ids: Sequence[int]) -> set[int]:
    """The taxa and every taxon below them (a target genus covers its species)."""
    return descendants(await taxon_tree(session), taxon_ids)


async def term_names(session: AsyncSession, codes: Sequence[str]) -> dict[str, dict[str, str]]:
    """CITES trade terms' names in English, French and Spanish (English where a translation is missing)."""
    rows = (await session.execute(select(TradeTerm.code, TradeTerm.name_en, TradeTerm.name_fr, TradeTerm.name_es)
                                  .where(TradeTerm.code.in_(list(codes))))).all()
    return {code: {"en": en, "fr": fr or en, "es": es or en} for code, en, fr, es in rows}
