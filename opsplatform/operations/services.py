"""Operations: create from a spec, edit, move phases, participants, targets, routes, clone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.database import advance_version
from opsplatform.errors import InvalidInput, NotAllowed
from opsplatform.i18n import _
from opsplatform.labels import phase_label
from opsplatform.models.auth import User
from opsplatform.models.operations import FocalPoint, Operation, Participant, Phase, Publicity, Route, Target
from opsplatform.models.reference import Country, Region, Taxon
from opsplatform.operations import team
from opsplatform.operations.spec import OperationSpec, RouteSpec, _Checker, parse_route, parse_spec
from opsplatform.operations.team import TeamEntry
from opsplatform.policy import Member
from opsplatform.reference import lookup

PHASES = list(Phase)
D = TypeVar("D", date, datetime)


async def create_operation(session: AsyncSession, spec: OperationSpec, user: User | None) -> Operation:
    """Create the operation with its participants, targets, routes and team; its creator joins and leads it (an
    operation made from the command line is led by the coordinators its file names)."""
    if user is not None and user.id is not None:
        network = set((await session.scalars(policy.network_countries(user.network_code or ""))).all())
        if not policy.may_create_operation(user, {c for c, _p in spec.countries}, network):
            outside = sorted({c for c, _p in spec.countries} - network)
            raise InvalidInput.one("countries", _("%(codes)s are not members of %(network)s, the network you "
                                                  "coordinate", codes=", ".join(outside), network=user.network_code))
    operation = Operation(code=spec.code, name=spec.name, series=spec.series, objectives=spec.objectives,
                          lead_organisations=spec.lead_organisations, start_date=spec.start, end_date=spec.end,
                          grace_days=spec.grace_days, phase=spec.phase, release_embargo=spec.release_embargo,
                          target_terms=spec.target_terms, created_by=user.id if user else None)
    session.add(operation)
    await session.flush()
    session.add_all([Participant(operation_id=operation.id, country_code=c, publicity=p) for c, p in spec.countries])
    session.add_all([Target(operation_id=operation.id, taxon_id=t.taxon_id, priority=t.priority, notes=t.notes)
                     for t in spec.targets])
    session.add_all([_route(operation.id, r) for r in spec.routes])
    await session.flush()
    by_command_line = user is None or user.id is None
    # Made from the command line with no lead named, its coordinators lead (someone must edit it on the web).
    leaderless = by_command_line and not any(entry.lead for entry in spec.team)
    for entry in spec.team:
        lead = entry.lead or (leaderless and policy.may_lead(entry.role))
        await team.add(session, operation, replace(entry, lead=lead), user)
    if not by_command_line:
        await team.add(session, operation, TeamEntry(user, user.role, lead=True), user)
    return operation


def _route(operation_id: int, spec: RouteSpec) -> Route:
    return Route(operation_id=operation_id, name=spec.name, origin=spec.origin, transit=spec.transit,
                 destination=spec.destination, hubs=spec.hubs, modes=spec.modes, risk_notes=spec.risk_notes)


async def update_operation(session: AsyncSession, operation: Operation, spec: OperationSpec, version: int) -> Operation:
    """Change the core fields (not participants, targets or routes); refused if someone saved in between."""
    await advance_version(session, operation, version)
    for attribute, value in (("code", spec.code), ("name", spec.name), ("series", spec.series),
                             ("objectives", spec.objectives), ("lead_organisations", spec.lead_organisations),
                             ("start_date", spec.start), ("end_date", spec.end), ("grace_days", spec.grace_days),
                             ("release_embargo", spec.release_embargo), ("target_terms", spec.target_terms)):
        setattr(operation, attribute, value)
    await session.flush()
    return operation


async def set_phase(session: AsyncSession, operation: Operation, phase: str) -> Operation:
    """Move an operation to a phase by hand (the scheduler moves it at the window's edges)."""
    if phase not in Phase.__members__:
        raise InvalidInput.one("phase", _("must be one of %(values)s", values=", ".join(Phase)))
    await advance_version(session, operation, operation.version)
    operation.phase = phase
    await session.flush()
    return operation


def logging_refusal(member: Member, *, correction_reason: str | None = None) -> str | None:
    """Why results cannot be logged or changed in the operation's phase now, or None when they can."""
    operation = member.operation
    if operation.phase in (Phase.draft, Phase.planning):
        return _("results can be logged once the operation is active (it is in the %(phase)s phase)",
                 phase=phase_label(operation.phase))
    if operation.phase == Phase.closed:
        if not policy.may_correct_closed(member):
            return _("the operation is closed; ask a coordinator to correct the record")
        if not (correction_reason or "").strip():
            return _("the operation is closed: give the reason for this correction")
    return None


def may_remove_participants(operation: Operation, today: date) -> bool:
    return operation.phase in (Phase.draft, Phase.planning) and today < operation.start_date


async def add_participants(session: AsyncSession, member: Member, countries: list[str],
                           publicity: str = Publicity.aggregate) -> list[str]:
    """Add countries not yet taking part (only those the lead reaches: a network's lead, its network's members);
    returns those added. The publicity given is a proposal until each country's focal point confirms it."""
    if outside := [c for c in countries if not member.reaches(c)]:
        raise InvalidInput.one("country", _("%(codes)s are outside %(network)s, the network you coordinate",
                                            codes=", ".join(outside[:10]), network=member.network))
    operation = member.operation
    present = set((await session.scalars(select(Participant.country_code)
                                         .where(Participant.operation_id == operation.id))).all())
    added = [c for c in dict.fromkeys(countries) if c not in present]
    session.add_all([Participant(operation_id=operation.id, country_code=c, publicity=publicity) for c in added])
    await session.flush()
    return added


async def countries_for(session: AsyncSession, *, country: str = "", region: str = "", network: str = "") -> list[str]:
    """Resolve what a coordinator picked (one country, a region or a network) into country codes."""
    if country:
        alpha3 = lookup.resolve_country(await lookup.country_codes(session), country)
        if alpha3 is None:
            raise InvalidInput.one("country", lookup.unknown_country(country))
        return [alpha3]
    if region:
        found = await lookup.countries_in_region(session, region)
        if not found:
            raise InvalidInput.one("region", _("unknown region %(code)s", code=region))
        return found
    if network:
        found = await lookup.countries_in_network(session, network)
        if not found:
            raise InvalidInput.one("network", _("unknown network %(code)s", code=network))
        return found
    raise InvalidInput.one("country", _("choose a country, a region or a network"))


async def remove_participant(session: AsyncSession, operation: Operation, country: str, today: date) -> None:
    if not may_remove_participants(operation, today):
        raise InvalidInput.one("country", _("countries can be removed only before the window opens"))
    for focal_point in (await session.scalars(select(FocalPoint).where(
            FocalPoint.operation_id == operation.id, FocalPoint.country_code == country))).all():
        await session.delete(focal_point)  # through the ORM, so the audit log keeps each removal
    participant = await session.scalar(select(Participant).where(
        Participant.operation_id == operation.id, Participant.country_code == country))
    if participant is not None:
        await session.delete(participant)
    await session.flush()


async def _participant(session: AsyncSession, operation: Operation, country: str) -> Participant:
    participant = await session.scalar(select(Participant).where(
        Participant.operation_id == operation.id, Participant.country_code == country))
    if participant is None:
        raise InvalidInput.one("country", _("%(code)s does not take part in this operation", code=country))
    return participant


async def set_publicity(session: AsyncSession, member: Member, country: str, publicity: str,
                        now: datetime) -> Participant:
    """The country's word on how the public release shows it: set or confirmed by its own focal points only."""
    if not policy.speaks_for_country(member, country):
        raise NotAllowed(_("only the focal points of %(code)s set its consent", code=country[:3]))
    if publicity not in Publicity.__members__:
        raise InvalidInput.one("publicity", _("must be named, aggregate or none"))
    participant = await _participant(session, member.operation, country)
    participant.publicity, participant.publicity_set_by, participant.publicity_set_at = publicity, member.user.id, now
    await session.flush()
    return participant


async def set_sharing(session: AsyncSession, member: Member, share: bool) -> Participant:
    """A country's default for new records: open to all participants, or to its own country and coordinators. Its
    own focal points decide."""
    country = policy.own_country(member)
    if country is None:
        raise NotAllowed(_("a country's focal points decide how its records are shared"))
    participant = await _participant(session, member.operation, country)
    participant.share_by_default = share
    await session.flush()
    return participant


async def participants_by_region(session: AsyncSession, operation: Operation) -> list[dict[str, Any]]:
    """Participants grouped by UN M49 region, with counts and consents, for pages and briefings. Names are the
    reference data's (English, the same in every language's document); pages and documents show them translated."""
    rows = (await session.execute(
        select(Participant, Country.name, Region.name.label("region"), Region.code.label("region_code"))
        .join(Country, Country.alpha3 == Participant.country_code)
        .outerjoin(Region, Region.code == Country.region_code)
        .where(Participant.operation_id == operation.id).order_by(Region.name, Country.name))).all()
    groups: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
    for participant, name, region, region_code in rows:
        groups.setdefault((region_code, region), []).append(
            {"code": participant.country_code, "name": name, "publicity": participant.publicity,
             "publicity_confirmed": participant.publicity_set_at is not None,
             "share_by_default": participant.share_by_default})
    return [{"region": region, "region_code": code, "countries": countries}
            for (code, region), countries in groups.items()]


async def add_target(session: AsyncSession, operation: Operation, taxon_name: str, priority: bool,
                     notes: str | None) -> Target:
    taxon = (await lookup.taxa_by_name(session, [taxon_name])).get(taxon_name.strip().lower())
    if taxon is None:
        raise InvalidInput.one("taxon", await lookup.unknown_taxon(session, taxon_name))
    if await session.scalar(select(Target.id).where(Target.operation_id == operation.id, Target.taxon_id == taxon.id)):
        raise InvalidInput.one("taxon", _("%(name)s is already a target", name=taxon.scientific_name))
    target = Target(operation_id=operation.id, taxon_id=taxon.id, priority=priority, notes=notes or None)
    session.add(target)
    await session.flush()
    return target


async def targets_of(session: AsyncSession, operation: Operation) -> list[tuple[Target, Taxon]]:
    return [tuple(row) for row in (await session.execute(
        select(Target, Taxon).join(Taxon, Taxon.id == Target.taxon_id).where(Target.operation_id == operation.id)
        .order_by(Target.priority.desc(), Taxon.scientific_name))).all()]


async def add_route(session: AsyncSession, operation: Operation, data: dict[str, Any]) -> Route:
    check = _Checker()
    spec = await parse_route(session, check, data)
    if check.errors:
        raise InvalidInput(check.errors)
    route = _route(operation.id, spec)
    session.add(route)
    await session.flush()
    return route


async def clone_operation(session: AsyncSession, source: Operation, *, code: str, name: str, start: date, end: date,
                          user: User | None) -> Operation:
    """Next year's operation from an earlier one: team, participants, consents (to be confirmed again), focal points,
    targets and routes; no results."""
    spec = await parse_spec(session, {
        "code": code, "name": name, "start": start.isoformat(), "end": end.isoformat(), "phase": Phase.draft,
        "series": source.series, "objectives": source.objectives, "lead_organisations": source.lead_organisations,
        "grace_days": source.grace_days, "target_terms": source.target_terms,
        "release_embargo": _shift(source.release_embargo, source.start_date, start).isoformat()
        if source.release_embargo else None})
    clone = await create_operation(session, spec, user)
    clone.cloned_from_id = source.id
    for participant in (await session.scalars(select(Participant).where(Participant.operation_id == source.id))).all():
        session.add(Participant(operation_id=clone.id, country_code=participant.country_code,
                                publicity=participant.publicity, share_by_default=participant.share_by_default))
    for entry, account in await team.members(session, source):
        if account.id != (user.id if user else None):
            await team.add(session, clone, TeamEntry(account, entry.role, entry.lead), user)
    for fp in (await session.scalars(select(FocalPoint).where(FocalPoint.operation_id == source.id,
                                                              FocalPoint.revoked_at.is_(None)))).all():
        session.add(FocalPoint(operation_id=clone.id, country_code=fp.country_code, user_id=fp.user_id,
                               invited_by=user.id if user else None, accepted_at=fp.accepted_at))
    for target in (await session.scalars(select(Target).where(Target.operation_id == source.id))).all():
        session.add(Target(operation_id=clone.id, taxon_id=target.taxon_id, priority=target.priority,
                           notes=target.notes))
    for route in (await session.scalars(select(Route).where(Route.operation_id == source.id))).all():
        session.add(Route(operation_id=clone.id, name=route.name, origin=route.origin, transit=route.transit,
                          destination=route.destination, hubs=route.hubs, modes=route.modes,
                          risk_notes=route.risk_notes))
    await session.flush()
    return clone


def add_years(moment: D, years: int) -> D:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _shift(moment: datetime, old_start: date, new_start: date) -> datetime:
    """Move a date with the window: by whole years when the window moved by whole years (3 March stays 3 March)."""
    if (new_start.month, new_start.day) == (old_start.month, old_start.day):
        return add_years(moment, new_start.year - old_start.year)
    return moment + (new_start - old_start)


async def launch_gaps(session: AsyncSession, operation: Operation) -> dict[str, Any]:
    """What is missing before launch: countries without a focal point, invitations not accepted, no targets."""
    countries = set((await session.scalars(select(Participant.country_code)
                                           .where(Participant.operation_id == operation.id))).all())
    focal = (await session.execute(select(FocalPoint.country_code, FocalPoint.accepted_at, User.email)
                                   .join(User, User.id == FocalPoint.user_id)
                                   .where(FocalPoint.operation_id == operation.id,
                                          FocalPoint.revoked_at.is_(None)))).all()
    targets = await session.scalar(select(func.count()).select_from(Target).where(Target.operation_id == operation.id))
    return {
        "without_focal_point": sorted(countries - {c for c, _a, _e in focal}),
        "not_accepted": sorted((c, e) for c, a, e in focal if a is None),
        "no_targets": not targets,
        "no_participants": not countries,
    }


def timeline(operation: Operation) -> list[dict[str, Any]]:
    """The phases in order with the dates that bound them, marking the current one."""
    current = PHASES.index(Phase(operation.phase))
    edges: dict[str, tuple[date | None, date | None]] = {
        Phase.draft: (None, None), Phase.planning: (None, operation.start_date - timedelta(days=1)),
        Phase.active: (operation.start_date, operation.end_date),
        Phase.reporting: (operation.end_date + timedelta(days=1), operation.grace_end),
        Phase.closed: (operation.grace_end + timedelta(days=1), None),
    }
    return [{"phase": p.value, "start": edges[p][0], "end": edges[p][1],
             "state": "done" if i < current else "current" if i == current else "next"}
            for i, p in enumerate(PHASES)]


def default_clone_dates(source: Operation) -> tuple[date, date]:
    return add_years(source.start_date, 1), add_years(source.end_date, 1)

