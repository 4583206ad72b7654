"""Links between countries' records: asked for by one country, consented to by the other (or a coordinator).

A same-shipment link makes the later-logged record point at the earlier one (`Seizure.same_shipment_as_id`), so the
shipment counts once wherever figures are made (`seizures.models.counted()`); `resettle_shipment` is the one place
that sets that pointer, from the accepted links.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, policy
from opsplatform.database import record_id, utcnow
from opsplatform.errors import FieldError, InvalidInput, NotAllowed
from opsplatform.i18n import N_, _
from opsplatform.labels import status_label
from opsplatform.models.auth import User
from opsplatform.models.cases import LinkKind, LinkStatus, SeizureLink
from opsplatform.models.operations import Participant
from opsplatform.models.seizures import COUNTED_STATUSES, Seizure, SeizureStatus
from opsplatform.notifications.services import notify
from opsplatform.operations.focal_points import country_focal_points
from opsplatform.policy import Member

OPEN = (LinkStatus.pending, LinkStatus.accepted)


async def request_link(session: AsyncSession, member: Member, seizure: Seizure, raw: dict[str, Any]) -> SeizureLink:
    """Ask the other country to link its record to `seizure` (a record the member may change).

    Another country's record the member does not see is named by country and reference, and the request is taken
    the same whether that record exists or not (its country is asked either way, and may log it first), so asking
    tells nobody which records another country has."""
    operation = member.operation
    if not policy.may_request_link(member, seizure):
        raise NotAllowed(_("only the record's country or a coordinator may ask for a link"))
    errors: list[FieldError] = []
    kind = checks.text(raw.get("kind"))
    if kind not in LinkKind.__members__:
        errors.append(FieldError("kind", _("must be one of %(values)s", values=", ".join(LinkKind))))
    target = await _target(session, member, raw, errors)
    note = checks.text(raw.get("note"))
    if len(note) > 2000:
        errors.append(FieldError("note", _("must be at most %(n)s characters", n=2000)))
    if target is not None:
        other, country, ref = target
        if country == seizure.reporting_country:
            errors.append(FieldError("other_seizure_ref", _("must be another country's record")))
        elif seizure.status == SeizureStatus.withdrawn:
            errors.append(FieldError("seizure_id", _("a withdrawn record cannot be linked")))
        elif await session.scalar(select(SeizureLink.id).where(
                SeizureLink.status.in_(OPEN), _between(seizure, other, country, ref))):
            errors.append(FieldError("other_seizure_ref", _("these records are already linked, or a request is "
                                                            "waiting for an answer")))
    if errors:
        raise InvalidInput(errors)
    assert target is not None
    other, country, ref = target
    link = SeizureLink(operation_id=operation.id, kind=kind, seizure_id=seizure.id,
                       other_seizure_id=other.id if other else None, other_seizure_ref=ref,
                       requesting_country=seizure.reporting_country, other_country=country,
                       note=note or None, requested_by=member.user.id)
    session.add(link)
    await session.flush()
    await notify(session, await _deciders(session, link, member.user), kind="link",
                 text=N_("%(country)s asks to link its record %(ref)s with your record %(other)s (%(operation)s)"),
                 link=f"/operations/{operation.code}/seizures/{other.id}" if other else
                 f"/operations/{operation.code}/links", params={"country": seizure.reporting_country,
                                                                "ref": seizure.seizure_ref, "other": ref,
                                                                "operation": operation.code})
    return link


def _between(seizure: Seizure, other: Seizure | None, country: str, ref: str) -> Any:
    """Links joining `seizure` and the named record, whichever side asked."""
    named = SeizureLink.other_seizure_id == other.id if other else and_(
        SeizureLink.other_country == country, SeizureLink.other_seizure_ref == ref)
    mine = [and_(SeizureLink.seizure_id == seizure.id, named)]
    if other is not None:
        mine.append(and_(SeizureLink.seizure_id == other.id, SeizureLink.other_seizure_id == seizure.id))
    return or_(*mine)


async def _target(session: AsyncSession, member: Member, raw: dict[str, Any],
                  errors: list[FieldError]) -> tuple[Seizure | None, str, str] | None:
    """The record to link to, as (record or None, country, reference): by id among the records the member sees, or
    by country and reference (the record itself only looked up, never confirmed to the asker)."""
    operation = member.operation
    if raw.get("other_seizure_id") not in (None, ""):
        other_id = record_id(raw["other_seizure_id"])
        seen = await session.scalar(select(Seizure).where(Seizure.id == other_id, policy.records(member))) \
            if other_id is not None else None
        if seen is None:
            errors.append(FieldError("other_seizure_id", _("no record with this id among those you see; name "
                                                           "another country's record by its country and reference")))
            return None
        return seen, seen.reporting_country, seen.seizure_ref
    country = checks.text(raw.get("other_country")).upper()
    ref = checks.reference(raw.get("other_seizure_ref"))
    if not country:
        errors.append(FieldError("other_country", _("is required: the country of the record to link")))
    elif not await session.scalar(select(Participant.id).where(Participant.operation_id == operation.id,
                                                              Participant.country_code == country)):
        errors.append(FieldError("other_country", _("%(code)s does not take part in this operation", code=country[:3])))
        country = ""
    if not ref:
        errors.append(FieldError("other_seizure_ref", _("is required: that country's reference for its record")))
    elif len(ref) > 100:
        errors.append(FieldError("other_seizure_ref", _("must be at most %(n)s characters", n=100)))
    if not country or not ref or len(ref) > 100:
        return None
    found = await session.scalar(select(Seizure).where(Seizure.operation_id == operation.id,
                                                       Seizure.reporting_country == country,
                                                       Seizure.seizure_ref == ref))
    return found, country, ref


async def _deciders(session: AsyncSession, link: SeizureLink, user: User) -> set[int]:
    """Who is asked: the other country's focal points on the operation."""
    ids = set((await session.scalars(country_focal_points(link.operation_id, link.other_country))).all())
    return ids - {user.id}


async def decide_link(session: AsyncSession, member: Member, link: SeizureLink, accept: bool,
                      note: str = "") -> SeizureLink:
    """The other country (or a coordinator reaching it) accepts or refuses a pending link; a request naming a record
    the country has not logged yet is accepted once it has."""
    operation, user = member.operation, member.user
    if not policy.may_decide_link(member, link):
        raise NotAllowed(_("the other country's focal points or a coordinator answer a link request"))
    if link.status != LinkStatus.pending:
        raise InvalidInput.one("status", _("this link is %(status)s; only a pending request is answered",
                                           status=status_label(link.status)))
    if len(note.strip()) > 2000:
        raise InvalidInput.one("note", _("must be at most %(n)s characters", n=2000))
    if accept and link.other_seizure_id is None:
        other = await session.scalar(select(Seizure.id).where(
            Seizure.operation_id == operation.id, Seizure.reporting_country == link.other_country,
            Seizure.seizure_ref == link.other_seizure_ref))
        if other is None:
            raise InvalidInput.one("other_seizure_ref", _("log the record %(ref)s first, then accept; or refuse the "
                                                          "request", ref=link.other_seizure_ref))
        link.other_seizure_id = other
    if accept and await session.scalar(select(Seizure.id).where(Seizure.id == link.other_seizure_id,
                                                                Seizure.status == SeizureStatus.withdrawn)):
        raise InvalidInput.one("status", _("a withdrawn record cannot be linked"))
    link.status = LinkStatus.accepted if accept else LinkStatus.refused
    link.decided_by, link.decided_at, link.decision_note = user.id, utcnow(), note.strip() or None
    await session.flush()
    if accept and link.kind == LinkKind.same_shipment:
        await resettle_shipment(session, {link.seizure_id, link.other_seizure_id})
    ref = await session.scalar(select(Seizure.seizure_ref).where(Seizure.id == link.seizure_id))
    await notify(session, {link.requested_by} - {user.id}, kind="link",
                 text=N_("%(country)s accepted the link to your record %(ref)s (%(operation)s)") if accept
                 else N_("%(country)s refused the link to your record %(ref)s (%(operation)s)"),
                 link=f"/operations/{operation.code}/seizures/{link.seizure_id}",
                 params={"country": link.other_country, "ref": ref, "operation": operation.code})
    return link


async def remove_link(session: AsyncSession, member: Member, link: SeizureLink) -> SeizureLink:
    """Undo a link or withdraw a request; a same-shipment pair then counts twice again."""
    if not policy.may_remove_link(member, link):
        raise NotAllowed(_("only the two countries or a coordinator may remove a link"))
    if link.status not in OPEN:
        raise InvalidInput.one("status", _("this link is already %(status)s", status=status_label(link.status)))
    was_accepted = link.status == LinkStatus.accepted
    link.status = LinkStatus.removed
    link.decided_by, link.decided_at = member.user.id, utcnow()
    await session.flush()
    if was_accepted and link.kind == LinkKind.same_shipment:
        await resettle_shipment(session, {link.seizure_id, link.other_seizure_id})
    return link


async def resettle_shipment(session: AsyncSession, seizure_ids: set[int]) -> None:
    """Point each record of a same-shipment group at the group's earliest-logged counted record, and clear the
    pointer of records no longer in a group. Called after a link is accepted or removed, or a status changes."""
    group, frontier = set(seizure_ids), set(seizure_ids)
    edges: set[tuple[int, int]] = set()
    while frontier:
        rows = (await session.execute(select(SeizureLink.seizure_id, SeizureLink.other_seizure_id).where(
            SeizureLink.kind == LinkKind.same_shipment, SeizureLink.status == LinkStatus.accepted,
            or_(SeizureLink.seizure_id.in_(frontier), SeizureLink.other_seizure_id.in_(frontier))))).all()
        edges |= {(a, b) for a, b in rows}
        frontier = {n for edge in rows for n in edge} - group
        group |= frontier
    records = {s.id: s for s in (await session.scalars(select(Seizure).where(
        or_(Seizure.id.in_(group), Seizure.same_shipment_as_id.in_(group))))).all()}
    for component in _components(records, edges):
        members = [records[i] for i in component]
        # The earliest-logged record that counts stands for the shipment; a withdrawn one cannot.
        root = min(members, key=lambda s: (s.status not in COUNTED_STATUSES, s.created_at, s.id))
        for seizure in members:
            target = None if seizure is root or len(members) == 1 else root.id
            if seizure.same_shipment_as_id != target:
                seizure.same_shipment_as_id = target
    await session.flush()


def _components(nodes: Iterable[int], edges: set[tuple[int, int]]) -> list[set[int]]:
    """Connected groups of nodes."""
    neighbours: dict[int, set[int]] = {i: set() for i in nodes}
    for a, b in edges:
        if a in neighbours and b in neighbours:
            neighbours[a].add(b)
            neighbours[b].add(a)
    seen: set[int] = set()
    found = []
    for start in neighbours:
        if start in seen:
            continue
        component, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node not in component:
                component.add(node)
                stack.extend(neighbours[node] - component)
        seen |= component
        found.append(component)
    return found


@dataclass
class LinkView:
    link: SeizureLink
    other_id: int | None  # None while the other country has not logged the record named, or the member cannot see it
    other_ref: str
    other_country: str
    outgoing: bool
    may_decide: bool
    may_remove: bool


async def _views(session: AsyncSession, member: Member, links: list[SeizureLink]) -> list[dict[str, Any]]:
    """Each link with both records' references, and the ids of the records the member sees in full."""
    ids = {i for link in links for i in (link.seizure_id, link.other_seizure_id) if i is not None}
    refs = dict((await session.execute(select(Seizure.id, Seizure.seizure_ref).where(Seizure.id.in_(ids)))).all())
    seen = set((await session.scalars(select(Seizure.id).where(Seizure.id.in_(ids), policy.records(member)))).all())
    return [{"link": link, "ref": refs[link.seizure_id],
             "other_ref": refs.get(link.other_seizure_id, link.other_seizure_ref),
             "seizure_id": link.seizure_id if link.seizure_id in seen else None,
             "other_seizure_id": link.other_seizure_id if link.other_seizure_id in seen else None,
             "may_decide": link.status == LinkStatus.pending and policy.may_decide_link(member, link),
             "may_remove": link.status in OPEN and policy.may_remove_link(member, link)} for link in links]


async def links_of(session: AsyncSession, member: Member, seizure: Seizure) -> list[LinkView]:
    """A record's links (pending, accepted, refused) as its page shows them, with requests that name it by its
    reference from before it was logged."""
    links = (await session.scalars(select(SeizureLink).where(
        policy.link_access(member), SeizureLink.status != LinkStatus.removed,
        or_(SeizureLink.seizure_id == seizure.id, SeizureLink.other_seizure_id == seizure.id,
            and_(SeizureLink.other_seizure_id.is_(None), SeizureLink.other_country == seizure.reporting_country,
                 SeizureLink.other_seizure_ref == seizure.seizure_ref)))
        .order_by(SeizureLink.requested_at.desc()))).all()
    views = []
    for entry in await _views(session, member, list(links)):
        link, outgoing = entry["link"], entry["link"].seizure_id == seizure.id
        views.append(LinkView(link, entry["other_seizure_id"] if outgoing else entry["seizure_id"],
                              entry["other_ref"] if outgoing else entry["ref"],
                              link.other_country if outgoing else link.requesting_country, outgoing,
                              entry["may_decide"], entry["may_remove"]))
    return views


async def counted_as(session: AsyncSession, member: Member, seizure: Seizure) -> dict[str, Any]:
    """Where a record counts: under an earlier record of the same shipment, or here (standing for later ones). The
    other records are named only where the member knows them: those it sees in full, and those linked with this one
    (the link names them); a chain of links reaches records of countries the member has no link with."""
    linked = select(case((SeizureLink.seizure_id == seizure.id, SeizureLink.other_seizure_id),
                         else_=SeizureLink.seizure_id)).where(
        policy.link_access(member), SeizureLink.status != LinkStatus.removed,
        or_(SeizureLink.seizure_id == seizure.id, SeizureLink.other_seizure_id == seizure.id))
    known = case((or_(policy.records(member), Seizure.id.in_(linked)), True), else_=False).label("known")
    shown = select(Seizure.id, Seizure.seizure_ref, Seizure.reporting_country, known)
    under = None
    if seizure.same_shipment_as_id is not None:
        under = (await session.execute(shown.where(Seizure.id == seizure.same_shipment_as_id))).one()
    stands_for = (await session.execute(shown.where(Seizure.same_shipment_as_id == seizure.id)
                                        .order_by(Seizure.id))).all()
    return {"under": under, "stands_for": [r for r in stands_for if r.known],
            "unknown": sum(1 for r in stands_for if not r.known)}


async def link_entry(session: AsyncSession, member: Member, link: SeizureLink) -> dict[str, Any]:
    """One link as `operation_links` gives it."""
    return (await _views(session, member, [link]))[0]


async def operation_links(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """Every link of the operation the member sees, with both records' references, newest first."""
    links = (await session.scalars(select(SeizureLink).where(policy.link_access(member))
                                   .order_by(SeizureLink.requested_at.desc(), SeizureLink.id.desc()))).all()
    return await _views(session, member, list(links))


def link_json(entry: dict[str, Any]) -> dict[str, Any]:
    """A link as the API gives it: the ids of records the reader does not see in full are left out."""
    link = entry["link"]
    return {"id": link.id, "kind": link.kind, "status": link.status, "seizure_id": entry["seizure_id"],
            "seizure_ref": entry["ref"], "requesting_country": link.requesting_country,
            "other_seizure_id": entry["other_seizure_id"], "other_seizure_ref": entry["other_ref"],
            "other_country": link.other_country, "note": link.note,
            "requested_at": link.requested_at.isoformat(),
            "decided_at": link.decided_at.isoformat() if link.decided_at else None,
            "decision_note": link.decision_note}


# --- the network drawing ----------------------------------------------------------------------------------------------

@dataclass
class Node:
    id: int
    ref: str
    country: str
    x: float = 0.0
    y: float = 0.0


def network_drawing(entries: list[dict[str, Any]], width: int = 900) -> dict[str, Any]:
    """Nodes and edges of the accepted and pending links laid out for an inline SVG: each connected group on its
    own circle, groups in rows. No script, no external library."""
    nodes: dict[int, Node] = {}
    edges = []
    for entry in entries:
        link = entry["link"]
        if link.status not in OPEN or link.other_seizure_id is None:
            continue
        nodes.setdefault(link.seizure_id, Node(link.seizure_id, entry["ref"], link.requesting_country))
        nodes.setdefault(link.other_seizure_id, Node(link.other_seizure_id, entry["other_ref"], link.other_country))
        edges.append(link)
    groups = _components(nodes, {(e.seizure_id, e.other_seizure_id) for e in edges})
    groups.sort(key=lambda g: (-len(g), min(g)))
    cell = 220
    per_row = max(1, width // cell)
    for n, group in enumerate(groups):
        cx, cy = cell / 2 + (n % per_row) * cell, cell / 2 + (n // per_row) * cell
        radius = 0 if len(group) == 1 else min(80, 30 + 10 * len(group))
        for k, node_id in enumerate(sorted(group)):
            angle = 2 * math.pi * k / len(group) - math.pi / 2
            node = nodes[node_id]
            node.x, node.y = round(cx + radius * math.cos(angle), 1), round(cy + radius * math.sin(angle), 1)
    countries = sorted({n.country for n in nodes.values()})
    return {"nodes": list(nodes.values()), "edges": edges, "by_id": nodes,
            "width": width, "height": cell * max(1, math.ceil(len(groups) / per_row)),
            "colours": {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(countries)}}


PALETTE = ("#1f6f8b", "#d9822b", "#2e8540", "#8e44ad", "#c0392b", "#7f8c8d", "#b7950b", "#16a085")
