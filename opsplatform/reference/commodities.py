"""The commodity lines a public release states its results in (seed/release_commodities.csv): ivory, rhino horn,
pangolin scales, live birds… Each item falls in the first line whose taxa (named, with every taxon below them, or a
taxon group) and trade terms (none: any) it matches; the last line takes whatever is left."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, case, or_

from opsplatform.database import one_of
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import SeizureItem
from opsplatform.paths import SEED


@dataclass(frozen=True)
class Commodity:
    code: str
    taxa: tuple[str, ...]  # scientific names (covering the taxa below them) or "group:<taxon group>"
    terms: tuple[str, ...]  # empty: any term
    counted_as: str  # "pieces" or "specimens": what a count of this commodity is called
    labels: dict[str, str]
    phrases: dict[str, str]  # "of elephant ivory", "d'ivoire d'éléphant", "de marfil de elefante"


@cache
def commodities() -> tuple[Commodity, ...]:
    """The commodity lines of seed/release_commodities.csv, in order: the first that matches an item takes it."""
    with open(SEED / "release_commodities.csv", newline="", encoding="utf-8") as f:
        return tuple(Commodity(row["code"], tuple(t for t in row["taxa"].split(";") if t),
                               tuple(t for t in row["terms"].split(";") if t), row["counted_as"],
                               {lang: row[f"label_{lang}"] for lang in ("en", "fr", "es")},
                               {lang: row[f"phrase_{lang}"] for lang in ("en", "fr", "es")})
                     for row in csv.DictReader(f))


@cache
def commodity_of_item() -> Any:
    """A CASE naming the commodity line of an item joined with its taxon. It reads only those two rows (a taxon is
    under a named one when its lineage holds the name), so the kept figures count by it as they count by term."""
    whens = []
    for commodity in commodities()[:-1]:
        named = [t for t in commodity.taxa if not t.startswith("group:")]
        groups = [t.removeprefix("group:") for t in commodity.taxa if t.startswith("group:")]
        taxa = [*(Taxon.lineage.contains(f";{name};", autoescape=True) for name in named),
                *([one_of(Taxon.taxon_group, groups)] if groups else [])]
        condition = [or_(*taxa)] if taxa else []
        if commodity.terms:
            condition.append(one_of(SeizureItem.term_code, commodity.terms))
        if condition:
            whens.append((and_(*condition), commodity.code))
    return case(*whens, else_=commodities()[-1].code)
