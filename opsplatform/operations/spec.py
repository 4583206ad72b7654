"""The operation file (docs/reference.md): one parser and validator for the CLI, the API and the web form.

`parse_spec` turns a JSON-like dict into a checked `OperationSpec` or raises `InvalidInput` naming every field
that is wrong (`countries[2].country`, `end`, …); `operation_spec` renders a stored operation back in the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, dates
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import _
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, OperationMember, Participant, Phase, Publicity, Route, Target
from opsplatform.models.reference import Taxon, TradeTerm
from opsplatform.models.vocabulary import TRANSPORT_MODES
from opsplatform.operations.team import TeamEntry, entry_for
from opsplatform.reference import lookup

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
MAX_GRACE_DAYS = 365  # days after the window in which returns are still taken
NAME_LIMIT = 200  # characters of a name, a series, a route
HUB_RE = re.compile(r"^(?P<name>[^@]+)@\s*(?P<lat>-?\d+(\.\d+)?)\s*,\s*(?P<lon>-?\d+(\.\d+)?)$")


@dataclass
class TargetSpec:
    taxon_id: int
    scientific_name: str
    priority: bool = False
    notes: str | None = None


@dataclass
class RouteSpec:
    name: str
    origin: list[str] = field(default_factory=list)
    transit: list[str] = field(default_factory=list)
    destination: list[str] = field(default_factory=list)
    hubs: list[dict[str, Any]] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    risk_notes: str | None = None


@dataclass
class OperationSpec:
    code: str
    name: str
    start: date
    end: date
    phase: str = Phase.draft
    series: str | None = None
    objectives: str = ""
    lead_organisations: list[str] = field(default_factory=list)
    grace_days: int = 14
    release_embargo: datetime | None = None
    countries: list[tuple[str, str]] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    target_terms: list[str] = field(default_factory=list)
    routes: list[RouteSpec] = field(default_factory=list)
    team: list[TeamEntry] = field(default_factory=list)


class _Checker:
    """Collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def text(self, data: dict[str, Any], name: str, required: bool = False, limit: int = NAME_LIMIT,
             prefix: str = "") -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(prefix + name, _("is required"))
            return None
        if not isinstance(value, str):
            self.add(prefix + name, _("must be text"))
            return None
        if len(value) > limit:
            self.add(prefix + name, _("must be at most %(n)s characters", n=limit))
        return checks.text(value)

    def day(self, data: dict[str, Any], name: str) -> date | None:
        value = data.get(name)
        if (read := dates.day(value)) is None:
            self.add(name, dates.day_problem(value))
        return read

    def entries(self, data: dict[str, Any], name: str, shape: str) -> list[Any]:
        """A list member of the file (left out: none); anything else is refused naming it."""
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(name, shape)
            return []
        return value

    def coded(self, data: dict[str, Any], name: str, values: Any, default: str, where: str | None = None) -> str:
        """One of `values` (an enum), the default when left out; the field named `where` when refused."""
        value = data.get(name) or default
        if not isinstance(value, str) or value not in values.__members__:
            self.add(where or name, checks.code_problem(value, values.__members__))
            return default
        return value

    def strings(self, data: dict[str, Any], name: str) -> list[str]:
        value = data.get(name) or []
        if isinstance(value, str):
            value = [v for v in re.split(r"[;,\s]+", value) if v]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(name, _("must be a list of codes"))
            return []
        return [v.strip() for v in value if v.strip()]


async def parse_hubs(session: AsyncSession, check: _Checker, where: str, hubs: Any) -> list[dict[str, Any]]:
    """Hubs are IATA codes (coordinates from the reference data) or places written `Name@lat,lon` or as objects."""
    if isinstance(hubs, str):
        hubs = [h for h in re.split(r"[;,]\s*(?![-\d.]+$)|\n", hubs) if h.strip()]
    if not isinstance(hubs, list):
        check.add(where, _("must be a list of IATA codes or places"))
        return []
    airports = await lookup.airports_by_iata(session, [h.strip().upper() for h in hubs if isinstance(h, str)])
    parsed = []
    for n, hub in enumerate(hubs):
        name = f"{where}[{n}]"
        if isinstance(hub, str) and (airport := airports.get(hub.strip().upper())):
            parsed.append({"iata": airport.iata, "name": airport.name, "latitude": airport.latitude,
                           "longitude": airport.longitude, "country": airport.country_code})
            continue
        place = HUB_RE.match(hub.strip()) if isinstance(hub, str) else None
        if place:
            hub = {"name": place["name"].strip(), "latitude": float(place["lat"]), "longitude": float(place["lon"])}
        if isinstance(hub, dict) and isinstance(hub.get("name"), str) and hub["name"].strip():
            try:
                lat, lon = float(hub["latitude"]), float(hub["longitude"])
            except (KeyError, TypeError, ValueError, OverflowError):
                check.add(name, _("a place needs a name, latitude and longitude"))
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                check.add(name, _("latitude must be within ±90 and longitude within ±180"))
                continue
            parsed.append({"iata": None, "name": str(hub["name"]), "latitude": lat, "longitude": lon})
        else:
            check.add(name, _("unknown IATA airport code %(code)s (or write a place as Name@latitude,longitude)",
                              code=hub if isinstance(hub, str) else "?"))
    return parsed


async def parse_spec(session: AsyncSession, data: dict[str, Any], *, existing_id: int | None = None) -> OperationSpec:
    """Check an operation file; raises InvalidInput listing every problem with its field."""
    if not isinstance(data, dict):
        raise InvalidInput.one("file", _("must be a JSON object"))
    check = _Checker()
    code = (check.text(data, "code", required=True, limit=40) or "").upper()
    if code and not CODE_RE.match(code):
        check.add("code", _("use 2–40 capital letters, digits and hyphens, such as THUNDER-2026"))
    elif code and (clash := await session.scalar(select(Operation.id).where(Operation.code == code))) \
            and clash != existing_id:
        check.add("code", _("an operation with the code %(code)s already exists", code=code))
    name = check.text(data, "name", required=True)
    start, end = check.day(data, "start"), check.day(data, "end")
    if start and end and end < start:
        check.add("end", _("must be on or after the start (%(start)s)", start=start.isoformat()))
    phase = check.coded(data, "phase", Phase, Phase.draft)
    series = check.text(data, "series", limit=40)
    objectives = check.text(data, "objectives", limit=10_000)
    grace = checks.whole(data.get("grace_days", 14), 0, MAX_GRACE_DAYS)
    if grace is None:
        check.add("grace_days", checks.range_problem(data.get("grace_days"), 0, MAX_GRACE_DAYS))
        grace = 14
    embargo = dates.moment(data.get("release_embargo"))
    if data.get("release_embargo") and embargo is None:
        check.add("release_embargo", dates.moment_problem())
    elif embargo and end and embargo.date() <= end:
        check.add("release_embargo", _("must be after the window ends (%(end)s)", end=end.isoformat()))
    leads = check.strings(data, "lead_organisations")
    known_leads = set(await lookup.lead_organisation_codes(session))
    for n, lead in enumerate(leads):
        if lead not in known_leads:
            check.add(f"lead_organisations[{n}]", _("unknown organisation or network %(code)s", code=lead))

    codes = await lookup.country_codes(session)
    countries: list[tuple[str, str]] = []
    for n, entry in enumerate(check.entries(data, "countries", _('must be a list of country codes or of '
                                                                '{"country": "KEN", "publicity": "aggregate"}'))):
        entry = {"country": entry} if isinstance(entry, str) else entry if isinstance(entry, dict) else {}
        named = entry.get("country") if isinstance(entry.get("country"), str) else ""
        alpha3 = lookup.resolve_country(codes, named)
        if alpha3 is None:
            check.add(f"countries[{n}].country", lookup.unknown_country(named or "?"))
        elif alpha3 in {c for c, _p in countries}:
            check.add(f"countries[{n}].country", _("%(code)s is listed twice", code=alpha3))
        else:
            countries.append((alpha3, check.coded(entry, "publicity", Publicity, Publicity.aggregate,
                                                  f"countries[{n}].publicity")))

    targets: list[TargetSpec] = []
    raw_targets = [t if isinstance(t, dict) else {"taxon": t} for t in check.entries(
        data, "target_taxa", _('must be a list of scientific names or of {"taxon": "…", "priority": true}'))]
    names = [t["taxon"] if isinstance(t.get("taxon"), str) else "" for t in raw_targets]
    taxa = await lookup.taxa_by_name(session, names)
    for n, (entry, named) in enumerate(zip(raw_targets, names, strict=True)):
        taxon = taxa.get(named.strip().lower())
        notes = check.text(entry, "notes", limit=2000, prefix=f"target_taxa[{n}].")
        if taxon is None:
            check.add(f"target_taxa[{n}]", await lookup.unknown_taxon(session, named))
        elif taxon.id in {t.taxon_id for t in targets}:
            check.add(f"target_taxa[{n}]", _("%(name)s is listed twice", name=taxon.scientific_name))
        else:
            priority = checks.yes_or_no(entry.get("priority", False))
            if priority is None:
                check.add(f"target_taxa[{n}].priority", checks.yes_or_no_problem(entry.get("priority")))
            targets.append(TargetSpec(taxon.id, taxon.scientific_name, bool(priority), notes))
    terms = [t.upper() for t in check.strings(data, "target_terms")]
    known_terms = set((await session.scalars(select(TradeTerm.code))).all())
    for n, term in enumerate(terms):
        if term not in known_terms:
            check.add(f"target_terms[{n}]", _("unknown CITES trade term %(code)s", code=term))

    routes = []
    for n, entry in enumerate(check.entries(data, "routes", _("must be a list of routes"))):
        if not isinstance(entry, dict):
            check.add(f"routes[{n}]", _("must be an object with name, origin, transit, destination, hubs, modes"))
            continue
        routes.append(await parse_route(session, check, entry, f"routes[{n}].", codes))
    team = await parse_team(session, check, data.get("team"))
    if check.errors:
        raise InvalidInput(check.errors)
    assert code and name and start and end
    return OperationSpec(code=code, name=name, start=start, end=end, phase=phase,
                         series=(series or code.rsplit("-", 1)[0]).upper(), objectives=objectives or "",
                         lead_organisations=leads, grace_days=grace, release_embargo=embargo, countries=countries,
                         targets=targets, target_terms=terms, routes=routes, team=team)


async def parse_team(session: AsyncSession, check: _Checker, data: Any) -> list[TeamEntry]:
    """`team`: [{"email", "role" (default: the account's), "lead" (optional)}], each an existing account."""
    if data is None:
        return []
    if not isinstance(data, list):
        check.add("team", _('must be a list of {"email": "…", "role": "coordinator"}'))
        return []
    entries: list[TeamEntry] = []
    for n, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("email"), str):
            check.add(f"team[{n}].email", _("is required: the e-mail address of an existing account"))
            continue
        role = entry.get("role")
        if role is not None and not isinstance(role, str):
            check.add(f"team[{n}].role", _("must be coordinator, analyst or press_officer"))
            continue
        try:
            member = await entry_for(session, entry["email"], role, bool(entry.get("lead")), f"team[{n}].email")
        except InvalidInput as exc:
            check.errors += exc.errors
            continue
        if member.user.id in {e.user.id for e in entries}:
            check.add(f"team[{n}].email", _("%(email)s is listed twice", email=member.user.email))
        else:
            entries.append(member)
    return entries


async def parse_route(session: AsyncSession, check: _Checker, data: dict[str, Any], prefix: str = "",
                      codes: dict[str, str] | None = None) -> RouteSpec:
    codes = codes or await lookup.country_codes(session)
    name = check.text(data, "name", required=True, prefix=prefix)
    lists: dict[str, list[str]] = {}
    for part in ("origin", "transit", "destination"):
        lists[part] = []
        for n, value in enumerate(check.strings(data, part)):
            alpha3 = lookup.resolve_country(codes, value)
            if alpha3 is None:
                check.add(f"{prefix}{part}[{n}]" if prefix else part, lookup.unknown_country(value))
            else:
                lists[part].append(alpha3)
    modes = check.strings(data, "modes")
    for n, mode in enumerate(modes):
        if mode not in TRANSPORT_MODES:
            check.add(f"{prefix}modes[{n}]" if prefix else "modes",
                      _("unknown transport mode %(mode)s (use %(modes)s)", mode=mode, modes=", ".join(TRANSPORT_MODES)))
    hubs = await parse_hubs(session, check, f"{prefix}hubs", data.get("hubs") or [])
    risk_notes = check.text(data, "risk_notes", limit=2000, prefix=prefix)
    return RouteSpec(name=name or "", hubs=hubs, modes=modes, risk_notes=risk_notes, **lists)


async def operation_spec(session: AsyncSession, operation: Operation) -> dict[str, Any]:
    """A stored operation in the operation-file shape (plus its id, phase and version)."""
    participants = (await session.execute(select(Participant.country_code, Participant.publicity)
                                          .where(Participant.operation_id == operation.id)
                                          .order_by(Participant.country_code))).all()
    targets = (await session.execute(select(Taxon.scientific_name, Target.priority, Target.notes)
                                     .join(Taxon, Taxon.id == Target.taxon_id)
                                     .where(Target.operation_id == operation.id)
                                     .order_by(Taxon.scientific_name))).all()
    routes = (await session.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
    team = (await session.execute(select(User.email, OperationMember.role, OperationMember.lead)
                                  .join(OperationMember, OperationMember.user_id == User.id)
                                  .where(OperationMember.operation_id == operation.id).order_by(User.email))).all()
    return {
        "id": operation.id, "code": operation.code, "name": operation.name, "series": operation.series,
        "phase": operation.phase, "objectives": operation.objectives,
        "lead_organisations": operation.lead_organisations, "start": operation.start_date.isoformat(),
        "end": operation.end_date.isoformat(), "grace_days": operation.grace_days,
        "countries": [{"country": c, "publicity": p} for c, p in participants],
        "target_taxa": [{"taxon": n, "priority": p, "notes": notes} for n, p, notes in targets],
        "target_terms": operation.target_terms,
        "routes": [{"name": r.name, "origin": r.origin, "transit": r.transit, "destination": r.destination,
                    "hubs": [h["iata"] or f"{h['name']}@{h['latitude']},{h['longitude']}" for h in r.hubs],
                    "modes": r.modes, "risk_notes": r.risk_notes} for r in routes],
        "release_embargo": operation.release_embargo.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if operation.release_embargo else None,
        "team": [{"email": e, "role": r, "lead": lead} for e, r, lead in team],
        "version": operation.version,
    }
