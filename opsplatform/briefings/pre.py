"""The pre-operation briefing: objectives, window and phases, participants, targets, routes, what earlier operations
found, how and when to report, and (restricted edition only) the focal-point directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.briefings.brief import Brief
from opsplatform.briefings.history import earlier_findings
from opsplatform.i18n import _
from opsplatform.models.operations import Route
from opsplatform.models.reference import Country
from opsplatform.operations import focal_points, services as operations
from opsplatform.policy import Member
from opsplatform.reference.lookup import term_names
from opsplatform.reporting import static_maps
from opsplatform.settings import Settings

PARTICIPANT = "#7fb7c9"


async def label_points(session: AsyncSession) -> dict[str, tuple[float, float]]:
    """Each country's label point, where flows and routes start and end."""
    return {code: (lat, lon) for code, lat, lon in (await session.execute(
        select(Country.alpha3, Country.latitude, Country.longitude).where(Country.latitude.is_not(None)))).all()}


async def build(session: AsyncSession, settings: Settings, member: Member, edition: str | None,
                now: datetime) -> Brief:
    operation = member.operation
    participants = [{"region": group["region"], "region_code": group["region_code"],
                     "countries": [{"code": c["code"], "name": c["name"]}
                                                             for c in group["countries"]]}
                    for group in await operations.participants_by_region(session, operation)]
    targets = [{"scientific_name": taxon.scientific_name, "rank": taxon.rank, "appendix": taxon.appendix,
                "group": taxon.taxon_group, "priority": target.priority, "notes": target.notes,
                "common_names": {lang: taxon.common_name(lang) for lang in ("en", "fr", "es")}}
               for target, taxon in await operations.targets_of(session, operation)]
    terms = [{"code": code, "names": names}
             for code, names in sorted((await term_names(session, operation.target_terms)).items())]
    routes = (await session.scalars(select(Route).where(Route.operation_id == operation.id).order_by(Route.id))).all()
    data = {
        "operation": {"code": operation.code, "name": operation.name, "objectives": operation.objectives,
                      "lead_organisations": operation.lead_organisations, "start": operation.start_date,
                      "end": operation.end_date, "grace_days": operation.grace_days, "grace_end": operation.grace_end},
        "timeline": [{"phase": s["phase"], "start": s["start"], "end": s["end"]}
                     for s in operations.timeline(operation)],
        "participants": participants, "targets": targets, "terms": terms,
        "routes": [{"name": r.name, "origin": r.origin, "transit": r.transit, "destination": r.destination,
                    "hubs": [{"iata": h.get("iata"), "name": h["name"]} for h in r.hubs], "modes": r.modes,
                    "risk_notes": r.risk_notes} for r in routes],
        "history": await earlier_findings(session, member),
        "reporting": {"cutoff_hour": settings.sitrep_hour,
                      "template": f"{settings.public_base_url}/operations/{operation.code}/template.xlsx",
                      "api": f"{settings.public_base_url}/api/v1/operations/{operation.code}/seizures"},
    }
    if edition == "restricted":
        data["directory"] = [{"country": entry.focal_point.country_code, "country_name": entry.country_name,
                              "name": entry.user.name, "email": entry.user.email,
                              "organisation": entry.user.organisation}
                             for entry in await focal_points.directory(session, operation)]
    countries = [c["code"] for group in participants for c in group["countries"]]
    points = await label_points(session)
    view = {
        "participants_map": static_maps.svg_map(title=_("Participating countries"),
                                                fills=dict.fromkeys(countries, PARTICIPANT)),
        "routes_map": static_maps.routes(routes, points, title=_("Priority routes"), legend=[
            (static_maps.ROLE_COLOURS["origin"], _("Origin")), (static_maps.ROLE_COLOURS["transit"], _("Transit")),
            (static_maps.ROLE_COLOURS["destination"], _("Destination"))]) if routes else None,
    }
    counts = {"participants": len(countries), "targets": len(targets), "routes": len(routes),
              "earlier_seizures": data["history"]["seizures"], "focal_points": len(data.get("directory", []))}
    return Brief("briefings/pre.html", data, counts, view)
