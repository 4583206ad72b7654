"""Which taxon group (mammals, birds, …, timber, plants) a taxon falls in, from its place in the taxonomy: the rules
of `seed/taxon_groups.csv`, the CITES Trade Database's groups as the bundled taxa use them."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache

from opsplatform import paths

# A rule for a taxon's own species or genus wins over one for its family, and so on up to its kingdom.
MOST_SPECIFIC_FIRST = ("species", "genus", "family", "order", "class", "phylum", "kingdom")


@cache
def _rows() -> tuple[dict[str, str], ...]:
    with open(paths.SEED / "taxon_groups.csv", newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


@cache
def rules() -> dict[tuple[str, str], str]:
    """(rank, name in lower case) → taxon group."""
    return {(row["rank"], row["name"].casefold()): row["taxon_group"] for row in _rows()}


@cache
def kingdoms() -> dict[str, str]:
    """The kingdoms the rules know, lower case → as written ("plantae" → "Plantae")."""
    return {row["name"].casefold(): row["name"] for row in _rows() if row["rank"] == "kingdom"}


def taxon_group(lineage: Mapping[str, str | None]) -> str | None:
    """The group of a taxon whose lineage (rank → name, as far as it goes: its species, genus, family, order, class,
    phylum and kingdom) is given; None when no rule covers even its kingdom."""
    for rank in MOST_SPECIFIC_FIRST:
        if (name := lineage.get(rank)) and (group := rules().get((rank, name.casefold()))):
            return group
    return None
