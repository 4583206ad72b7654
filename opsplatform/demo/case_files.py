"""The demo's case files: what a reporting country records beside a seizure's public fields for the Ecomessage (CITES
Res. Conf. 11.3 (Rev. CoP19), Annex 1) and the annual illegal trade report. That covers the law, reference and
penalties, the place and time, carrier and documents, origin and real destination, the agency, the specimens, the
persons arrested (with their names split and their documents) and the companies involved. The tables are in
`seed/demo/case_files.json`.

Most records with arrests or a case past the investigation get a case file, and a few others do. Every record may get
the report's reason for the seizure, and a closed case the disposal of its specimens (live ones go to a rescue centre
at once). The laws and agencies are real, as a country would write them. Every person, company, address, carrier,
vehicle and telephone is invented and plainly so (placeholder names such as John Doe, Vandelay Industries, "Example
Road", registrations and e-mail addresses marked DEMO or demo).

The draws come from the case files' own generator, seeded with the operation's code, after the records are made. So
the records, items and suspects the generator made before (and every figure counted from them) stay the same. Nothing
here touches the database: the values join the rows the generator inserts in bulk. Nominal values are returned in
plain text and encrypted by the generator, as it encrypts every nominal field.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from opsplatform.i18n import language
from opsplatform.labels import country_name
from opsplatform.models.vocabulary import CASE_FIELDS, CASE_STAGES, REPORT_FIELDS, SPECIMEN_FIELDS
from opsplatform.paths import SEED

# Every row of a bulk insert holds every key: the insert takes its columns from the first row.
SEIZURE_KEYS = (*CASE_FIELDS, *REPORT_FIELDS)
PERSON_KEYS = ("arrest_date", "document_type", "profession", "company_function")
NO_SPECIMENS: dict[str, Any] = dict.fromkeys(SPECIMEN_FIELDS)
CLOSED = ("conviction", "sentence", "asset_forfeiture")  # a case that ended: its specimens are disposed of
ONGOING = ("investigation", "charges", "prosecution")
CARGO = ("air_cargo", "sea_cargo", "road", "rail", "postal")
COMPANY_MODES = (*CARGO, "online")
PASSENGERS = ("air_passenger", "sea_passenger", "on_foot")
PROCESSED = ("IVC",)  # worked where they were exported from: that is their customs origin
PREFIXES = {"customs": "CUS/INV", "police": "CR", "wildlife": "WL/OB", "forestry": "FOR/OB", "fisheries": "FSH/OB"}
DIRECTIONS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
HOURS = (*range(5, 23), *range(6, 19))  # day shifts find more than night ones
PLACES = {"airport": ("cargo terminal", "passenger screening point", "transit baggage area"),
          "seaport": ("container terminal", "port scanning site"), "land_border": ("border post", "weighbridge"),
          "mail_centre": ("international mail sorting centre",), "inland": ("road checkpoint", "roadblock"),
          "market": ("market stall",)}
VERBS = {"market": "Offer for sale of", "online": "Online offer for sale of",
         "inland": "Illegal possession and transport of"}
CARRIED = {"air_passenger": "in a passenger's luggage", "air_cargo": "in air cargo", "sea_cargo": "in a sea container",
           "sea_passenger": "by a ship passenger", "road": "by road", "rail": "by rail", "postal": "by post",
           "on_foot": "on foot"}
BREACHES = {"no_permit": "without CITES permits", "invalid_permit": "under an invalid or forged CITES permit",
            "exceeds_permit": "in excess of the quantity the CITES permit allowed",
            "not_matching_permit": "not matching the specimens on the CITES permit",
            "undeclared": "not declared to customs", "illegal_possession": "without the required licence",
            "other": "in breach of the national wildlife law"}
LIVE_DISPOSALS = (("rescue_centre", "released_to_wild", "returned_to_export", "died_or_euthanised"), (6, 2, 1, 1))
TIMBER_DISPOSALS = (("sold", "stored", "destroyed", "other"), (4, 3, 1, 1))
DISPOSALS = (("destroyed", "stored", "scientific_use", "other"), (5, 4, 1, 1))
FUNCTIONS = ("director", "managing director", "shipping clerk", "shareholder")


@cache
def tables() -> dict[str, Any]:
    with open(SEED / "demo" / "case_files.json", encoding="utf-8") as f:
        return json.load(f)


@dataclass
class Person:
    """What a suspect gets besides the generator's own fields: plain fields, and plain nominal ones to encrypt."""

    fields: dict[str, Any]
    nominal: dict[str, str | None] = field(default_factory=dict)


@dataclass
class CaseFile:
    """A record's case file: its seizure columns (every key), the record's nominal fields, one specimen description
    per item, one Person per suspect, and its companies (their nominal fields plain, to encrypt)."""

    seizure: dict[str, Any]
    nominal: dict[str, str | None]
    specimens: list[dict[str, Any]]
    persons: list[Person]
    companies: list[dict[str, Any]]


class CaseFiles:
    """Draws the case files of one operation's records, in the order the records were made."""

    def __init__(self, code: str, *, closed: bool, today: date, cities: dict[str, str | None],
                 taxa: dict[int, str]) -> None:
        self.rng = random.Random(f"{code} case files")
        self.closed, self.today = closed, today
        self.cities, self.taxa, self.t = cities, taxa, tables()

    @staticmethod
    def country(alpha3: str) -> str:
        """A country's name as the app writes it, in English like the rest of the case file."""
        with language("en"):
            return country_name(alpha3)

    def draw(self, row: dict[str, Any], items: list[tuple[int, Any, float]],
             people: list[tuple[Any, ...]]) -> CaseFile:
        """`row` as the generator built it; `items` its (item_no, Commodity, quantity); `people` its suspects as
        (nationality, sex, role, …)."""
        rng = self.rng
        first = items[0][1]
        live = any(c.term == "LIV" for _n, c, _q in items)
        eligible = row["suspects_arrested"] > 0 or row["case_status"] in CASE_STAGES[1:]
        filled = rng.random() < (0.85 if eligible else 0.15)
        seizure: dict[str, Any] = dict.fromkeys(SEIZURE_KEYS)
        seizure["disposal"] = self._disposal(row, first, live)
        if not filled:
            if rng.random() < 0.5:
                seizure["seizure_reason"] = self._reason(row, fraudulent=False)
            return CaseFile(seizure, {}, [NO_SPECIMENS] * len(items),
                            [Person(dict.fromkeys(PERSON_KEYS)) for _p in people], [])
        country, mode, agency = row["reporting_country"], row["transport_mode"], row["agency"]
        name = self.country(country)
        city = self.cities.get(row["location"]) if row["location"] else None
        fraudulent = mode in CARGO and rng.random() < 0.2
        reason = self._reason(row, fraudulent=fraudulent)
        companies = self._companies(row, first.term)
        law, penalties = self.t["laws"].get(country) or [text.format(country=name) for text in self.t["generic_law"]]
        seizure |= {
            "seizure_reason": reason, "offence_description": self._offence(row, items, reason),
            "code_name": rng.choice(self.t["code_names"]) if rng.random() < 0.3 else None,
            "legislation": law, "penalties": penalties,
            "legal_reference": f"{PREFIXES.get(agency, 'REF')} {rng.randint(100, 9999)}/{row['seizure_date'].year}",
            "reference_point": self._reference_point(row, city), "discovery_city": city,
            "seizure_time": f"{rng.choice(HOURS):02d}:{rng.randrange(0, 60, 5):02d}",
            **self._transport(mode), **self._origin(row, first),
            "documents_used": self._documents(mode, fraudulent),
            "documents_fraudulent": fraudulent if mode in self.t["documents"] else None,
            **self._agency(row, name, city),
            "companies_involved": rng.choice(self.t["company_remarks"]) if companies else None,
            "modus_operandi": rng.choice(self.t["modus_operandi"][mode]) if mode in self.t["modus_operandi"] else None,
            "packaging": self._packaging(first, mode),
        }
        destination = seizure["real_destination_country"] or row["destination_country"]
        nominal = {"destination_address": self._address(destination, 0.4),
                   "agency_contact": self._officer(agency) if rng.random() < 0.6 else None}
        specimens = [self._specimens(commodity, quantity) for _n, commodity, quantity in items]
        named: set[tuple[str, str]] = set()  # no two persons of a record with the same placeholder name
        persons = [self._person(row, person, companies, named) for person in people]
        return CaseFile(seizure, nominal, specimens, persons, companies)

    # The annual illegal trade report's two fields.

    def _reason(self, row: dict[str, Any], *, fraudulent: bool) -> str:
        rng = self.rng
        if fraudulent:
            return rng.choice(("invalid_permit", "invalid_permit", "not_matching_permit"))
        if row["location_type"] in ("inland", "market", "online"):
            return "illegal_possession"
        if row["transport_mode"] in ("air_passenger", "sea_passenger", "on_foot", "postal") or row["concealment"]:
            return rng.choice(("undeclared", "undeclared", "no_permit"))
        return rng.choices(("no_permit", "exceeds_permit", "not_matching_permit", "other"), (12, 1, 2, 1))[0]

    def _disposal(self, row: dict[str, Any], commodity: Any, live: bool) -> str | None:
        """Live specimens are placed at once (released only where the species lives: the others go to a rescue
        centre or back to the country of export); others once the case ended (or none was brought, in a closed
        operation), or held as evidence while a closed operation's case goes on."""
        rng, status = self.rng, row["case_status"]
        disposal = None
        if live and rng.random() < 0.6:
            disposal = rng.choices(*LIVE_DISPOSALS)[0]
        elif status in CLOSED or (self.closed and status == "none"):
            if rng.random() < 0.9:
                kinds = LIVE_DISPOSALS if live else TIMBER_DISPOSALS if commodity.term in ("TIM", "LOG") else DISPOSALS
                disposal = rng.choices(*kinds)[0]
        elif self.closed and status in ONGOING and rng.random() < 0.4:
            disposal = "held_as_evidence"
        if disposal == "released_to_wild" and row["reporting_country"] not in commodity.origins:
            disposal = rng.choice(("rescue_centre", "returned_to_export"))
        return disposal

    # The case file's items, as the Ecomessage numbers them.

    def _offence(self, row: dict[str, Any], items: list[tuple[int, Any, float]], reason: str) -> str:
        """1.1: what was done, what and how much, how it travelled and was hidden, what law it broke."""
        country, mode = row["reporting_country"], row["transport_mode"]
        verb = VERBS.get("online" if mode == "online" else row["location_type"]) or (
            "Attempted export of" if country in (row["export_country"], row["origin_country"]) else
            "Illegal import of" if country == row["destination_country"] else
            "Smuggling in transit of" if country in row["transit_countries"] else "Smuggling of")
        _n, commodity, quantity = items[0]
        parts = [f"{verb} {amount(commodity, quantity)}" + (" with other wildlife products" if len(items) > 1 else "")]
        if verb not in VERBS.values() and mode in CARRIED:
            parts[0] += f" {CARRIED[mode]}"
        if row["concealment"]:
            parts.append(row["concealment"])
        parts.append(BREACHES[reason])
        return ", ".join(parts) + "."

    def _reference_point(self, row: dict[str, Any], city: str | None) -> str | None:
        """2.1: distance and direction from a landmark: the airport's main terminal, else the city."""
        rng, kind, location = self.rng, row["location_type"], row["location"]
        if kind not in PLACES or not location:
            return None
        direction = rng.choice(DIRECTIONS)
        if kind == "airport":
            km = round(rng.uniform(0.3, 3), 1)
            return f"{rng.choice(PLACES[kind])}, {km:g} km {direction} of the main terminal of {location}"
        km = rng.randint(1, 10) if kind in ("mail_centre", "market") else rng.randint(2, 60)  # in town, or out
        return f"{rng.choice(PLACES[kind])}, {km} km {direction} of {city or location}"

    def _transport(self, mode: str) -> dict[str, str | None]:
        """7: carrier, flight, vessel or vehicle, and the transport document (all invented)."""
        rng, carriers = self.rng, self.t["carriers"]
        carrier = number = document = None
        if mode in ("air_passenger", "air_cargo"):
            carrier, code = rng.choice(carriers["air"])
            number = f"flight {code} {rng.randint(100, 989)}"
            document = (f"air waybill {rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}{rng.randint(0, 6)}"
                        if mode == "air_cargo" else f"baggage tag {code} {rng.randint(100000, 999999)}")
        elif mode in ("sea_cargo", "sea_passenger"):
            carrier, vessel = rng.choice(carriers["sea"])
            number = f"{vessel}, voyage {rng.randint(100, 999)}{rng.choice('EWNS')}"
            document = (f"bill of lading DEMO{rng.randint(1000000, 9999999)}, "
                        f"container XDMU {rng.randint(100000, 999999)}" if mode == "sea_cargo"
                        else f"ferry ticket {rng.randint(100000, 999999)}")
        elif mode == "road":
            carrier = rng.choice(carriers["road"])
            number = f"lorry, registration DEMO {rng.randint(100, 999)}"
            document = f"CMR consignment note {rng.randint(10000, 99999)}"
        elif mode == "rail":
            carrier, number = "national railway, freight", f"freight train {rng.randint(1000, 9999)}"
            document = f"rail consignment note {rng.randint(10000, 99999)}"
        elif mode == "postal":
            carrier = rng.choice(carriers["postal"])
            document = f"CN 23 declaration, parcel CP{rng.randint(100000000, 999999999)}XX"
        elif mode == "online":
            carrier, document = rng.choice(carriers["online"]), f"listing {rng.randint(1000000, 9999999)}"
        return {"carrier": carrier, "transport_number": number, "transport_document": document}

    def _origin(self, row: dict[str, Any], commodity: Any) -> dict[str, Any]:
        """8.a and 8.d: town of origin, customs origin, taken from the sea; the real destination."""
        rng, origin, declared = self.rng, row["origin_country"], row["destination_country"]
        towns = self.t["towns"].get(origin or "")
        real = rng.choice(commodity.destinations) if declared is None or rng.random() < 0.25 else None
        return {"origin_town": rng.choice(towns) if towns and rng.random() < 0.6 else None,
                "customs_origin_country": row["export_country"] if commodity.term in PROCESSED else origin,
                "origin_at_sea": True if self.taxa.get(commodity.taxon_id) in self.t["marine_taxa"] else
                False if origin else None,
                "real_destination_country": real if real != declared else None}  # the form asks only if not declared

    def _documents(self, mode: str, fraudulent: bool) -> str | None:
        """9: the documents presented, and which were forged or altered."""
        documents = self.t["documents"].get(mode)
        if documents and fraudulent:
            return f"{documents}; {self.rng.choice(self.t['fraud'])}"
        return documents

    def _agency(self, row: dict[str, Any], name: str, city: str | None) -> dict[str, str]:
        """10: the agency and its unit, its address, and its (demo) e-mail and telephone."""
        country, agency = row["reporting_country"], row["agency"]
        base = self.t["agencies"].get(country, {}).get(agency) or \
            self.t["generic_agencies"].get(agency, "{country} " + agency).format(country=name)
        airport = row["location"] if row["location_type"] == "airport" else None
        unit = f"{airport} unit" if airport else f"{city} office" if city else None
        telecoms = f"e-mail {agency}.{country.lower()}@demo.opsplatform.org"
        if code := self.t["calling_codes"].get(country):
            telecoms += f"; tel. +{code} 000 000 {self.rng.randint(100, 999)}"
        return {"agency_name": f"{base}, {unit}"[:200] if unit else base[:200],
                "agency_address": ", ".join(p for p in (airport, city, name) if p), "agency_telecoms": telecoms}

    def _specimens(self, commodity: Any, quantity: float) -> dict[str, Any]:
        """4.1: live or dead, sex and age where they mean something, and a precise description."""
        rng, term = self.rng, commodity.term
        plant = self.taxa.get(commodity.taxon_id) in self.t["plant_taxa"]
        animal = term == "LIV" and not plant
        descriptions = self.t["specimens"].get("LIV_plants" if term == "LIV" and plant else term)
        return {"specimen_state": "live" if term == "LIV" else "dead",
                "specimen_sex": (rng.choice(("mixed", "unknown")) if quantity > 1 else
                                 rng.choice(("male", "female", "unknown"))) if animal else None,
                "specimen_age": rng.choice(("juveniles", "adults", "mixed ages")) if animal else
                "adult" if term in ("TUS", "HOR") else None,
                "specimen_description": rng.choice(descriptions) if descriptions else None}

    def _packaging(self, commodity: Any, mode: str) -> str:
        """11: how the goods were packed; in luggage only when a passenger carried them."""
        plant = commodity.term == "LIV" and self.taxa.get(commodity.taxon_id) in self.t["plant_taxa"]
        kinds = self.t["packaging"].get("LIV_plants" if plant else commodity.term, self.t["packaging"]["other"])
        if mode not in PASSENGERS:
            kinds = [k for k in kinds if "luggage" not in k and "suitcase" not in k] or ["cardboard cartons"]
        return self.rng.choice(kinds)

    # 5 and 6: the persons and companies involved.

    def _person(self, row: dict[str, Any], person: tuple[Any, ...], companies: list[dict[str, Any]],
                named: set[tuple[str, str]]) -> Person:
        """A suspect's arrest, document and profession; for most, the name split (a placeholder name), birth place,
        address, the document's details, telephone and vehicle; the company it works for, if any."""
        rng, t = self.rng, self.t
        nationality, sex, role = person[:3]
        fields = {"arrest_date": min(row["seizure_date"] + timedelta(days=rng.choice((0, 0, 0, 1, 2))), self.today),
                  "document_type": "passport", "profession": rng.choice(t["professions"].get(role, ["unknown"])),
                  "company_function": None}
        nominal: dict[str, str | None] = {}
        if companies and role in ("dealer", "trafficker", "buyer") and rng.random() < 0.7:
            fields["company_function"] = rng.choice(FUNCTIONS)
            nominal["company"] = companies[0]["name"]
        if rng.random() >= 0.5:
            return Person(fields, nominal)
        family, first = rng.choice([tuple(n) for n in t["people"]["female" if sex == "female" else "male"]
                                    if tuple(n) not in named])
        named.add((family, first))
        towns = t["towns"].get(nationality) or t["cities"].get(nationality)
        issued = row["seizure_date"] - timedelta(days=rng.randint(100, 3300))
        place = self.country(nationality)
        nominal |= {
            "name": None,  # the whole name is for records made before names were split
            "family_name": family, "first_names": first,
            "maiden_name": rng.choice([m for m in t["people"]["maiden_names"] if m != family])
            if sex == "female" and rng.random() < 0.3 else None,
            "aliases": rng.choice(t["people"]["aliases"]) if rng.random() < 0.25 else None,
            "place_of_birth": rng.choice(towns) if towns and rng.random() < 0.7 else None,
            "address": self._address(nationality, 1),
            "document_issue_place": f"Immigration Department, {rng.choice(towns) if towns else place}",
            "document_issue_date": issued.isoformat(),
            "document_valid_until": (issued + timedelta(days=3652)).isoformat(),
            "telephone": f"+{code} 000 000 {rng.randint(100, 999)}"
            if (code := t["calling_codes"].get(nationality)) and rng.random() < 0.6 else None,
            "vehicle": f"{rng.choice(t['people']['vehicles'])}, registration DEMO {rng.randint(100, 999)}"
            if rng.random() < (0.5 if row["transport_mode"] == "road" else 0.1) else None,
        }
        return Person(fields, nominal)

    def _companies(self, row: dict[str, Any], term: str) -> list[dict[str, Any]]:
        """A few records name the company that shipped or sold the goods (invented, as its registration)."""
        rng = self.rng
        if row["transport_mode"] not in COMPANY_MODES or rng.random() >= 0.15:
            return []
        company = rng.choice([c for c in self.t["companies"] if term in c["terms"]] or self.t["companies"][:1])
        based = row["export_country"] or row["reporting_country"]
        code = self.t["calling_codes"].get(based)
        headquarters = self._address(based, 1, street="{n} Example Avenue")
        if headquarters and code:
            headquarters += f"; tel. +{code} 000 000 {rng.randint(100, 999)}"
        return [{"company_type": company["type"], "name": company["name"], "activities": company["activities"],
                 "headquarters": headquarters,
                 "registration_number": f"DEMO-{based}-{row['seizure_date'].year - rng.randint(1, 15)}-"
                                        f"{rng.randint(1000, 99999)}",
                 "business_address": self._address(based, 0.5, street="Warehouse {n}, Demo Industrial Area")}]

    def _address(self, country: str | None, chance: float, street: str = "{n} Example Road") -> str | None:
        """An invented address in a country, with a town where the tables know one."""
        rng = self.rng
        if not country or rng.random() >= chance:
            return None
        towns = self.t["cities"].get(country) or self.t["towns"].get(country)
        return ", ".join(p for p in (street.format(n=rng.randint(1, 250)), rng.choice(towns) if towns else None,
                                     self.country(country)) if p)

    def _officer(self, agency: str) -> str:
        """10: the officer to contact (a placeholder name, in the order its language writes it)."""
        family, first = self.rng.choice(self.t["people"][self.rng.choice(("male", "female"))])
        name = f"{family} {first}" if family in self.t["people"]["family_first"] else f"{first} {family}"
        return f"{self.t['ranks'].get(agency, 'Officer')} {name}"


def amount(commodity: Any, quantity: float) -> str:
    """"35 kg of African savannah elephant tusks", "4 m³ of …", "12 live grey parrots"."""
    unit = {"KGM": "kg", "MTQ": "m³"}.get(commodity.unit.code, commodity.unit.code) if commodity.unit else None
    if unit:
        return f"{quantity:g} {unit} of {commodity.label}"
    label = commodity.label
    if commodity.term == "LIV" and quantity > 1 and not label.endswith(("s", "i")):
        label += "s"
    return f"{quantity:g} {label}"
