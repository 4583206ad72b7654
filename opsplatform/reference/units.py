"""Unit normalisation, the one rule for adding quantities: mass → kg, volume → m3, liquid → l, no unit → number.

Any other unit keeps its CITES code, so quantities in different units are never added together.
"""

from __future__ import annotations

from opsplatform.models.reference import Unit

NORMALISED = {"mass": "kg", "volume": "m3", "liquid": "l"}
NUMBER = "number"


def normalise(quantity: float, unit: Unit | None) -> tuple[str, float]:
    """(normalised unit, quantity in it) for a quantity in `unit` (None = number of specimens)."""
    if unit is None:
        return NUMBER, quantity
    if unit.family in NORMALISED and unit.factor is not None:
        return NORMALISED[unit.family], quantity * unit.factor
    return unit.code, quantity


def alias_map(units: list[Unit]) -> dict[str, str]:
    """Every accepted spelling (code, lower-case code, aliases) → the CITES unit code."""
    spellings: dict[str, str] = {}
    for unit in units:
        spellings[unit.code.lower()] = unit.code
        for alias in filter(None, (a.strip().lower() for a in unit.aliases.split(";"))):
            spellings.setdefault(alias, unit.code)
    return spellings
