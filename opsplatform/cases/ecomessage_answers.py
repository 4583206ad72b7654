"""What a record answers to each item of the Ecomessage form (ecomessage_form.py): lines of text in the reader's
language, none where nothing is known (the document then says "unknown", as the form asks).

An item made of several facts gives each its own line, "label: value", every one of them printed ("unknown" for a
missing one) once any is known. What identifies a person, or a business's contacts, reads "withheld" for a reader not
cleared for the record's country, whether or not it was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opsplatform import format
from opsplatform.i18n import _, current_language
from opsplatform.labels import country_name, form_field_label as label, kind_label, value_label
from opsplatform.models.operations import Operation
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem

Lines = list[str]
EMPTY = (None, "", [])


@dataclass
class Record:
    """The facts of one record the Ecomessage is made of, its nominal fields opened only for the cleared."""

    operation: Operation
    seizure: Seizure
    items: Sequence[tuple[SeizureItem, Taxon]]
    persons: list[dict[str, Any]]
    companies: list[dict[str, Any]]
    case_nominal: dict[str, Any]  # the seizure's own nominal fields
    nominal: bool
    linked: Sequence[tuple[str, str, str]]  # kind, country, reference of records linked to this one
    attached: list[str]  # file names of the record's photos and documents
    requested: str


def named(code: str | None) -> str | None:
    return f"{country_name(code)} ({code})" if code else None


def yes_no(value: bool | None) -> str | None:
    return None if value is None else _("yes") if value else _("no")


def one(value: Any) -> Lines:
    return [] if value in EMPTY else [str(value)]


def fact(heading: str, value: Any) -> str:
    return _("%(label)s: %(value)s", label=heading, value=_("unknown") if value in EMPTY else value)


def parts(*facts: tuple[str, Any]) -> Lines:
    """Each fact as "label: value", "unknown" for a missing one; nothing when none is known."""
    if all(value in EMPTY for _label, value in facts):
        return []
    return [fact(label, value) for label, value in facts]


def answers(record: Record) -> dict[str, Lines]:
    """The record's own items: sections 1 to 4 and 7 to 13, and the notes beside sections 5 and 6."""
    s, operation = record.seizure, record.operation
    hidden = _nominal(record.case_nominal, record.nominal)
    place = f"{s.location} ({value_label(s.location_type)})" if s.location and s.location_type else s.location
    route = [c for c in (named(s.export_country or s.origin_country), *map(named, s.transit_countries),
                         named(s.destination_country)) if c]
    return {
        "1.1": one(s.offence_description) or _subject(record),
        "1.2": [s.code_name or operation.code],
        "1.3": parts(*_own(s, "legal_reference", "legislation", "penalties")),
        "2.1": parts((label("location"), place),
                     (_("Coordinates"), f"{s.latitude}, {s.longitude}" if s.latitude is not None else None),
                     *_own(s, "reference_point")),
        "2.2": one(s.detection_method and value_label(s.detection_method)),
        "2.3": [", ".join((s.discovery_city or _("unknown"), country_name(s.reporting_country)))],
        "3": [", ".join((s.seizure_date.isoformat(), s.seizure_time or _("time unknown")))],
        "4.1": [_item_description(n, item, taxon) for n, (item, taxon) in enumerate(record.items, 1)],
        "4.2": [_item_quantity(n, item) for n, (item, _taxon) in enumerate(record.items, 1)],
        "5": [" · ".join([_("Suspects arrested: %(n)s", n=s.suspects_arrested), *parts(
            (_("nationalities"), ", ".join(map(country_name, s.suspect_nationalities))))])],
        "6": parts(*_own(s, "companies_involved")),
        "7": parts((label("transport_mode"), s.transport_mode and value_label(s.transport_mode)),
                   *_own(s, "carrier", "transport_number", "transport_document"), (_("Route"), " → ".join(route))),
        "8a": parts((label("origin_country"), named(s.origin_country)),
                    (label("customs_origin_country"), named(s.customs_origin_country)), *_own(s, "origin_town"),
                    (label("origin_at_sea"), yes_no(s.origin_at_sea))),
        "8b": one(named(s.export_country)),
        "8c": one(", ".join(map(named, s.transit_countries))),
        "8d": parts((label("destination_country"), named(s.destination_country)),
                    (label("real_destination_country"), named(s.real_destination_country)),
                    (label("destination_address"), hidden("destination_address"))),
        "9": parts(*_own(s, "documents_used"), (label("documents_fraudulent"), yes_no(s.documents_fraudulent))),
        "10": parts(*_own(s, "agency_name"), (label("agency"), s.agency and value_label(s.agency)),
                    (_("Country"), named(s.reporting_country)), *_own(s, "agency_address", "agency_telecoms"),
                    (label("agency_contact"), hidden("agency_contact"))),
        "11": parts(*_own(s, "modus_operandi", "concealment", "packaging"),
                    (_("Relationship with other cases"), "; ".join(
                        f"{kind_label(kind)}: {country_name(country)} {ref}" for kind, country, ref in record.linked)),
                    (_("Photos and documents attached to the record"), ", ".join(record.attached))),
        "12": parts(*_own(s, "notes"), (_("Case follow-up"), s.case_status and value_label(s.case_status))),
        "13": one(record.requested),
    }


def person_answers(person: dict[str, Any], nominal: bool) -> dict[str, Lines]:
    """A person's items 5.a to 5.l."""
    hidden = _nominal(person, nominal)
    return {
        "5a": one(person["arrest_date"] and person["arrest_date"].isoformat()),
        "5b": _family_name(person) if nominal else [withheld()],
        "5c": one(hidden("first_names")),
        "5d": one(person["sex"] and value_label(person["sex"])),
        "5e": one(hidden("aliases")),
        "5f": parts(*((label(name), hidden(name)) for name in ("date_of_birth", "place_of_birth"))),
        "5g": one(named(person["nationality"])),
        "5h": one(hidden("address")),
        "5i": parts((label("document_type"), person["document_type"] and value_label(person["document_type"])),
                    *((label(name), hidden(name)) for name in ("document_number", "document_issue_place",
                                                               "document_issue_date", "document_valid_until"))),
        "5j": one(person["profession"]),
        "5k": parts((label("company"), hidden("company")), (label("company_function"), person["company_function"])),
        "5l": parts(*((label(name), hidden(name)) for name in ("telephone", "fax", "vehicle")),
                    (_("Function in the offence"), person["role"] and value_label(person["role"]))),
    }


def company_answers(company: dict[str, Any], nominal: bool) -> dict[str, Lines]:
    """A company's items 6.a to 6.f."""
    hidden = _nominal(company, nominal)
    return {"6a": one(company["company_type"]), "6b": one(company["name"]), "6c": one(company["activities"]),
            "6d": one(hidden("headquarters")), "6e": one(hidden("registration_number")),
            "6f": one(hidden("business_address"))}


def _own(seizure: Seizure, *names: str) -> list[tuple[str, Any]]:
    """Fields of the record as they are, each under its label in the form."""
    return [(label(name), getattr(seizure, name)) for name in names]


def withheld() -> str:
    return _("withheld (nominal data)")


def _nominal(values: dict[str, Any], nominal: bool) -> Callable[[str], Any]:
    """A nominal field's value for the cleared; "withheld" for anyone else."""
    return lambda name: values.get(name) if nominal else withheld()


def _family_name(person: dict[str, Any]) -> Lines:
    """The family name with the maiden name; a record made before names were split gives its whole name."""
    family, maiden = person.get("family_name"), person.get("maiden_name")
    if maiden:
        return [_("%(family)s (maiden name: %(maiden)s)", family=family or _("unknown"), maiden=maiden)]
    if family:
        return [family]
    return [_("%(name)s (the whole name, as recorded)", name=person["name"])] if person.get("name") else []


def _subject(record: Record) -> Lines:
    """Without a description typed, the offence told from the record's facts."""
    s = record.seizure
    if not record.items:
        return []
    return [_("Seizure of %(what)s at %(place)s, %(country)s (%(operation)s, reference %(ref)s)",
              what=", ".join(dict.fromkeys(f"{t.scientific_name} ({i.term_code})" for i, t in record.items)),
              place=s.location or _("unknown place"), country=country_name(s.reporting_country),
              operation=record.operation.code, ref=s.seizure_ref)]


def _item_description(n: int, item: SeizureItem, taxon: Taxon) -> str:
    """An item's species (scientific and common names) and a precise description of its specimens."""
    common = taxon.common_name(current_language())
    facts = [(_("Specimens (CITES term)"), item.term_code),
             *((label(name), getattr(item, name) and value_label(getattr(item, name)))
               for name in ("specimen_state", "specimen_sex")), (label("specimen_age"), item.specimen_age)]
    described = "; ".join(parts(*facts)) + (f"; {item.specimen_description}" if item.specimen_description else "")
    return _("Item %(n)s: %(species)s; %(description)s", n=n, species=f"{taxon.scientific_name} ({common})"
             if common else taxon.scientific_name, description=described)


def _item_quantity(n: int, item: SeizureItem) -> str:
    """An item's quantity in its unit, and its estimated value in its currency."""
    value = f"{format.number(item.estimated_value)} {item.currency}" if item.estimated_value is not None else None
    return _("Item %(n)s: %(quantity)s %(unit)s; %(value)s", n=n, quantity=format.number(item.quantity),
             unit=item.unit_code or _("specimens"), value=fact(label("estimated_value"), value))
