"""Human names for coded values, translated at the moment they are shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache, wraps

import pycountry
from babel import Locale

from opsplatform.errors import FieldError, form_field
from opsplatform.format import number
from opsplatform.i18n import _, current_language


def per_language(table: Callable[[], dict[str, str]]) -> Callable[[], dict[str, str]]:
    """A table of words made once per language and kept: a page lists coded values by the hundred, and making a
    table anew for each translated every entry of it (a select of 250 options, 70 entries each)."""
    kept = cache(lambda _language: table())  # the language is the key; `table` translates into the current one
    return wraps(table)(lambda: kept(current_language()))


def role_label(role: str) -> str:
    return _role_labels().get(role, role)


@per_language
def _role_labels() -> dict[str, str]:
    return {"admin": _("Administrator"), "coordinator": _("Coordinator"), "focal_point": _("National focal point"),
            "analyst": _("Analyst"), "press_officer": _("Press officer")}


def phase_label(phase: str) -> str:
    return _phase_labels().get(phase, phase)


@per_language
def _phase_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "planning": _("Planning"), "active": _("Active"), "reporting": _("Reporting"),
            "closed": _("Closed")}


def outcome_label(outcome: str) -> str:
    """A scheduled job run's outcome in words."""
    return status_label({"ok": "done", "error": "failed"}.get(outcome, outcome))


def value_label(code: str | None) -> str:
    """A coded seizure value (transport mode, detection method, agency, place type, case status) in words."""
    if code is None or code == "unknown":
        return _("Unknown")
    return _value_labels().get(code, code)


@per_language
def _value_labels() -> dict[str, str]:
    return {
        "air_passenger": _("Air passenger"), "air_cargo": _("Air cargo"), "sea_cargo": _("Sea cargo"),
        "sea_passenger": _("Sea passenger"), "road": _("Road"), "rail": _("Rail"), "postal": _("Postal"),
        "on_foot": _("On foot"), "online": _("Online"), "other": _("Other"),
        "routine_inspection": _("Routine inspection"), "xray": _("X-ray"), "detector_dog": _("Detector dog"),
        "risk_profiling": _("Risk profiling"), "intelligence": _("Intelligence"), "informant": _("Informant"),
        "patrol": _("Patrol"), "online_monitoring": _("Online monitoring"),
        "customs": _("Customs"), "police": _("Police"), "wildlife": _("Wildlife authority"),
        "forestry": _("Forestry"), "fisheries": _("Fisheries"), "military": _("Military"),
        "prosecution": _("Prosecution"),
        "airport": _("Airport"), "seaport": _("Seaport"), "land_border": _("Land border"),
        "mail_centre": _("Mail centre"), "inland": _("Inland"), "market": _("Market"),
        "none": _("No case"), "investigation": _("Investigation"), "conviction": _("Conviction"),
        "charges": _("Charges"), "sentence": _("Sentence"), "asset_forfeiture": _("Asset forfeiture"),
        "male": _("Male"), "female": _("Female"),
        "poacher": _("Poacher"), "courier": _("Courier"), "dealer": _("Dealer"), "trafficker": _("Trafficker"),
        "buyer": _("Buyer"), "organiser": _("Organiser"), "official": _("Official"),
        "live": _("Live"), "dead": _("Dead"), "mixed": _("Mixed"),
        "passport": _("Passport"), "national_id": _("National identity card"),
        "residence_permit": _("Residence permit"),
        **_report_values(),
    }


def _report_values() -> dict[str, str]:
    """The reasons for a seizure and the disposals of confiscated specimens (models/vocabulary.py)."""
    return {"no_permit": _("No CITES permit or certificate"),
            "invalid_permit": _("Invalid, expired or fraudulent permit"),
            "exceeds_permit": _("Quantity exceeds the permit"),
            "not_matching_permit": _("Specimens do not match the permit"),
            "undeclared": _("Not declared or misdeclared"),
            "illegal_possession": _("Illegal possession or domestic trade"),
            "returned_to_export": _("Returned to the country of export"),
            "rescue_centre": _("Placed in a rescue centre, zoo or botanical garden"),
            "released_to_wild": _("Released into the wild"), "held_as_evidence": _("Held as evidence"),
            "stored": _("Stored by the authorities"), "destroyed": _("Destroyed"),
            "scientific_use": _("Used for science, education or identification"),
            "sold": _("Sold or auctioned"), "died_or_euthanised": _("Died or euthanised")}


def status_label(status: str) -> str:
    """The status of a seizure, a link between records, a sheet import or an outgoing e-mail, in words."""
    return _status_labels().get(status, status)


@per_language
def _status_labels() -> dict[str, str]:
    return {"draft": _("draft"), "submitted": _("submitted"), "validated": _("validated"), "queried": _("queried"),
            "withdrawn": _("withdrawn"), "pending": _("pending"), "accepted": _("accepted"), "refused": _("refused"),
            "removed": _("removed"), "checking": _("checking"), "previewed": _("checked"), "running": _("running"),
            "done": _("done"), "failed": _("failed"),
            "queued": _("queued"), "sending": _("sending"), "sent": _("sent")}


def kind_label(kind: str) -> str:
    """The kind of a link between records or of an operation message, in words."""
    return _kind_labels().get(kind, kind)


@per_language
def _kind_labels() -> dict[str, str]:
    return {"same_shipment": _("same shipment"), "controlled_delivery": _("controlled delivery"),
            "network": _("same network"), "alert": _("alert"), "feedback": _("feedback"),
            "seizure_notice": _("seizure notice")}


def publicity_label(publicity: str) -> str:
    """A country's consent to publicity in the public release, in words."""
    return _publicity_labels().get(publicity, publicity)


@per_language
def _publicity_labels() -> dict[str, str]:
    return {"named": _("named in the release"), "aggregate": _("in totals only"),
            "none": _("not in the release")}


def rank_label(rank: str | None) -> str:
    """A taxonomic rank in words."""
    return _rank_labels().get(rank or "", rank or "")


@per_language
def _rank_labels() -> dict[str, str]:
    return {"species": _("species"), "subspecies": _("subspecies"), "variety": _("variety"), "genus": _("genus"),
            "subfamily": _("subfamily"), "family": _("family"), "order": _("order"), "class": _("class"),
            "phylum": _("phylum"), "kingdom": _("kingdom")}


@cache
def _alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return country.alpha_2 if country else None


@cache
def _territories(language: str) -> Mapping[str, str]:
    """CLDR's names of countries and regions in a language: parsing the locale again for each name cost more than
    the name (a list of every country, 250 of them, 2 ms)."""
    return Locale.parse(language).territories


def country_name(alpha3: str | None, fallback: str | None = None) -> str:
    """A country's name in the current language (Babel's CLDR names), else the given or the code itself."""
    if not alpha3:
        return _("Unknown")
    alpha2 = _alpha2(alpha3)
    name = _territories(current_language()).get(alpha2) if alpha2 else None
    return name or fallback or alpha3


def unit_label(unit: str | None) -> str:
    """A normalised unit as printed after a quantity: kg, m³, l; nothing for a count; other CITES codes as they are."""
    return {"kg": "kg", "m3": "m³", "l": "l", "number": "", None: ""}.get(unit, unit or "")


def quantity_label(amount: float | None, unit: str | None, term: str) -> str:
    """The one way a quantity is written: "36 kg of tusks", "12 tusks" when specimens are counted, "3 boxes of
    carvings". `unit` is a normalised unit (kg, m3, l, number) or another unit's name; `term` the trade term's name."""
    shown = unit_label(unit)
    if not shown:
        return _("%(amount)s %(term)s", amount=number(amount), term=term)
    text = _("%(amount)s %(unit)s of %(term)s", amount=number(amount), unit=shown, term=term)
    if current_language() == "fr":  # élision: « 300 kg d’écailles », not « de écailles »
        text = re.sub(r"\bde (?=[aeiouyhàâéèêëîïôûü])", "d’", text, flags=re.IGNORECASE)
    return text


def term_unit_label(term: str, unit: str | None) -> str:
    """A trade term (its name) with the unit its quantities are in, for a chart's bars: "tusks (kg)", "live
    (specimens)"."""
    return f"{term} ({unit_label(unit) or _('specimens')})"


def field_label(name: str) -> str:
    """A seizure field's name in words, for reports on what is missing and the record's changes: as its column,
    except that a missing latitude means missing coordinates and the value is counted per item; an encrypted
    column as its field."""
    if name == "latitude":
        return _("Coordinates")
    if name == "estimated_value":
        return _("Estimated value (items)")
    if name.endswith("_encrypted"):
        return form_field_label(name.removesuffix("_encrypted"))
    return column_label(name)


def problems_in_words(errors: list[FieldError]) -> str:
    """Problems said to a person: each field by its label in the reader's language, not its internal name."""
    return "; ".join(f"{form_field_label(e.field)}: {e.message}" for e in errors)


def form_field_label(name: str) -> str:
    """A field of a form as its label reads, for the error summary: "items-1-quantity" is "Item 2: Quantity"."""
    name = form_field(name)
    if match := re.fullmatch(r"(items|suspects|companies)-(\d+)-(\w+)", name):
        kind, n, field = match.groups()
        number = int(n) + 1
        row = {"items": _("Item %(n)s", n=number), "suspects": _("Suspect %(n)s", n=number),
               "companies": _("Company %(n)s", n=number)}[kind]
        return f"{row}: {form_field_label(field)}"
    return _form_field_labels().get(name) or column_label(name)


@per_language
def _form_field_labels() -> dict[str, str]:
    return {"public_description": _("Public description"), "correction_reason": _("Reason for this correction"),
            "nationality": _("Nationality"), "sex": _("Sex"), "role": _("Role"), "name": _("Name"),
            "date_of_birth": _("Date of birth"), "document_number": _("Document number"),
            **_person_labels(), **_company_labels(),
            "email": _("E-mail address"), "password": _("Password"), "code": _("Code"), "name_en": _("Name"),
            "subject": _("Subject"), "body": _("Message"), "attachments": _("Attachments"),
            "audience_code": _("Region or network"), "seizure_id": _("Record"), "items": _("Items seized"),
            "operation": _("Operation"), "start": _("Start"), "end": _("End"),
            "grace_days": _("Grace period (days) for late entries"), "release_embargo": _("Release embargo"),
            "objectives": _("Objectives"), "lead_organisations": _("Lead organisations"),
            "target_terms": _("Target trade terms"), "phase": _("Phase"), "series": _("Series"),
            "role_on_team": _("Role"), "country": _("Country"), "date": _("Date"), "to": _("Last day"),
            "language": _("Language"), "countries": _("Countries"), "terms": _("Terms"), "taxa": _("Taxa"),
            "modes": _("Mode"), "q": _("Search"), "year": _("Year"), "file": _("File"),
            "locale": _("Language the sheet's numbers and dates are written in"),
            "share_with_iccwc": _("The data may be shared with ICCWC partners"),
            "contact_name": _("Contact person"), "contact_email": _("E-mail"), "contact_phone": _("Telephone"),
            "idempotency_key": _("The form's sending key (open the form again)"), "fields": _("Fields"),
            "workbook": _("Workbook")}


def _person_labels() -> dict[str, str]:
    """A person's fields beyond nationality, sex, role, name, date of birth and document number (Ecomessage 5.a-5.l)."""
    return {"arrest_date": _("Date of arrest"), "document_type": _("Type of identity document"),
            "profession": _("Profession"), "company_function": _("Function in the company"),
            "family_name": _("Family name"), "maiden_name": _("Maiden name"), "first_names": _("First name(s)"),
            "aliases": _("Alias(es)"), "place_of_birth": _("Place of birth"), "address": _("Address"),
            "document_issue_place": _("Place of issue of the document"),
            "document_issue_date": _("Date of issue of the document"),
            "document_valid_until": _("Document valid until"), "company": _("Company"),
            "telephone": _("Telephone"), "fax": _("Fax"), "vehicle": _("Vehicle registration"),
            "destination_address": _("Address of destination"), "agency_contact": _("Contact person at the agency")}


def _company_labels() -> dict[str, str]:
    """A company's fields (Ecomessage 6.a-6.f)."""
    return {"company_type": _("Legal type of company"), "activities": _("Activities"),
            "headquarters": _("Headquarters: address and telecommunications"),
            "registration_number": _("Registration number"),
            "business_address": _("Business address and phone/fax, if not the headquarters'")}


def column_label(name: str) -> str:
    """A column of the seizure sheet or of an export in words (the files keep the reference's column names)."""
    return _column_labels().get(name, name)


@per_language
def _column_labels() -> dict[str, str]:
    return {"id": _("Record number"), "reporting_country": _("Reporting country"), "status": _("Status"),
            "seizure_ref": _("Your reference"), "item_no": _("Item number"), "seizure_date": _("Date of seizure"),
            "location": _("Place"), "latitude": _("Latitude"), "longitude": _("Longitude"),
            "location_type": _("Type of place"), "detection_method": _("Detection method"),
            "transport_mode": _("Transport mode"), "agency": _("Agency"), "origin_country": _("Country of origin"),
            "export_country": _("Country of export"), "destination_country": _("Country of destination"),
            "transit_countries": _("Transit countries"), "taxon": _("Taxon"), "term": _("Term"),
            "quantity": _("Quantity"), "unit": _("Unit"), "estimated_value": _("Estimated value"),
            "currency": _("Currency"), "concealment": _("Concealment"), "suspects_arrested": _("Suspects arrested"),
            "suspect_nationalities": _("Nationalities of the suspects"), "case_status": _("Case status"),
            "notes": _("Notes"), "seizure_reason": _("Reason for seizure"),
            "disposal": _("Disposal of the confiscated specimens"), "normalised_unit": _("Normalised unit"),
            "normalised_quantity": _("Normalised quantity"), **_case_file_labels()}


def _case_file_labels() -> dict[str, str]:
    """The Ecomessage's columns: the case file and the specimens' description."""
    return {"offence_description": _("Brief description of the offence"), "code_name": _("Code name of the case"),
            "legislation": _("Legislation violated and charges (the law under which charges were brought)"),
            "legal_reference": _("Case reference number"), "penalties": _("Possible penalties under that law"),
            "reference_point": _("Distance and direction to a known reference point (at sea or in open country)"),
            "discovery_city": _("City where the offence was discovered"),
            "seizure_time": _("Time of discovery (HH:MM)"), "carrier": _("Carrier (airline, shipping line, haulier)"),
            "transport_number": _("Flight, vessel or vehicle number"),
            "transport_document": _("Transport document number (air waybill, bill of lading)"),
            "origin_town": _("Town of origin"),
            "customs_origin_country": _("Country of origin for Customs (last substantial transformation)"),
            "origin_at_sea": _("Taken from the sea"),
            "real_destination_country": _("Real destination, if not the declared one"),
            "documents_used": _("Documents used"), "documents_fraudulent": _("Documents altered or fraudulent"),
            "agency_name": _("Name of the agency"), "agency_address": _("Address of the agency"),
            "agency_telecoms": _("Telephone and e-mail of the agency"),
            "companies_involved": _("Remarks on the companies involved"), "modus_operandi": _("Modus operandi"),
            "packaging": _("Type of packaging"), "specimen_state": _("Live or dead"),
            "specimen_sex": _("Sex of the specimens"), "specimen_age": _("Age of the specimens"),
            "specimen_description": _("Description of the specimens")}


def group_label(group: str | None) -> str:
    """A taxon group in words."""
    return _group_labels().get(group or "unknown", group or "")


@per_language
def _group_labels() -> dict[str, str]:
    return {"mammals": _("Mammals"), "birds": _("Birds"), "reptiles": _("Reptiles"), "amphibians": _("Amphibians"),
            "fish": _("Fish"), "invertebrates": _("Invertebrates"), "corals": _("Corals"), "plants": _("Plants"),
            "timber": _("Timber"), "unknown": _("Unknown")}


def region_name(code: str | None, fallback: str | None = None) -> str:
    """A UN M49 region (002 Africa, 019 Americas, …) in the current language (CLDR names), else the given name
    or the code itself."""
    if not code or code == "unknown":
        return _("Unknown")
    return _territories(current_language()).get(code) or fallback or code
