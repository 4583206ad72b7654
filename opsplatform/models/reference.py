"""Reference data: countries, regions, networks, taxa, CITES trade terms and units, currencies, airports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, or_, select
from sqlmodel import Field, SQLModel


class Region(SQLModel, table=True):
    """A UN M49 region, sub-region or intermediate region."""

    __tablename__ = "regions"
    code: str = Field(primary_key=True, max_length=3)
    name: str
    level: str = Field(max_length=16)  # region, subregion, intermediate
    parent_code: str | None = Field(default=None, foreign_key="regions.code", max_length=3)


class Country(SQLModel, table=True):
    __tablename__ = "countries"
    alpha3: str = Field(primary_key=True, max_length=3)
    alpha2: str = Field(unique=True, max_length=2)
    numeric: str = Field(max_length=3)
    name: str
    region_code: str | None = Field(default=None, foreign_key="regions.code", max_length=3)
    subregion_code: str | None = Field(default=None, foreign_key="regions.code", max_length=3)
    intermediate_region_code: str | None = Field(default=None, foreign_key="regions.code", max_length=3)
    timezone: str | None = Field(default=None, max_length=64)
    # A label point for maps (flow arrows, markers): from the bundled basemap, else the country's airports.
    latitude: float | None = None
    longitude: float | None = None


class Network(SQLModel, table=True):
    """An enforcement network (ASEAN-WEN, LATF, …) or a national inter-agency group."""

    __tablename__ = "networks"
    code: str = Field(primary_key=True, max_length=16)
    name: str
    kind: str = Field(max_length=16)


class NetworkMember(SQLModel, table=True):
    __tablename__ = "network_members"
    network_code: str = Field(primary_key=True, foreign_key="networks.code", max_length=16)
    country_code: str = Field(primary_key=True, foreign_key="countries.alpha3", max_length=3)


class Organisation(SQLModel, table=True):
    """An ICCWC partner or other coordinating organisation."""

    __tablename__ = "organisations"
    code: str = Field(primary_key=True, max_length=16)
    name: str


class Taxon(SQLModel, table=True):
    __tablename__ = "taxa"
    id: int | None = Field(default=None, primary_key=True)
    scientific_name: str = Field(unique=True, index=True)
    rank: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="taxa.id")
    appendix: str | None = Field(default=None, max_length=8)
    taxon_group: str = Field(max_length=16, index=True)
    kingdom: str = Field(max_length=16)
    common_name_en: str | None = None
    common_name_fr: str | None = None
    common_name_es: str | None = None
    source: str = Field(default="seed", max_length=16)
    # Every name, lower-cased and without accents, so "elephant" finds "Éléphant" on any database.
    search_text: str = ""
    # Its line from the top down, itself included, each name between ";" (";Animalia;…;Elephantidae;Loxodonta;"):
    # "under Elephantidae" is then a condition on the row itself, with no walk of the tree (see reference/loader.py).
    lineage: str = ""

    def common_name(self, language: str) -> str | None:
        return getattr(self, f"common_name_{language}", None) or self.common_name_en


class TradeTerm(SQLModel, table=True):
    __tablename__ = "trade_terms"
    code: str = Field(primary_key=True, max_length=3)
    name_en: str
    name_fr: str | None = None
    name_es: str | None = None
    preferred_unit: str | None = Field(default=None, max_length=16)  # "CUM;SQM" where the guidelines give several
    alternative_unit: str | None = Field(default=None, max_length=16)


class Unit(SQLModel, table=True):
    """A CITES unit; `family` and `factor` drive normalisation (mass → kg, volume → m3, liquid → l)."""

    __tablename__ = "units"
    code: str = Field(primary_key=True, max_length=3)
    name_en: str
    name_fr: str | None = None
    name_es: str | None = None
    family: str = Field(max_length=16)
    factor: float | None = None
    aliases: str = ""


class Currency(SQLModel, table=True):
    __tablename__ = "currencies"
    code: str = Field(primary_key=True, max_length=3)
    name: str


class Airport(SQLModel, table=True):
    __tablename__ = "airports"
    iata: str = Field(primary_key=True, max_length=3)
    name: str
    city: str | None = None
    country_code: str = Field(max_length=3, index=True)
    latitude: float
    longitude: float
    timezone: str | None = Field(default=None, max_length=64)


def in_regions(codes: Iterable[Any]) -> Select:
    """The alpha-3 codes of the countries in any of these UN M49 regions, at any level (region, subregion or
    intermediate region); a code may be a column, for a correlated query."""
    codes = list(codes)
    return select(Country.alpha3).where(or_(Country.region_code.in_(codes), Country.subregion_code.in_(codes),
                                            Country.intermediate_region_code.in_(codes)))


def in_networks(codes: Iterable[Any]) -> Select:
    """The alpha-3 codes of the member countries of any of these enforcement networks (a code may be a column)."""
    return select(NetworkMember.country_code).where(NetworkMember.network_code.in_(list(codes)))
