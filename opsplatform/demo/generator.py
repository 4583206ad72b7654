"""A realistic, deterministic demo: accounts for every role, a Thunder-like operation running now and the closed
one of the year before, with seizures, items, arrests and nil returns generated from `seed/demo/commodities.csv`,
and the case exchange that follows them (demo/cases.py).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.audit.recorder import record
from opsplatform.auth.services import create_user
from opsplatform.crypto import document_hash, encrypt
from opsplatform.database import analyze, bulk_insert, refresh_statistics, utcnow
from opsplatform.demo.case_files import CaseFiles
from opsplatform.demo.cases import load_case_exchange
from opsplatform.demo.documents import load_demo_documents
from opsplatform.figures import rollup
from opsplatform.models.auth import User
from opsplatform.models.operations import FocalPoint, Operation, Phase
from opsplatform.models.reference import Airport, Country, NetworkMember, Taxon, TradeTerm, Unit
from opsplatform.models.seizures import (
    COMPANY_NOMINAL,
    SEIZURE_NOMINAL,
    SUSPECT_NOMINAL,
    NilReturn,
    Seizure,
    SeizureCompany,
    SeizureItem,
    SeizureStatus,
    Suspect,
)
from opsplatform.operations.services import create_operation as create_operation_from_spec
from opsplatform.operations.spec import parse_spec
from opsplatform.paths import SEED
from opsplatform.reference.loader import load_all
from opsplatform.reference.units import normalise
from opsplatform.settings import Settings


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    password: str
    country: str | None = None
    network: str | None = None
    cleared: bool = False
    note: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@demo.opsplatform.org", "Ada Admin", "demo-admin-pass"),
    DemoAccount("coordinator", "coordinator@demo.opsplatform.org", "Corinne Coordinator", "demo-coordinator-pass",
                cleared=True, note="global, cleared for nominal data"),
    DemoAccount("coordinator", "asean.coordinator@demo.opsplatform.org", "Anan Regional", "demo-asean-pass",
                network="ASEAN-WEN", note="limited to ASEAN-WEN countries"),
    DemoAccount("focal_point", "fp.kenya@demo.opsplatform.org", "Wanjiru Focal (Kenya)", "demo-kenya-pass",
                country="KEN", cleared=True, note="Kenya, cleared"),
    DemoAccount("focal_point", "fp.tanzania@demo.opsplatform.org", "Baraka Focal (Tanzania)", "demo-tanzania-pass",
                country="TZA", note="Tanzania"),
    DemoAccount("analyst", "analyst@demo.opsplatform.org", "Anders Analyst", "demo-analyst-pass"),
    DemoAccount("press_officer", "press@demo.opsplatform.org", "Priya Press", "demo-press-pass"),
)

LOCATION_TYPES = ["airport", "seaport", "land_border", "mail_centre", "inland", "market", "online"]
MODE_LOCATION = {"air_passenger": "airport", "air_cargo": "airport", "sea_cargo": "seaport", "sea_passenger": "seaport",
                 "road": "land_border", "rail": "land_border", "postal": "mail_centre", "on_foot": "inland",
                 "online": "online"}
DETECTION = ["routine_inspection", "xray", "detector_dog", "risk_profiling", "intelligence", "informant", "patrol",
             "online_monitoring"]
AGENCIES = ["customs", "customs", "customs", "police", "wildlife", "forestry", "fisheries"]
TRANSIT_HUBS = ["ARE", "QAT", "ETH", "TUR", "SGP", "MYS", "KEN", "FRA", "BEL"]
CASE_STATUSES = ["investigation", "investigation", "prosecution", "conviction", "none", "unknown"]
SUSPECT_ROLES = ["poacher", "courier", "dealer", "trafficker", "buyer"]
GIVEN = ["Amina", "John", "Li", "Nguyen", "Carlos", "Fatou", "Pierre", "Aisha", "Rahul", "Maria", "Joseph", "Mei"]
FAMILY = ["Okafor", "Smith", "Wang", "Tran", "Silva", "Diallo", "Martin", "Hassan", "Kumar", "Garcia", "Mwangi"]
# Countries that take part in Thunder-like operations most years; the rest of the participants are drawn by lot.
CORE_PARTICIPANTS = ["KEN", "TZA", "UGA", "MOZ", "ZAF", "NGA", "CMR", "COD", "VNM", "CHN", "THA", "MYS", "IDN",
                     "IND", "USA", "MEX", "BRA", "FRA", "DEU", "ESP", "GBR", "ARE", "MDG", "LAO", "KHM", "PHL",
                     "PER", "ECU", "COL", "GHA", "SEN", "ETH", "NPL", "BGD", "LKA", "HKG", "SGP", "ITA", "NLD", "BEL"]


def logged_at(rng: random.Random, day: date, now: datetime) -> datetime:
    """When a record was entered: mostly the same evening or the next day, sometimes days late, never in the future."""
    delay = timedelta(hours=rng.choice([8, 10, 14, 20, 30, 40, 70, 120]))
    return min(datetime.combine(day, time(0), tzinfo=UTC) + delay, now)


@dataclass(frozen=True)
class Commodity:
    taxon_id: int
    term: str
    unit: Unit | None
    low: float
    high: float
    weight: float
    origins: list[str]
    destinations: list[str]
    modes: list[str]
    concealments: list[str]
    label: str = ""  # "African savanna elephant tusks", for the public descriptions of highlights


def public_description(commodity: Commodity, quantity: float, agency: str, location: str | None,
                       concealment: str | None) -> str:
    """How a country describes a seizure it lets the release show: what, how much, how hidden, where; no names."""
    amount = f"{quantity:g} kg" if commodity.unit and commodity.unit.family == "mass" else f"{quantity:g}"
    text = f"{agency.capitalize()} officers seized {amount} {commodity.label}"
    return text + (f", {concealment}" if concealment else "") + (f", at {location}" if location else "") + "."


def sealed(settings: Settings, names: tuple[str, ...], values: dict[str, Any]) -> dict[str, str | None]:
    """The `<name>_encrypted` column of every one of these nominal fields (a bulk insert takes every row's columns
    from its first), each value encrypted as the demo encrypts all nominal data; None where there is none."""
    return {f"{name}_encrypted": encrypt(settings, values.get(name)) for name in names}


def _label(name: str, term: str, term_name: str) -> str:
    return f"live {name.lower()}" if term == "LIV" else f"{name} {term_name}"


def demo_window(today: date) -> tuple[date, date]:
    """The demo operation is always running: it opened three weeks ago and closes in nine days."""
    start = today - timedelta(days=21)
    return start, start + timedelta(days=30)


async def ensure_accounts(session: AsyncSession) -> None:
    for account in DEMO_ACCOUNTS:
        if await session.scalar(select(User.id).where(User.email == account.email)) is None:
            await create_user(session, email=account.email, name=account.name, role=account.role,
                              country=account.country, network=account.network,
                              cleared_for_nominal=account.cleared, password=account.password,
                              organisation="WCO" if account.role == "coordinator" else None)
    await session.commit()


async def _commodities(session: AsyncSession, echo: Callable[[str], Any]) -> list[Commodity]:
    taxa = dict((await session.execute(select(Taxon.scientific_name, Taxon.id))).all())
    names = dict((await session.execute(select(Taxon.scientific_name, Taxon.common_name_en))).all())
    terms = dict((await session.execute(select(TradeTerm.code, TradeTerm.name_en))).all())
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    found = []
    with open(SEED / "demo" / "commodities.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["taxon"] not in taxa or row["term"] not in terms or (row["unit"] and row["unit"] not in units):
                echo(f"  demo: skipped {row['taxon']} {row['term']} (not in the reference data)")
                continue
            found.append(Commodity(
                taxa[row["taxon"]], row["term"], units.get(row["unit"]), float(row["min_quantity"]),
                float(row["max_quantity"]), float(row["weight"]), row["origins"].split(";"),
                row["destinations"].split(";"), row["modes"].split(";"),
                [c for c in row["concealment"].split(";") if c],
                _label(names.get(row["taxon"]) or row["taxon"], row["term"], terms[row["term"]])))
    return found


async def _participants(session: AsyncSession, rng: random.Random, count: int) -> list[str]:
    known = set((await session.scalars(select(Country.alpha3))).all())
    networked = sorted(set((await session.scalars(select(NetworkMember.country_code))).all()) - set(CORE_PARTICIPANTS))
    chosen = [c for c in CORE_PARTICIPANTS if c in known]
    chosen += rng.sample([c for c in networked if c in known], max(0, min(count - len(chosen), len(networked))))
    return sorted(chosen)


@dataclass(frozen=True)
class DemoOperation:
    """What differs between the demo operations: who runs them, with whom, where and when."""

    code: str
    name: str
    series: str
    window: tuple[date, date]
    phase: str
    seizures: int
    leads: tuple[str, ...]
    team: tuple[dict[str, Any], ...]
    creator: str | None = None  # the account that creates (and so leads) it; None: made from the command line
    network: str | None = None  # its participants: that network's members, else a Thunder-sized draw
    countries: int = 120  # the size of that draw


async def create_operation(session: AsyncSession, settings: Settings, rng: random.Random, plan: DemoOperation, *,
                           today: date, commodities: list[Commodity], echo: Callable[[str], Any]) -> None:
    """One operation with participants, team, seizures (with items and arrests) and nil returns, inserted in bulk."""
    code, (start, end), seizures = plan.code, plan.window, plan.seizures
    if plan.network:
        countries = sorted((await session.scalars(select(NetworkMember.country_code).where(
            NetworkMember.network_code == plan.network))).all())
    else:
        countries = await _participants(session, rng, plan.countries)
    publicity = rng.choices(["named", "aggregate", "none"], weights=[7, 2, 1], k=len(countries))
    targets = sorted({c.taxon_id: c.weight for c in commodities}.items(), key=lambda t: -t[1])
    taxa = dict((await session.execute(select(Taxon.id, Taxon.scientific_name))).all())
    spec = await parse_spec(session, {
        "code": code, "name": plan.name, "series": plan.series, "phase": plan.phase,
        "lead_organisations": list(plan.leads), "objectives": OBJECTIVES, "start": start.isoformat(),
        "end": end.isoformat(), "grace_days": 14,
        "release_embargo": datetime.combine(end + timedelta(days=120), time(9), tzinfo=UTC).isoformat(),
        "countries": [{"country": c, "publicity": p} for c, p in zip(countries, publicity, strict=True)],
        "target_taxa": [{"taxon": taxa[t], "priority": w >= 4} for t, w in targets],
        "target_terms": sorted({c.term for c in commodities}),
        "routes": [] if plan.network else json.loads((SEED / "demo" / "routes.json").read_text()),
        "team": list(plan.team)})
    creator = await session.scalar(select(User).where(User.email == plan.creator)) if plan.creator else None
    operation = await create_operation_from_spec(session, spec, creator)
    await _focal_points(session, rng, operation, countries)

    airports: dict[str, list[tuple[str, float, float]]] = {}
    for _iata, country, lat, lon, airport_name in (await session.execute(select(
            Airport.iata, Airport.country_code, Airport.latitude, Airport.longitude, Airport.name)
            .where(Airport.country_code.in_(countries)))).all():
        if "International" in airport_name or country not in airports:
            airports.setdefault(country, []).append((airport_name, lat, lon))
    last_day = min(end, today)
    days = [start + timedelta(days=i) for i in range((last_day - start).days + 1)]
    # Busier countries report more: a heavy-tailed weight per participant.
    activity = {c: min(rng.paretovariate(1.6), 12) * (3 if c in CORE_PARTICIPANTS else 1) for c in countries}
    reporters, reporter_weights = list(activity), list(activity.values())
    weights = [c.weight for c in commodities]
    statuses = [SeizureStatus.submitted] * 80 + [SeizureStatus.validated] * 14 + [SeizureStatus.queried] * 2 + \
        [SeizureStatus.draft] * 2 + [SeizureStatus.withdrawn] * 2
    created = utcnow()

    seizure_rows, item_rows, suspect_rows, logged = [], [], [], set()
    refs: dict[str, int] = {}
    for _ in range(seizures):
        country = rng.choices(reporters, reporter_weights)[0]
        day = rng.choice(days)
        first = rng.choices(commodities, weights)[0]
        items = [first] + [rng.choices(commodities, weights)[0] for _ in range(rng.choice([0] * 8 + [1, 2]))]
        mode = rng.choice(first.modes)
        name, lat, lon = rng.choice(airports.get(country) or [(None, None, None)])
        refs[country] = refs.get(country, 0) + 1
        arrested = rng.choice([0] * 6 + [1, 1, 2, 3])
        nationalities = sorted({rng.choice([country, *first.origins, *first.destinations]) for _ in range(arrested)})
        seizure_rows.append({
            "operation_id": operation.id, "reporting_country": country,
            "seizure_ref": f"{country}-{start.year}-{refs[country]:04d}", "seizure_date": day,
            "location": name, "latitude": round(lat + rng.uniform(-0.3, 0.3), 5) if lat is not None else None,
            "longitude": round(lon + rng.uniform(-0.3, 0.3), 5) if lon is not None else None,
            "location_type": MODE_LOCATION.get(mode, rng.choice(LOCATION_TYPES)),
            "detection_method": rng.choice(DETECTION + [None]), "transport_mode": mode,
            "agency": rng.choice(AGENCIES), "origin_country": rng.choice(first.origins + [None]),
            "export_country": rng.choice(first.origins), "destination_country": rng.choice(first.destinations + [None]),
            "transit_countries": rng.sample(TRANSIT_HUBS, rng.choice([0, 0, 1, 1, 2])),
            "concealment": rng.choice(first.concealments) if first.concealments and rng.random() < 0.7 else None,
            "suspects_arrested": arrested, "suspect_nationalities": nationalities,
            "case_status": rng.choice(CASE_STATUSES) if arrested else rng.choice(["none", "investigation", None]),
            "notes": None, "shared_with_participants": rng.random() < 0.15, "publicity_approved": rng.random() < 0.04,
            "public_description": None, "status": rng.choice(statuses), "version": 1, "created_by": None,
            "created_at": logged_at(rng, day, created), "updated_at": logged_at(rng, day, created),
        })
        item_rows.append([(n, c, round(rng.uniform(c.low, c.high), 1 if c.unit else 0) or 1)
                          for n, c in enumerate(items, start=1)])
        row = seizure_rows[-1]
        if row["publicity_approved"]:  # a country that approves a highlight describes it for the press
            row["public_description"] = public_description(first, item_rows[-1][0][2], row["agency"], row["location"],
                                                           row["concealment"])
        suspect_rows.append([(rng.choice(nationalities or [country]), rng.choice(["male", "male", "female"]),
                              rng.choice(SUSPECT_ROLES), f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                              f"{rng.randint(1960, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                              f"P{rng.randint(1000000, 9999999)}") for _ in range(arrested)])
        logged.add((country, day))

    # The case files, from their own generator: the records drawn above are those the same seed always gave.
    cities = dict((await session.execute(select(Airport.name, Airport.city).where(
        Airport.country_code.in_(countries)))).all())
    files = CaseFiles(code, closed=plan.phase == Phase.closed, today=today, cities=cities, taxa=taxa)
    case_files = [files.draw(row, rows, people) for row, rows, people in zip(seizure_rows, item_rows, suspect_rows,
                                                                             strict=True)]
    for row, case_file in zip(seizure_rows, case_files, strict=True):
        row.update(case_file.seizure)
        row.update(sealed(settings, SEIZURE_NOMINAL, case_file.nominal))

    ids: list[int] = []
    for begin in range(0, len(seizure_rows), 5000):
        ids += await bulk_insert(session, Seizure.__table__, seizure_rows[begin:begin + 5000], ids=True)
        echo(f"  {code}: {len(ids)}/{len(seizure_rows)} seizures")
    items_flat = [{"seizure_id": sid, "item_no": n, "taxon_id": c.taxon_id, "term_code": c.term, "quantity": q,
                   "unit_code": c.unit.code if c.unit else None,
                   **dict(zip(("normalised_unit", "normalised_quantity"), normalise(q, c.unit), strict=True)),
                   "estimated_value": round(q * rng.uniform(20, 900), -1) if rng.random() < 0.3 else None,
                   "currency": "USD", **specimens}
                  for sid, rows, case_file in zip(ids, item_rows, case_files, strict=True)
                  for (n, c, q), specimens in zip(rows, case_file.specimens, strict=True)]
    for row in items_flat:
        if row["estimated_value"] is None:
            row["currency"] = None
    suspects_flat = [{"seizure_id": sid, "nationality": nat, "sex": sex, "role": role, **person.fields,
                      **sealed(settings, SUSPECT_NOMINAL,
                               {"name": name, "date_of_birth": dob, "document_number": doc} | person.nominal),
                      "document_hash": document_hash(settings, doc)}
                     for sid, rows, case_file in zip(ids, suspect_rows, case_files, strict=True)
                     for (nat, sex, role, name, dob, doc), person in zip(rows, case_file.persons, strict=True)]
    companies_flat = [{"seizure_id": sid, **{k: company[k] for k in ("company_type", "name", "activities")},
                       **sealed(settings, COMPANY_NOMINAL, company)}
                      for sid, case_file in zip(ids, case_files, strict=True) for company in case_file.companies]
    nil_rows = [{"operation_id": operation.id, "country_code": c, "day": d, "created_at": logged_at(rng, d, created)}
                for c in countries for d in days if (c, d) not in logged and rng.random() < 0.55]
    for table, rows in ((SeizureItem.__table__, items_flat), (Suspect.__table__, suspects_flat),
                        (SeizureCompany.__table__, companies_flat), (NilReturn.__table__, nil_rows)):
        await bulk_insert(session, table, rows)
    await rollup.rebuild(session, operation.id)  # a new operation: its figures counted once, from its records
    record(session, "demo_load", "operations", str(operation.id),
           after={"code": code, "seizures": len(ids), "items": len(items_flat), "nil_returns": len(nil_rows)})
    await session.commit()
    echo(f"  {code}: {len(countries)} countries, {len(ids)} seizures, {len(items_flat)} items, "
         f"{len(suspects_flat)} suspects, {len(companies_flat)} companies, {len(nil_rows)} nil returns")


OBJECTIVES = """Target the criminal networks behind wildlife and timber trafficking across source, transit and \
destination countries.

- Intensify controls at airports, seaports, border posts and mail centres on the priority routes.
- Share intelligence in real time between customs, police and wildlife authorities.
- Follow every seizure with an investigation, towards prosecution and conviction."""


async def _focal_points(session: AsyncSession, rng: random.Random, operation: Operation, countries: list[str]) -> None:
    """One focal point per country: the demo accounts for Kenya and Tanzania, invited accounts elsewhere."""
    demo = {a.country: a.email for a in DEMO_ACCOUNTS if a.country}
    for country in countries:
        email = demo.get(country, f"fp.{country.lower()}@demo.opsplatform.org")
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            user = await create_user(session, email=email, name=f"Focal point {country}", role="focal_point",
                                     country=country)
        session.add(FocalPoint(operation_id=operation.id, country_code=country, user_id=user.id,
                               accepted_at=utcnow() if country in demo or rng.random() < 0.8 else None))
    await session.flush()


def demo_operations(start: date, end: date, seizures: int, countries: int = 120) -> list[DemoOperation]:
    """Last year's Thunder (closed), this year's (running), and a COBRA operation that ASEAN-WEN's coordinator
    leads for its network's countries. Each has its team: its closed group besides the focal points."""
    coordinator, asean, analyst, press = (DEMO_ACCOUNTS[i].email for i in (1, 2, 5, 6))
    thunder_team = ({"email": coordinator, "role": "coordinator", "lead": True}, {"email": asean},
                    {"email": analyst}, {"email": press})
    return [
        DemoOperation(f"THUNDER-{start.year - 1}", f"Operation Thunder {start.year - 1}", "THUNDER",
                      (date(start.year - 1, 10, 1), date(start.year - 1, 10, 31)), Phase.closed, seizures * 3 // 5,
                      ("INTERPOL", "WCO"), thunder_team, countries=countries),
        DemoOperation(f"THUNDER-{start.year}", f"Operation Thunder {start.year}", "THUNDER", (start, end),
                      Phase.active, seizures, ("INTERPOL", "WCO"), thunder_team, countries=countries),
        DemoOperation(f"COBRA-ASEAN-{start.year}", f"Operation COBRA ASEAN {start.year}", "COBRA-ASEAN",
                      (start + timedelta(days=7), end - timedelta(days=7)), Phase.active, max(seizures // 12, 10),
                      ("ASEAN-WEN",), ({"email": analyst}, {"email": press}), creator=asean, network="ASEAN-WEN"),
    ]


async def load_demo(session: AsyncSession, settings: Settings, *, seizures: int = 2000, countries: int = 120,
                    today: date | None = None, echo: Callable[[str], Any] = print,
                    reload_reference: bool = True) -> None:
    """Reference data, demo accounts and the demo operations (Thunder's with `seizures` in `countries`); running it
    again changes nothing."""
    if reload_reference:
        counts = await load_all(session)
        echo("  reference data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    await ensure_accounts(session)
    today = today or utcnow().date()
    start, end = demo_window(today)
    rng = random.Random(20261001)
    commodities = await _commodities(session, echo)
    for plan in demo_operations(start, end, seizures, countries):
        if await session.scalar(select(Operation.id).where(Operation.code == plan.code)) is not None:
            echo(f"  {plan.code}: already loaded")
            continue
        await create_operation(session, settings, rng, plan, today=today, commodities=commodities, echo=echo)
    # Before the documents: a release freezes its figures, which count a linked shipment once.
    await load_case_exchange(session, settings, today, echo)
    # Planner statistics for what was just loaded, before the documents read it: without them PostgreSQL plans the
    # sitrep's queries for the empty tables it last counted, and 100,000 records take it hours.
    await refresh_statistics(session, settings, utcnow())
    await analyze(session, "seizures", "seizure_items", "daily_figures", "window_figures", "nil_returns")
    await session.commit()
    press = await session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[-1].email))
    await load_demo_documents(session, settings, press, echo)
    await session.commit()
