"""Loads reference data from `seed/` (and pycountry, airportsdata), idempotently: a reload updates, never duplicates."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import airportsdata
import pycountry
from babel.core import get_global
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from opsplatform import paths
from opsplatform.i18n import N_
from opsplatform.models.reference import (
    Airport,
    Country,
    Currency,
    Network,
    NetworkMember,
    Organisation,
    Region,
    Taxon,
    TradeTerm,
    Unit,
)
from opsplatform.reference import edition

COUNTRY_SHAPES = paths.STATIC / "geo" / "countries-110m.geojson"
ORGANISATIONS = {"CITES": "CITES Secretariat", "INTERPOL": "INTERPOL",
                 "UNODC": "United Nations Office on Drugs and Crime", "WB": "World Bank",
                 "WCO": "World Customs Organization"}
TAXON_GROUPS = ("mammals", "birds", "reptiles", "amphibians", "fish", "invertebrates", "corals", "plants", "timber")


def read_csv(name: str) -> list[dict[str, str]]:
    with open(paths.SEED / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


async def upsert(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]], key: Sequence[str],
                 batch: int = 500) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE, in batches, on SQLite or PostgreSQL."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), batch):
        stmt = dialect.insert(table).values(list(rows[start:start + batch]))
        updated = {c: stmt.excluded[c] for c in rows[0] if c not in key}
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=updated) if updated \
            else stmt.on_conflict_do_nothing(index_elements=list(key))
        await session.execute(stmt)


def search_key(text: str) -> str:
    """Lower case without accents: what taxon search compares."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _none(value: str | None) -> str | None:
    return value.strip() or None if value else None


async def load_regions_and_countries(session: AsyncSession) -> None:
    m49 = read_csv("m49.csv")
    regions: dict[str, dict[str, Any]] = {}
    for row in m49:
        for level, parent in (("region", None), ("subregion", "region"), ("intermediate_region", "subregion")):
            code = _none(row[f"{level}_code"])
            if code and code not in regions:
                regions[code] = {"code": code, "name": row[level],
                                 "level": "intermediate" if level == "intermediate_region" else level,
                                 "parent_code": _none(row[f"{parent}_code"]) if parent else None}
    ordered = sorted(regions.values(), key=lambda r: ("region", "subregion", "intermediate").index(r["level"]))
    await upsert(session, Region, ordered, ["code"])
    zones = get_global("territory_zones")
    by_alpha3 = {row["alpha3"]: row for row in m49}
    countries = []
    for c in pycountry.countries:
        row = by_alpha3.get(c.alpha_3, {})
        countries.append({
            "alpha3": c.alpha_3, "alpha2": c.alpha_2, "numeric": c.numeric,
            "name": getattr(c, "common_name", None) or c.name,
            "region_code": _none(row.get("region_code")), "subregion_code": _none(row.get("subregion_code")),
            "intermediate_region_code": _none(row.get("intermediate_region_code")),
            "timezone": CAPITAL_ZONES.get(c.alpha_3) or (zones.get(c.alpha_2) or [None])[0],
        })
    await upsert(session, Country, countries, ["alpha3"])


# Countries that span several time zones keep their capital's (CLDR lists their zones alphabetically, so the
# first is often a remote one: America/Adak for the United States); reminders go out on the capital's clock.
CAPITAL_ZONES = {
    "ARG": "America/Argentina/Buenos_Aires", "AUS": "Australia/Sydney", "BRA": "America/Sao_Paulo",
    "CAN": "America/Toronto", "CHL": "America/Santiago", "CHN": "Asia/Shanghai", "COD": "Africa/Kinshasa",
    "ECU": "America/Guayaquil", "ESP": "Europe/Madrid", "FSM": "Pacific/Pohnpei", "GRL": "America/Nuuk",
    "IDN": "Asia/Jakarta", "KAZ": "Asia/Almaty", "KIR": "Pacific/Tarawa", "MEX": "America/Mexico_City",
    "MNG": "Asia/Ulaanbaatar", "MYS": "Asia/Kuala_Lumpur", "NZL": "Pacific/Auckland", "PNG": "Pacific/Port_Moresby",
    "PRT": "Europe/Lisbon", "PYF": "Pacific/Tahiti", "RUS": "Europe/Moscow", "UKR": "Europe/Kyiv",
    "USA": "America/New_York", "UZB": "Asia/Tashkent",
}


async def load_networks(session: AsyncSession) -> None:
    rows = read_csv("networks.csv")
    await upsert(session, Network, [{"code": r["code"], "name": r["name"], "kind": r["kind"]} for r in rows], ["code"])
    members = [{"network_code": r["code"], "country_code": c} for r in rows for c in r["members"].split(";") if c]
    await upsert(session, NetworkMember, members, ["network_code", "country_code"])
    await upsert(session, Organisation, [{"code": k, "name": v} for k, v in ORGANISATIONS.items()], ["code"])


async def load_taxa(session: AsyncSession, rows: Iterable[dict[str, Any]], source: str = "seed") -> int:
    """Upsert taxa by scientific name, then link each to its parent by name. Returns the rows given."""
    rows = list(rows)
    columns = ("scientific_name", "rank", "appendix", "taxon_group", "kingdom",
               "common_name_en", "common_name_fr", "common_name_es")
    await upsert(session, Taxon, [{**{c: _none(r.get(c)) for c in columns}, "source": source,
                                   "search_text": search_key(" ".join(
                                       filter(None, (r.get(c) for c in columns[:1] + columns[5:]))))}
                                  for r in rows], ["scientific_name"])
    await link_parents(session, {r["scientific_name"]: parent for r in rows if (parent := _none(r.get("parent")))},
                       source)
    return len(rows)


# Parents are linked from the top down, so that a taxon can be put under a genus linked in the same pass.
RANK_DEPTH = {"kingdom": 0, "phylum": 1, "class": 2, "order": 3, "family": 4, "subfamily": 5, "genus": 6,
              "species": 7, "subspecies": 8, "variety": 8}


async def link_parents(session: AsyncSession, links: dict[str, str], source: str) -> int:
    """Put each taxon (name → its parent's name) under its parent, and return how many moved.

    A taxon already below the parent given stays where it is (a species the bundled file puts under its family keeps
    the genus an import put between them). A taxon from another source (bundled, imported) only moves down its own
    line, so the bundled file and a checklist import never undo each other; no taxon goes under itself. Every taxon
    whose line changed (moved, or under one that moved, or new) has its lineage written again."""
    rows = (await session.execute(select(Taxon.id, Taxon.scientific_name, Taxon.parent_id, Taxon.rank, Taxon.source,
                                         Taxon.lineage))).all()
    known = {name: (taxon_id, parent_id, rank, taxon_source)
             for taxon_id, name, parent_id, rank, taxon_source, _lineage in rows}
    parent_of = {taxon_id: parent_id for taxon_id, parent_id, _rank, _source in known.values()}

    def line(taxon_id: int | None) -> set[int]:  # the taxon and every taxon above it
        above: set[int] = set()
        while taxon_id is not None and taxon_id not in above:
            above.add(taxon_id)
            taxon_id = parent_of.get(taxon_id)
        return above

    moved: dict[int, list[int]] = {}
    for name, parent in sorted(((name, parent) for name, parent in links.items() if name in known and parent in known),
                               key=lambda link: RANK_DEPTH.get(known[link[0]][2], 9)):
        taxon_id, parent_id = known[name][0], known[parent][0]
        current = parent_of[taxon_id]
        if current == parent_id or parent_id in line(current) or taxon_id in line(parent_id):
            continue
        if current is not None and known[name][3] != source and current not in line(parent_id):
            continue
        parent_of[taxon_id] = parent_id
        moved.setdefault(parent_id, []).append(taxon_id)
    for parent_id, children in moved.items():
        for start in range(0, len(children), 500):
            await session.execute(update(Taxon).where(Taxon.id.in_(children[start:start + 500]))
                                  .values(parent_id=parent_id))
    names = {taxon_id: name for taxon_id, name, *_rest in rows}
    kept = {taxon_id: lineage for taxon_id, *_rest, lineage in rows}
    if changed := [{"taxon_id": taxon_id, "lineage": lineage}
                   for taxon_id, lineage in lineages(parent_of, names).items() if kept[taxon_id] != lineage]:
        await session.execute(update(Taxon.__table__).where(Taxon.__table__.c.id == bindparam("taxon_id")), changed)
    return sum(len(children) for children in moved.values())


def lineages(parent_of: dict[int, int | None], names: dict[int, str]) -> dict[int, str]:
    """Each taxon's line from the top down, itself included, as Taxon.lineage keeps it (";Felidae;Panthera;")."""
    found: dict[int, str] = {}

    def lineage(taxon_id: int) -> str:
        if taxon_id not in found:
            line, above = [], taxon_id
            while above is not None and above not in found and above not in line:  # link_parents makes no loop
                line.append(above)
                above = parent_of.get(above)
            top = found.get(above, ";") if above is not None else ";"
            for below in reversed(line):
                top = found[below] = f"{top}{names[below]};"
        return found[taxon_id]

    return {taxon_id: lineage(taxon_id) for taxon_id in names}


async def load_terms_and_units(session: AsyncSession) -> None:
    await upsert(session, Unit, [{
        "code": r["code"], "name_en": r["name_en"], "name_fr": _none(r["name_fr"]), "name_es": _none(r["name_es"]),
        "family": r["family"], "factor": float(r["factor"]) if r["factor"] else None, "aliases": r["aliases"],
    } for r in read_csv("units.csv")], ["code"])
    await upsert(session, TradeTerm, [{
        "code": r["code"], "name_en": r["name_en"], "name_fr": _none(r["name_fr"]), "name_es": _none(r["name_es"]),
        "preferred_unit": _none(r["preferred_unit"]), "alternative_unit": _none(r["alternative_unit"]),
    } for r in read_csv("trade_terms.csv")], ["code"])


async def load_currencies_and_airports(session: AsyncSession) -> None:
    await upsert(session, Currency, [{"code": c.alpha_3, "name": c.name} for c in pycountry.currencies], ["code"])
    alpha3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    airports = [{"iata": code, "name": a["name"], "city": a["city"] or None, "country_code": alpha3[a["country"]],
                 "latitude": float(a["lat"]), "longitude": float(a["lon"]), "timezone": a["tz"] or None}
                for code, a in airportsdata.load("IATA").items() if a["country"] in alpha3]
    await upsert(session, Airport, airports, ["iata"])


async def load_label_points(session: AsyncSession) -> None:
    """Where maps anchor each country: the basemap's label point, else the mean of its airports."""
    shapes = json.loads(COUNTRY_SHAPES.read_text())["features"]
    points = {f["id"]: (f["properties"]["lat"], f["properties"]["lon"]) for f in shapes}
    airports = (await session.execute(select(Airport.country_code, func.avg(Airport.latitude),
                                             func.avg(Airport.longitude)).group_by(Airport.country_code))).all()
    for country, lat, lon in airports:
        points.setdefault(country, (round(lat, 3), round(lon, 3)))
    known = set((await session.scalars(select(Country.alpha3))).all())
    for country, (lat, lon) in points.items():
        if country in known:
            await session.execute(update(Country).where(Country.alpha3 == country).values(latitude=lat, longitude=lon))


async def load_all(session: AsyncSession) -> dict[str, int]:
    """Everything in `seed/`, in dependency order; returns the row count of each table."""
    await load_regions_and_countries(session)
    await load_networks(session)
    await load_terms_and_units(session)
    await load_taxa(session, read_csv("taxa.csv"))
    await load_currencies_and_airports(session)
    await load_label_points(session)
    await session.commit()
    edition.changed()
    return await counts(session)


async def ensure_loaded(session: AsyncSession) -> dict[str, int] | None:
    """Load the bundled reference data into a database that has none (a new one); the counts, or None when it had
    some already (reloading is `opsplatform reference load`, which keeps what an administrator imported)."""
    if await session.scalar(select(Country.alpha3).limit(1)) is not None:
        return None
    return await load_all(session)


async def counts(session: AsyncSession) -> dict[str, int]:
    # Marked for translation: the admin page shows these names in the reader's language.
    models = {N_("regions"): Region, N_("countries"): Country, N_("networks"): Network,
              N_("network members"): NetworkMember, N_("organisations"): Organisation, N_("taxa"): Taxon,
              N_("trade terms"): TradeTerm, N_("units"): Unit, N_("currencies"): Currency, N_("airports"): Airport}
    return {name: await session.scalar(select(func.count()).select_from(model)) or 0 for name, model in models.items()}
