"""Units: normalisation, the one rule for adding quantities (mass → kg, volume → m3, liquid → l, number of specimens →
number), and which units a CITES trade term is recorded in.

Any other unit keeps its CITES code, so quantities in different units are never added together. The CITES guidelines
give each term the units it is best recorded in (`TradeTerm.preferred_unit` and `alternative_unit`, `NAR` for the
number of specimens): the form offers those, but an item in another known unit is kept as it was measured (red sanders
logs weighed in tonnes), since a seizing officer cannot turn a weight into a volume.
"""

from __future__ import annotations

from opsplatform.models.reference import TradeTerm, Unit

NORMALISED = {"mass": "kg", "volume": "m3", "liquid": "l"}
NUMBER = "number"
NUMBER_CODE = "NAR"  # the number of specimens, since the 2021 guidelines; stored as no unit, as before


def normalise(quantity: float, unit: Unit | None) -> tuple[str, float]:
    """(normalised unit, quantity in it) for a quantity in `unit` (None = number of specimens)."""
    if unit is None or unit.family == NUMBER:
        return NUMBER, quantity
    if unit.family in NORMALISED and unit.factor is not None:
        return NORMALISED[unit.family], quantity * unit.factor
    return unit.code, quantity


def alias_map(units: list[Unit]) -> dict[str, str]:
    """Every accepted spelling (code, lower-case code, aliases, former codes) → the current CITES unit code."""
    spellings: dict[str, str] = {}
    for unit in units:
        spellings[unit.code.lower()] = unit.code
        for alias in filter(None, (a.strip().lower() for a in unit.aliases.split(";"))):
            spellings.setdefault(alias, unit.code)
    return spellings


def term_units(term: TradeTerm) -> tuple[str, ...]:
    """The units the guidelines give a term, preferred first (`NAR`: the number of specimens)."""
    return tuple(code for value in (term.preferred_unit, term.alternative_unit)
                 for code in (value or "").split(";") if code)
