"""One filter for every results view: pages, API and exports apply the same object, so they always agree."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from opsplatform import dates
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.reference import Network, Region, Taxon, in_networks, in_regions
from opsplatform.models.seizures import Seizure, SeizureItem
from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.reference import names
from opsplatform.reference.loader import TAXON_GROUPS
from opsplatform.reference.lookup import unknown_taxon_message

NAMED = ("countries", "terms", "taxa")  # read by name or code: see read_filter


@dataclass(frozen=True)
class ResultFilter:
    start: date | None = None
    end: date | None = None
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    taxon_groups: tuple[str, ...] = ()
    taxa: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params: Any) -> ResultFilter:
        """From query parameters (repeated keys or comma-separated values) as typed; bad dates and modes raise
        InvalidInput. Countries, terms and taxa are read by `read_filter`, which knows their names."""
        def values(name: str) -> tuple[str, ...]:
            raw = params.getall(name, []) if hasattr(params, "getall") else params.get(name) or []
            raw = [raw] if isinstance(raw, str) else raw
            return tuple(v.strip() for item in raw for v in str(item).split(",") if v.strip())

        errors, days = [], {}
        for name in ("start", "end"):
            text = values(name)
            days[name] = dates.day(text[0]) if text else None
            if text and days[name] is None:
                errors.append(FieldError(name, dates.day_problem(text[0])))
        modes = values("modes")
        for mode in modes:
            if mode not in (*TRANSPORT_MODES, "unknown"):
                errors.append(FieldError("modes", _("unknown transport mode %(mode)s", mode=mode)))
        errors += [FieldError("taxon_groups", _("unknown taxon group %(group)s; choose from %(groups)s", group=group,
                                                groups=", ".join(TAXON_GROUPS)))
                   for group in values("taxon_groups") if group not in TAXON_GROUPS]
        if errors:
            raise InvalidInput(errors)
        return cls(start=days.get("start"), end=days.get("end"),
                   countries=values("countries"), regions=values("regions"), networks=values("networks"),
                   taxon_groups=values("taxon_groups"), taxa=values("taxa"), terms=values("terms"), modes=modes)

    def as_params(self) -> dict[str, str]:
        """Back to query parameters, for links that keep the filter (exports, maps)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = value.isoformat() if isinstance(value, date) else ",".join(value)
        return out

    def item_clause(self) -> ColumnElement[bool]:
        """Conditions on items (taxa, groups, terms), for item-level breakdowns."""
        conditions = []
        if self.terms:
            conditions.append(SeizureItem.term_code.in_(self.terms))
        if self.taxa or self.taxon_groups:
            chosen = [SeizureItem.taxon_id.in_(_with_everything_below(self.taxa))] if self.taxa else []
            if self.taxon_groups:
                chosen.append(SeizureItem.taxon_id.in_(select(Taxon.id).where(
                    Taxon.taxon_group.in_(self.taxon_groups))))
            conditions.append(or_(*chosen))
        return and_(true(), *conditions)

    @property
    def narrows_places(self) -> bool:
        """Narrowed to some countries (by country, region or network)."""
        return bool(self.countries or self.regions or self.networks)

    @property
    def place_and_time_only(self) -> bool:
        """True when only countries and dates are narrowed: the daily figures can answer it."""
        return not (self.taxon_groups or self.taxa or self.terms or self.modes)

    def place_and_time(self, country: Any, day: Any) -> ColumnElement[bool]:
        """Conditions on the reporting country and the seizure date, given as columns (of seizures or daily figures)."""
        conditions: list[ColumnElement[bool]] = []
        if self.start:
            conditions.append(day >= self.start)
        if self.end:
            conditions.append(day <= self.end)
        return and_(self.places(country), *conditions)

    def places(self, country: Any) -> ColumnElement[bool]:
        """Conditions on a country column: the countries, regions and networks asked for."""
        conditions: list[ColumnElement[bool]] = []
        if self.countries:
            conditions.append(country.in_(self.countries))
        if self.regions:
            conditions.append(country.in_(in_regions(self.regions)))
        if self.networks:
            conditions.append(country.in_(in_networks(self.networks)))
        return and_(true(), *conditions)

    def seizure_clause(self) -> ColumnElement[bool]:
        """Conditions on seizures, including 'has a matching item' when items are filtered."""
        conditions = [self.place_and_time(Seizure.reporting_country, Seizure.seizure_date)]
        if self.modes:
            known = [m for m in self.modes if m != "unknown"]
            conditions.append(or_(Seizure.transport_mode.in_(known),
                                  *([Seizure.transport_mode.is_(None)] if "unknown" in self.modes else [])))
        if self.terms or self.taxa or self.taxon_groups:
            # Its own items even where the query also reads items (an export's rows): only the seizure correlates.
            conditions.append(exists().where(SeizureItem.seizure_id == Seizure.id, self.item_clause())
                              .correlate_except(SeizureItem))
        return and_(true(), *conditions)


def _with_everything_below(names: tuple[str, ...]) -> Select[tuple[int]]:
    """The ids of the taxa named and of every taxon below them: a genus covers its species, a family its genera."""
    # Unnamed: a statement may hold several (a filter read by the records and by their items), each its own.
    below = select(Taxon.id).where(Taxon.scientific_name.in_(names)).cte(recursive=True)
    child = aliased(Taxon)
    below = below.union_all(select(child.id).where(child.parent_id == below.c.id))
    return select(below.c.id)


async def read_filter(session: AsyncSession, params: Any) -> ResultFilter:
    """The filter of a page's or the API's query: countries, terms and taxa given by code or by name in any language
    ("Kenya", "KE", "KEN"; "tusks", "TUS"), regions and networks by code, kept as codes; one nobody knows is refused,
    named, rather than silently matching nothing."""
    typed = ResultFilter.from_params(params)
    errors, codes = [], {}
    for kind, model in (("regions", Region), ("networks", Network)):  # by code only: a few, each checked
        if wanted := getattr(typed, kind):
            known_codes = {c.upper(): c for c in (await session.scalars(select(model.code).where(
                func.upper(model.code).in_([w.upper() for w in wanted])))).all()}
            errors += [FieldError(kind, _("unknown region code %(code)s (UN M49, such as 002 for Africa)", code=w)
                                  if kind == "regions" else _("unknown enforcement network %(code)s", code=w))
                       for w in wanted if w.upper() not in known_codes]
            codes[kind] = tuple(dict.fromkeys(known_codes[w.upper()] for w in wanted if w.upper() in known_codes))
    asked = [kind for kind in NAMED if getattr(typed, kind)]
    known = await names.spellings(session, asked)
    for kind in asked:
        found: list[str] = []
        for value in getattr(typed, kind):
            code = known.code(kind, value)
            if code is None:
                errors.append(FieldError(kind, _unknown(kind, value, known)))
            elif code not in found:
                found.append(code)
        codes[kind] = tuple(found)
    if errors:
        raise InvalidInput(errors)
    return replace(typed, **codes)


def _unknown(kind: str, value: str, known: names.Spellings) -> str:
    if kind == "taxa":
        return unknown_taxon_message(value, sorted(set(known.taxa.values())))
    if kind == "terms":
        return _("%(value)s is not a CITES trade term: give its name or its code, such as TUS", value=value)
    return _("%(value)s is not a country: give its name or its ISO code, such as KEN or KE", value=value)


FILTER_FIELDS = tuple(f.name for f in fields(ResultFilter))


def as_typed(params: Any) -> dict[str, str]:
    """The filter's parameters as they were typed, for a page that shows a refused filter back."""
    return {name: value for name, value in params.items() if name in FILTER_FIELDS and value}
