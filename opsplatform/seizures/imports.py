"""Seizure sheet import: every row through the one validator; good rows kept when others are bad; a re-upload
updates by `seizure_ref` + `item_no` and never duplicates; written in batches so a crash never half-writes a seizure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.audit.models import AuditEvent
from opsplatform.auth.models import User
from opsplatform.database import analyze, bulk_insert, utcnow
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.operations.models import Operation, Participant
from opsplatform.policy import Member
from opsplatform.reporting import rollup
from opsplatform.seizures.models import Seizure, SeizureItem, SeizureStatus, StatusChange
from opsplatform.seizures.services import refuse_if_locked
from opsplatform.seizures.sheets import SheetError, read_rows
from opsplatform.seizures.validation import Reference, check_item, check_seizure
from opsplatform.seizures.vocabulary import SEIZURE_FIELDS

ITEM_COLUMNS = ("taxon_id", "term_code", "quantity", "unit_code", "normalised_unit", "normalised_quantity",
                "estimated_value", "currency")
BATCH = 500  # seizures per transaction
Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def accepted(self) -> int:
        return self.rows - self.rejected

    def reject(self, row: int, column: str, message: str) -> None:
        self.rejected_rows.add(row)
        self.problems.append(_("row %(row)s: %(column)s: %(problem)s", row=row, column=column, problem=message))


@dataclass
class Group:
    """The rows of one seizure_ref: seizure-level values from its first good row, items by item_no."""

    first_row: int
    seizure: dict[str, Any]
    items: dict[int, dict[str, Any]] = field(default_factory=dict)


def _shown(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else "" if value is None else str(value)


def check_rows(ref: Reference, operation: Operation, rows: Any, report: ImportReport) -> dict[str, Group]:
    """Validate every row; group the good ones by seizure_ref, refusing rows that contradict their seizure."""
    groups: dict[str, Group] = {}
    seen: dict[str, int] = {}
    checked: dict[tuple[str, ...], tuple[dict[str, Any], list[Any]]] = {}
    for number, values in rows:
        report.rows += 1
        # Without item_no, a seizure's rows are its items 1, 2, … in sheet order (stable on re-upload).
        position = seen[values.get("seizure_ref", "")] = seen.get(values.get("seizure_ref", ""), 0) + 1
        # A seizure's rows repeat its seizure-level values: check each distinct set once.
        key = tuple(values.get(f, "") for f in ("seizure_ref", *SEIZURE_FIELDS))
        if key not in checked:
            checked[key] = check_seizure(ref, operation, values)
        seizure, errors = checked[key]
        item, item_errors = check_item(ref, values)
        for error in errors + item_errors:
            report.reject(number, error.field, error.message)
        if errors or item_errors:
            continue
        item_no = item["item_no"] or position
        group = groups.setdefault(seizure["seizure_ref"], Group(number, seizure))
        differing = [f for f in SEIZURE_FIELDS if group.seizure[f] != seizure[f]]
        if differing:
            for f in differing:
                report.reject(number, f, _('differs from row %(row)s of the same seizure_ref ("%(a)s" there, "%(b)s" '
                                           'here)', row=group.first_row, a=_shown(group.seizure[f]), b=_shown(seizure[f])))
        elif item_no in group.items:
            report.reject(number, "item_no", _("item %(n)s of %(ref)s appears twice in the sheet", n=item_no,
                                               ref=seizure["seizure_ref"]))
        else:
            group.items[item_no] = item
    return groups


async def import_sheet(session: AsyncSession, member: Member, country: str, content: bytes, filename: str, *,
                       dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import a seizure sheet for `country` (one the member logs for: see `reporting_country`); returns counts and one
    problem line per bad row."""
    operation, user = member.operation, member.user
    refuse_if_locked(member, None)
    report = ImportReport()
    try:
        groups = check_rows(await Reference.load(session), operation, read_rows(content, filename), report)
    except SheetError as exc:
        raise InvalidInput.one("file", str(exc)) from exc
    # Plain rows, not ORM objects: comparing 50,000 rows must stay cheap.
    seizures = Seizure.__table__
    existing = {row["seizure_ref"]: row for row in (await session.execute(
        select(seizures.c.id, seizures.c.version, seizures.c.seizure_ref, *(seizures.c[f] for f in SEIZURE_FIELDS))
        .where(seizures.c.operation_id == operation.id, seizures.c.reporting_country == country))).mappings()}
    existing_items: dict[int, dict[int, dict[str, Any]]] = {}
    if existing:
        items = SeizureItem.__table__
        for row in (await session.execute(
                select(items).join(seizures, seizures.c.id == items.c.seizure_id)
                .where(seizures.c.operation_id == operation.id, seizures.c.reporting_country == country))).mappings():
            existing_items.setdefault(row["seizure_id"], {})[row["item_no"]] = {c: row[c] for c in ITEM_COLUMNS}

    plan: list[tuple[str, Group, Any]] = []
    for seizure_ref, group in groups.items():
        current = existing.get(seizure_ref)
        if current is None:
            plan.append(("create", group, None))
        elif any(current[f] != group.seizure[f] for f in SEIZURE_FIELDS) or any(
                existing_items.get(current["id"], {}).get(n) != {c: i[c] for c in ITEM_COLUMNS}
                for n, i in group.items.items()):
            plan.append(("update", group, current))
        else:
            report.unchanged += 1
    report.created = sum(1 for action, _g, _s in plan if action == "create")
    report.updated = len(plan) - report.created
    if dry_run:
        return report
    created = {(operation.id, country, g.seizure["seizure_date"]) for action, g, _s in plan if action == "create"}
    # New records are shared as the country's default says, as the form shares them.
    shared = bool(await session.scalar(select(Participant.share_by_default).where(
        Participant.operation_id == operation.id, Participant.country_code == country)))
    for start in range(0, len(plan), BATCH):
        await _write(session, operation, user, country, plan[start:start + BATCH], existing_items, shared)
        if start + BATCH >= len(plan):  # the last batch recomputes the days, folding what earlier batches added
            rollup.touch(session, created)
        await session.commit()
        if start == 0 and len(plan) > BATCH:
            await analyze(session, "seizures", "seizure_items")
            await session.commit()
        if progress is not None:
            await progress(min(start + BATCH, len(plan)), len(plan))
    return report


async def _write(session: AsyncSession, operation: Operation, user: User, country: str,
                 batch: list[tuple[str, Group, Any]], existing_items: dict[int, dict[int, Any]], shared: bool) -> None:
    """One transaction: the batch's seizures with all their items, status history and audit events."""
    now = utcnow()
    creates = [g for action, g, _s in batch if action == "create"]
    updates = [(g, s) for action, g, s in batch if action == "update" and s is not None]
    # Bulk writes bypass the ORM, so the daily figures are told which days (old and new) changed, and which seizures
    # are new (their figures are added, see rollup).
    rollup.touch(session, {(operation.id, country, day) for g, s in updates
                           for day in (s["seizure_date"], g.seizure["seizure_date"])})
    new_ids: list[int] = []
    if creates:
        new_ids = await bulk_insert(session, Seizure.__table__, [
            {**g.seizure, "operation_id": operation.id, "reporting_country": country, "status": SeizureStatus.submitted,
             "version": 1, "created_by": user.id, "created_at": now, "updated_at": now,
             "shared_with_participants": shared, "publicity_approved": False} for g in creates], ids=True)
        rollup.add(session, {i: (operation.id, country, g.seizure["seizure_date"])
                             for i, g in zip(new_ids, creates, strict=True)})
    if updates:
        table = Seizure.__table__
        changed = await session.execute(
            update(table).where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
            .values({**{f: bindparam(f"v_{f}") for f in SEIZURE_FIELDS}, "version": bindparam("_version") + 1,
                     "updated_at": now}),
            [{**{f"v_{f}": g.seizure[f] for f in SEIZURE_FIELDS}, "_id": s["id"], "_version": s["version"]}
             for g, s in updates])
        if changed.rowcount not in (-1, len(updates)):
            raise InvalidInput.one("file", _("some of these seizures were changed by someone else during the import; "
                                             "nothing of this batch was saved, upload the sheet again"))
    item_inserts, item_updates = [], []
    for seizure_id, group in [*zip(new_ids, creates, strict=True), *((s["id"], g) for g, s in updates)]:
        for item_no, item in group.items.items():
            values = {c: item[c] for c in ITEM_COLUMNS}
            if item_no in existing_items.get(seizure_id, {}):
                item_updates.append({**values, "_seizure_id": seizure_id, "_item_no": item_no})
            else:
                item_inserts.append({**values, "seizure_id": seizure_id, "item_no": item_no})
    items = SeizureItem.__table__
    await bulk_insert(session, items, item_inserts)
    if item_updates:
        await session.execute(update(items).where(items.c.seizure_id == bindparam("_seizure_id"),
                                                  items.c.item_no == bindparam("_item_no"))
                              .values({c: bindparam(f"v_{c}") for c in ITEM_COLUMNS}),
                              [{**{f"v_{c}": u[c] for c in ITEM_COLUMNS}, "_seizure_id": u["_seizure_id"],
                                "_item_no": u["_item_no"]} for u in item_updates])
    actor_id, actor = session.sync_session.info.get("actor", (user.id, user.email))
    history = [{"seizure_id": i, "at": now, "actor_id": user.id, "actor": user.email, "from_status": None,
                "to_status": SeizureStatus.submitted, "message": _("imported from a sheet")} for i in new_ids]
    await bulk_insert(session, StatusChange.__table__, history)
    # Like the form, every record created or changed has its audit event, with the values before and after.
    await bulk_insert(session, AuditEvent.__table__, [
        {"at": now, "actor_id": actor_id, "actor": actor, "action": "create", "entity": "seizures",
         "entity_id": str(seizure_id), "before": None, "after": _audited(g.seizure, g.items)}
        for seizure_id, g in zip(new_ids, creates, strict=True)] + [
        {"at": now, "actor_id": actor_id, "actor": actor, "action": "update", "entity": "seizures",
         "entity_id": str(s["id"]), "before": _audited(s, existing_items.get(s["id"], {})),
         "after": _audited(g.seizure, {**existing_items.get(s["id"], {}), **g.items})} for g, s in updates])


def _audited(seizure: Any, items: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A seizure's sheet fields and items as the audit log keeps them."""
    return {**{f: _shown(seizure[f]) for f in ("seizure_ref", *SEIZURE_FIELDS)},
            "items": {str(n): {c: items[n][c] for c in ITEM_COLUMNS} for n in sorted(items)}, "source": "sheet"}
