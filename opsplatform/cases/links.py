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

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.auth.models import User
from opsplatform.cases.models import LinkKind, LinkStatus, SeizureLink
from opsplatform.database import utcnow
from opsplatform.errors import FieldError, InvalidInput, NotAllowed
from opsplatform.i18n import N_, _
from opsplatform.labels import status_label
from opsplatform.notifications.services import notify
from opsplatform.operations.focal_points import country_focal_points
from opsplatform.operations.models import Operation
from opsplatform.seizures.models import COUNTED_STATUSES, Seizure, SeizureStatus

OPEN = (LinkStatus.pending, LinkStatus.accepted)


async def request_link(session: AsyncSession, operation: Operation, user: User, seizure: Seizure,
                       raw: dict[str, Any]) -> SeizureLink:
    """Ask the other country to link its record to `seizure` (a record the user may change)."""
    if not policy.may_request_link(user, seizure):
        raise NotAllowed(_("only the record's country or a coordinator may ask for a link"))
    errors: list[FieldError] = []
    kind = str(raw.get("kind") or "").strip()
    if kind not in LinkKind.__members__:
        errors.append(FieldError("kind", _("must be one of %(values)s", values=", ".join(LinkKind))))
    other = await _other_record(session, operation, user, raw, errors)
    note = str(raw.get("note") or "").strip()
    if len(note) > 2000:
        errors.append(FieldError("note", _("must be at most %(n)s characters", n=2000)))
    if other is not None:
        if other.reporting_country == seizure.reporting_country:
            errors.append(FieldError("other_seizure_ref", _("must be another country's record")))
        elif SeizureStatus.withdrawn in (seizure.status, other.status):
            errors.append(FieldError("other_seizure_ref", _("a withdrawn record cannot be linked")))
        elif await session.scalar(select(SeizureLink.id).where(SeizureLink.status.in_(OPEN), or_(
                and_(SeizureLink.seizure_id == seizure.id, SeizureLink.other_seizure_id == other.id),
                and_(SeizureLink.seizure_id == other.id, SeizureLink.other_seizure_id == seizure.id)))):
            errors.append(FieldError("other_seizure_ref", _("these records are already linked, or a request is "
                                                            "waiting for an answer")))
    if errors:
        raise InvalidInput(errors)
    assert other is not None
    link = SeizureLink(operation_id=operation.id, kind=kind, seizure_id=seizure.id, other_seizure_id=other.id,
                       requesting_country=seizure.reporting_country, other_country=other.reporting_country,
                       note=note or None, requested_by=user.id)
    session.add(link)
    await session.flush()
    await notify(session, await _deciders(session, link, user), kind="link",
                 text=N_("%(country)s asks to link its record %(ref)s with your record %(other)s (%(operation)s)"),
                 link=f"/operations/{operation.code}/seizures/{other.id}",
                 params={"country": seizure.reporting_country, "ref": seizure.seizure_ref, "other": other.seizure_ref,
                         "operation": operation.code})
    return link


async def _other_record(session: AsyncSession, operation: Operation, user: User, raw: dict[str, Any],
                        errors: list[FieldError]) -> Seizure | None:
    """The record to link to, by id or by country and reference, within the operation."""
    query = select(Seizure).where(Seizure.operation_id == operation.id, policy.link_target_access(user))
    if raw.get("other_seizure_id") not in (None, ""):
        try:
            other_id = int(raw["other_seizure_id"])
        except (TypeError, ValueError):
            errors.append(FieldError("other_seizure_id", _("must be a record id (a whole number)")))
            return None
        found = await session.scalar(query.where(Seizure.id == other_id))
        if found is None:
            errors.append(FieldError("other_seizure_id", _("no record %(id)s in this operation that you can link to",
                                                           id=other_id)))
        return found
    country = str(raw.get("other_country") or "").strip().upper()
    ref = str(raw.get("other_seizure_ref") or "").strip()
    if not country:
        errors.append(FieldError("other_country", _("is required: the country of the record to link")))
    if not ref:
        errors.append(FieldError("other_seizure_ref", _("is required: that country's reference for its record")))
    if not country or not ref:
        return None
    found = await session.scalar(query.where(Seizure.reporting_country == country, Seizure.seizure_ref == ref))
    if found is None:
        errors.append(FieldError("other_seizure_ref", _("%(country)s has no record %(ref)s in this operation",
                                                        country=country, ref=ref)))
    return found


async def _deciders(session: AsyncSession, link: SeizureLink, user: User) -> set[int]:
    """Who is asked: the other country's focal points on the operation."""
    ids = set((await session.scalars(country_focal_points(link.operation_id, link.other_country))).all())
    return ids - {user.id}


async def decide_link(session: AsyncSession, operation: Operation, link: SeizureLink, user: User, accept: bool,
                      note: str = "") -> SeizureLink:
    """The other country (or a coordinator) accepts or refuses a pending link."""
    if not policy.may_decide_link(user, link):
        raise NotAllowed(_("the other country's focal points or a coordinator answer a link request"))
    if link.status != LinkStatus.pending:
        raise InvalidInput.one("status", _("this link is %(status)s; only a pending request is answered",
                                           status=status_label(link.status)))
    if len(note.strip()) > 2000:
        raise InvalidInput.one("note", _("must be at most %(n)s characters", n=2000))
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


async def remove_link(session: AsyncSession, link: SeizureLink, user: User) -> SeizureLink:
    """Undo a link or withdraw a request; a same-shipment pair then counts twice again."""
    if not policy.may_remove_link(user, link):
        raise NotAllowed(_("only the two countries or a coordinator may remove a link"))
    if link.status not in OPEN:
        raise InvalidInput.one("status", _("this link is already %(status)s", status=status_label(link.status)))
    was_accepted = link.status == LinkStatus.accepted
    link.status = LinkStatus.removed
    link.decided_by, link.decided_at = user.id, utcnow()
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
    other_id: int
    other_ref: str
    other_country: str
    outgoing: bool
    may_decide: bool
    may_remove: bool
    other_visible: bool


async def links_of(session: AsyncSession, seizure: Seizure, user: User) -> list[LinkView]:
    """A record's links (pending, accepted, refused) as its page shows them."""
    links = (await session.scalars(select(SeizureLink).where(
        policy.link_access(user), SeizureLink.status != LinkStatus.removed,
        or_(SeizureLink.seizure_id == seizure.id, SeizureLink.other_seizure_id == seizure.id))
        .order_by(SeizureLink.requested_at.desc()))).all()
    ids = {l.seizure_id for l in links} | {l.other_seizure_id for l in links}
    others = {i: (ref, country) for i, ref, country in (await session.execute(
        select(Seizure.id, Seizure.seizure_ref, Seizure.reporting_country).where(Seizure.id.in_(ids)))).all()}
    visible = set((await session.scalars(select(Seizure.id).where(Seizure.id.in_(ids),
                                                                   policy.seizure_access(user)))).all())
    views = []
    for link in links:
        outgoing = link.seizure_id == seizure.id
        other_id = link.other_seizure_id if outgoing else link.seizure_id
        views.append(LinkView(link, other_id, *others[other_id], outgoing=outgoing,
                              may_decide=link.status == LinkStatus.pending and policy.may_decide_link(user, link),
                              may_remove=link.status in OPEN and policy.may_remove_link(user, link),
                              other_visible=other_id in visible))
    return views


async def counted_as(session: AsyncSession, seizure: Seizure) -> dict[str, Any]:
    """Where a record counts: under an earlier record of the same shipment, or here (standing for later ones)."""
    under = None
    if seizure.same_shipment_as_id is not None:
        under = (await session.execute(select(Seizure.id, Seizure.seizure_ref, Seizure.reporting_country)
                                       .where(Seizure.id == seizure.same_shipment_as_id))).one()
    stands_for = (await session.execute(select(Seizure.id, Seizure.seizure_ref, Seizure.reporting_country)
                                        .where(Seizure.same_shipment_as_id == seizure.id)
                                        .order_by(Seizure.id))).all()
    return {"under": under, "stands_for": stands_for}


async def visible_link(session: AsyncSession, operation: Operation, user: User, link_id: int) -> SeizureLink | None:
    return await session.scalar(select(SeizureLink).where(SeizureLink.id == link_id,
                                                          SeizureLink.operation_id == operation.id,
                                                          policy.link_access(user)))


async def seen_link(session: AsyncSession, operation: Operation, user: User, link_id: int) -> SeizureLink:
    """The operation's link the user sees, for the pages and the API; not found for anyone else."""
    link = await visible_link(session, operation, user, link_id)
    if link is None:
        raise NotFoundException(_("no link %(id)s that you can see", id=link_id))
    return link


async def link_entry(session: AsyncSession, link: SeizureLink, user: User) -> dict[str, Any]:
    """One link as `operation_links` gives it, reading only its two records' references."""
    refs = dict((await session.execute(select(Seizure.id, Seizure.seizure_ref).where(
        Seizure.id.in_((link.seizure_id, link.other_seizure_id))))).all())
    return {"link": link, "ref": refs[link.seizure_id], "other_ref": refs[link.other_seizure_id],
            "may_decide": link.status == LinkStatus.pending and policy.may_decide_link(user, link)}


async def operation_links(session: AsyncSession, operation: Operation, user: User) -> list[dict[str, Any]]:
    """Every link of the operation the user sees, with both records' references, newest first."""
    links = (await session.scalars(select(SeizureLink).where(
        SeizureLink.operation_id == operation.id, policy.link_access(user))
        .order_by(SeizureLink.requested_at.desc(), SeizureLink.id.desc()))).all()
    refs = dict((await session.execute(select(Seizure.id, Seizure.seizure_ref).where(
        Seizure.id.in_({l.seizure_id for l in links} | {l.other_seizure_id for l in links})))).all())
    return [{"link": l, "ref": refs[l.seizure_id], "other_ref": refs[l.other_seizure_id],
             "may_decide": l.status == LinkStatus.pending and policy.may_decide_link(user, l)} for l in links]


def link_json(entry: dict[str, Any]) -> dict[str, Any]:
    link = entry["link"]
    return {"id": link.id, "kind": link.kind, "status": link.status,
            "seizure_id": link.seizure_id, "seizure_ref": entry["ref"], "requesting_country": link.requesting_country,
            "other_seizure_id": link.other_seizure_id, "other_seizure_ref": entry["other_ref"],
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
        if link.status not in OPEN:
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
