"""Seizure sheet import: every row through the one validator; good rows kept when others are bad; a re-upload
updates by `seizure_ref` + `item_no` and never duplicates, and a column the sheet lacks or an empty Ecomessage cell
keeps what the record holds; written in batches so a crash never half-writes a seizure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks
from opsplatform.database import analyze, bulk_insert, utcnow
from opsplatform.errors import InvalidInput
from opsplatform.figures import upkeep
from opsplatform.i18n import _
from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation
from opsplatform.models.reference import Country, Unit
from opsplatform.models.seizures import Seizure, SeizureItem, SeizureStatus, StatusChange
from opsplatform.models.vocabulary import CASE_FIELDS, REPORT_FIELDS, SEIZURE_FIELDS, SPECIMEN_FIELDS
from opsplatform.policy import Member
from opsplatform.reference.units import normalise
from opsplatform.seizures.services import refuse_if_locked, shared_by_default
from opsplatform.seizures.sheets import COLUMNS, DEFAULT_LIMITS, RowProblem, SheetError, SheetLimits, read_rows
from opsplatform.seizures.validation import MAX_ITEMS, Reference, check_item, check_seizure

ITEM_COLUMNS = ("taxon_id", "term_code", "quantity", "unit_code", "normalised_unit", "normalised_quantity",
                "estimated_value", "currency", *SPECIMEN_FIELDS)
BATCH = 500  # seizures per transaction
READ_BEAT = 5000  # rows read between two signs of progress while checking
MAX_PROBLEMS = 5000  # rejected rows told: a sheet whose every row is wrong needs its first ones fixed first


class Progress(Protocol):
    """Who follows an import: told every READ_BEAT rows read, and in each batch's transaction what it saved."""

    async def read(self, rows: int) -> None: ...

    async def saved(self, session: AsyncSession, done: int, total: int, report: ImportReport) -> None: ...


@dataclass
class ImportReport:
    """Counts and problem lines, one line per rejected row (`row N: column: problem`, further problems of the row
    after `; `); once writing, `created` and `updated` count what is committed."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lines: dict[int, str] = field(default_factory=dict)  # by row number
    rejected_rows: set[int] = field(default_factory=set)
    untold: int = 0  # rejected rows beyond MAX_PROBLEMS, counted only

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def accepted(self) -> int:
        return self.rows - self.rejected

    @property
    def problems(self) -> list[str]:
        return [self.lines[row] for row in sorted(self.lines)]

    def reject(self, row: int, column: str, message: str) -> None:
        self.rejected_rows.add(row)
        if row in self.lines:
            self.lines[row] += "; " + _("%(column)s: %(problem)s", column=column, problem=message)
        elif len(self.lines) < MAX_PROBLEMS:
            self.lines[row] = _("row %(row)s: %(column)s: %(problem)s", row=row, column=column, problem=message)
        else:
            self.untold += 1

    def told(self) -> list[str]:
        """The problem lines as kept and shown, with how many more rejected rows there were."""
        more = [_("…and %(n)s more rejected rows: correct these rows and check the sheet again to see them",
                  n=self.untold)] if self.untold else []
        return [*self.problems, *more]


@dataclass(slots=True)
class Group:
    """The rows of one seizure_ref: seizure-level values (FIELDS order) from its first good row, and its items as
    (item_no, *values in ITEM_COLUMNS order). Tuples, not dicts: a 200,000-row sheet is held whole while it is checked,
    in a worker that has 300 MB."""

    first_row: int
    seizure: tuple[Any, ...]
    items: tuple[tuple[Any, ...], ...] = ()

    def numbered(self) -> dict[int, tuple[Any, ...]]:
        return {item[0]: item[1:] for item in self.items}

    def over(self, current: Stored, unsaid: Unsaid) -> None:
        """Its values laid over the stored seizure's: where the sheet leaves a value unsaid, the stored one stays."""
        self.seizure = _over(self.seizure, current.seizure, KEPT, unsaid.fields)
        self.items = tuple((item[0], *unsaid.item(item[1:], current.items.get(item[0]))) for item in self.items)

    @property
    def ref(self) -> str:
        return self.seizure[0]


FIELDS = ("seizure_ref", *SEIZURE_FIELDS, *REPORT_FIELDS, *CASE_FIELDS)  # a Group's seizure tuple: reference first
# Where an empty cell keeps the stored value: the annual report's and the Ecomessage's columns, which sheets made
# before them lack.
KEPT = frozenset(FIELDS.index(f) for f in (*REPORT_FIELDS, *CASE_FIELDS))
ITEM_KEPT = frozenset(ITEM_COLUMNS.index(f) for f in SPECIMEN_FIELDS)
# Values given both or neither: a sheet with a column of the pair says both, so a pair is never half kept.
PAIRS = (frozenset({"latitude", "longitude"}), frozenset({"estimated_value", "currency"}))
QUANTITY, UNIT, NORMALISED_UNIT, NORMALISED_QUANTITY = (ITEM_COLUMNS.index(c) for c in (
    "quantity", "unit_code", "normalised_unit", "normalised_quantity"))


@dataclass(frozen=True, slots=True)
class Unsaid:
    """What a re-uploaded sheet leaves as the record holds it: every field of a column the sheet lacks, so that a
    sheet of fewer columns never wipes what the form or the API recorded, and an empty cell of a KEPT column. An
    empty cell of any other column clears its field."""

    fields: frozenset[int]  # FIELDS positions of the columns the sheet lacks
    item_fields: frozenset[int]  # ITEM_COLUMNS positions likewise
    units: dict[str, Unit] | None  # without a unit column: to read a stored item's quantity in the unit it has

    @classmethod
    def of(cls, columns: Collection[str], units: dict[str, Unit]) -> Unsaid:
        said = set(columns).union(*(pair for pair in PAIRS if pair & set(columns)))
        absent = [column for column in COLUMNS if column not in said]
        return cls(frozenset(FIELDS.index(c) for c in absent if c in FIELDS),
                   frozenset(ITEM_COLUMNS.index(c) for c in absent if c in ITEM_COLUMNS),
                   None if "unit" in columns else units)

    def item(self, sent: tuple[Any, ...], stored: tuple[Any, ...] | None) -> tuple[Any, ...]:
        if stored is None:
            return sent
        laid = _over(sent, stored, ITEM_KEPT, self.item_fields)
        if self.units is None:
            return laid
        values = list(laid)  # the quantity is in the unit the item has
        values[UNIT] = stored[UNIT]
        values[NORMALISED_UNIT], values[NORMALISED_QUANTITY] = normalise(values[QUANTITY],
                                                                         self.units.get(stored[UNIT] or ""))
        return tuple(values)


def _over(sent: tuple[Any, ...], stored: tuple[Any, ...] | None, kept: frozenset[int],
          absent: frozenset[int]) -> tuple[Any, ...]:
    if stored is None:
        return sent
    return tuple(stored[i] if i in absent or value is None and i in kept else value for i, value in enumerate(sent))


def _shown(value: Any) -> str:
    return ";".join(value) if isinstance(value, list) else "" if value is None else str(value)


async def check_rows(ref: Reference, operation: Operation, rows: Iterable[tuple[int, dict[str, str] | RowProblem]],
                     report: ImportReport, progress: Progress | None = None) -> dict[str, Group]:
    """Validate every row; group the good ones by seizure_ref, refusing rows that contradict their seizure."""
    groups: dict[str, Group] = {}
    seen: dict[str, int] = {}
    shared: dict[Any, Any] = {}
    last_key: tuple[str, ...] | None = None
    for number, values in rows:
        report.rows += 1
        if progress is not None and report.rows % READ_BEAT == 0:
            await progress.read(report.rows)
        if values.__class__ is RowProblem:
            report.reject(number, values.column, values.problem)
            continue
        # What no field takes (the gate refuses it in forms and the API): one search of the row, then its cells.
        if checks.UNWRITABLE.search("".join(v for v in values.values() if v.__class__ is str)):
            for name, value in values.items():
                if value.__class__ is str and (problem := checks.character_problem(value)):
                    report.reject(number, name, problem)
            continue
        # Without item_no, a seizure's rows are its items 1, 2, … in sheet order (stable on re-upload).
        named = checks.reference(values["seizure_ref"])  # as check_seizure reads it: the group's key
        position = seen[named] = seen.get(named, 0) + 1
        # A seizure's rows repeat its seizure-level values, usually one after the other: check each run once.
        key = tuple(values[f] for f in FIELDS)
        if key != last_key:
            last_key, (checked, errors) = key, check_seizure(ref, operation, values)
            seizure = tuple(_shared(shared, checked[f]) for f in FIELDS)
        item, item_errors = check_item(ref, values)
        for error in errors + item_errors:
            report.reject(number, error.field, error.message)
        if errors or item_errors:
            continue
        item_no = item["item_no"] or position
        group = groups.setdefault(seizure[0], Group(number, seizure))
        differing = [i for i, f in enumerate(FIELDS) if group.seizure[i] != seizure[i]]
        if differing:
            for i in differing:
                report.reject(number, FIELDS[i], _('differs from row %(row)s of the same seizure_ref ("%(a)s" there, '
                                                   '"%(b)s" here)', row=group.first_row, a=_shown(group.seizure[i]),
                                                   b=_shown(seizure[i])))
        elif any(kept[0] == item_no for kept in group.items):
            report.reject(number, "item_no", _("item %(n)s of %(ref)s appears twice in the sheet", n=item_no,
                                               ref=group.ref))
        elif len(group.items) >= MAX_ITEMS:
            report.reject(number, "item_no", _("%(ref)s already has %(n)s items, the most a seizure has; give the "
                                               "others another seizure_ref", ref=group.ref, n=MAX_ITEMS))
        else:
            group.items = (*group.items, (item_no, *(item[c] for c in ITEM_COLUMNS)))
    return groups


def _shared(pool: dict[Any, Any], value: Any) -> Any:
    """One object for the equal lists and dates of a sheet (few distinct ones, repeated on every row); never changed
    once checked."""
    if value.__class__ is list:
        return pool.setdefault((list, *value), value)
    if value.__class__ is date:
        return pool.setdefault(value, value)
    return value


@dataclass(slots=True)
class Stored:
    """A seizure already recorded: what a re-upload compares with and updates under its version."""

    id: int
    version: int
    seizure: tuple[Any, ...]  # FIELDS order
    items: dict[int, tuple[Any, ...]]


async def stored(session: AsyncSession, operation: Operation, country: str, refs: list[str]) -> dict[str, Stored]:
    """The country's seizures in the operation with these references, read as plain rows."""
    seizures, items = Seizure.__table__, SeizureItem.__table__
    found = {row[2]: Stored(row[0], row[1], tuple(row[2:]), {}) for row in await session.execute(
        select(seizures.c.id, seizures.c.version, *(seizures.c[f] for f in FIELDS)).where(
            seizures.c.operation_id == operation.id, seizures.c.reporting_country == country,
            seizures.c.seizure_ref.in_(refs)))}
    by_id = {s.id: s for s in found.values()}
    if found:
        for row in await session.execute(select(items.c.seizure_id, items.c.item_no,
                                                *(items.c[c] for c in ITEM_COLUMNS))
                                         .where(items.c.seizure_id.in_(list(by_id)))):
            by_id[row[0]].items[row[1]] = tuple(row[2:])
    return found


async def import_sheet(session: AsyncSession, member: Member, country: str, content: bytes, filename: str, *,
                       limits: SheetLimits = DEFAULT_LIMITS, dry_run: bool = False, progress: Progress | None = None,
                       locale: str | None = None) -> ImportReport:
    """Import a seizure sheet for `country` (one the member logs for: see `reporting_country`); returns counts and one
    problem line per bad row. A dry run only counts what an import would create, update and leave unchanged. Its typed
    numbers and dates are read in `locale` (a Babel name), by default as the reporting country writes them."""
    operation, user = member.operation, member.user
    refuse_if_locked(member, None)
    report = ImportReport()
    reference, columns = await Reference.load(session), set[str]()
    try:
        with checks.read_in(locale or await sheet_locale(session, country)):
            groups = await check_rows(reference, operation, read_rows(content, filename, limits, columns), report,
                                      progress)
    except SheetError as exc:
        raise InvalidInput.one("file", str(exc)) from exc
    unsaid = Unsaid.of(columns, reference.units)
    del content  # read: its memory (up to 60 MB) is better spent writing
    shared = await shared_by_default(session, operation, country)
    # A batch at a time: its stored seizures read, compared and written in one transaction, so that neither the
    # country's records nor the plan are ever held whole beside the sheet.
    refs = list(groups)
    for start in range(0, len(refs), BATCH):
        chunk = [groups.pop(ref) for ref in refs[start:start + BATCH]]
        existing = await stored(session, operation, country, [g.ref for g in chunk])
        for group in chunk:
            if group.ref in existing:
                group.over(existing[group.ref], unsaid)
        batch = [(g, existing.get(g.ref)) for g in chunk if _changes(g, existing.get(g.ref))]
        report.unchanged += len(chunk) - len(batch)
        created = sum(1 for _g, current in batch if current is None)
        if not dry_run:
            await _write(session, operation, user, country, batch, shared)
        report.created, report.updated = report.created + created, report.updated + len(batch) - created
        if progress is not None and not dry_run:  # in the batch's transaction: the counts told are those committed
            await progress.saved(session, min(start + BATCH, len(refs)), len(refs), report)
        await session.commit()
        if start == 0 and len(refs) > BATCH and not dry_run:
            await analyze(session, "seizures", "seizure_items")
            await session.commit()
    return report


async def sheet_locale(session: AsyncSession, country: str) -> str:
    """How the reporting country writes numbers and dates, where the sender chose no language for the sheet."""
    alpha2 = await session.scalar(select(Country.alpha2).where(Country.alpha3 == country))
    return checks.country_locale(alpha2) if alpha2 else "en"


def _changes(group: Group, current: Stored | None) -> bool:
    """Whether the sheet's seizure is new or differs from the one stored (items not in the sheet are kept)."""
    return current is None or current.seizure != group.seizure or any(
        current.items.get(item[0]) != item[1:] for item in group.items)


async def _write(session: AsyncSession, operation: Operation, user: User, country: str,
                 batch: list[tuple[Group, Stored | None]], shared: bool) -> None:
    """One transaction: the batch's seizures with all their items, status history and audit events."""
    now = utcnow()
    creates = [g for g, current in batch if current is None]
    updates = [(g, current) for g, current in batch if current is not None]
    # Bulk writes bypass the ORM, so the figures are told: the changed seizures' figures are taken out before and
    # added after, the new ones' added (see upkeep).
    if updates:
        await upkeep.retract(session, [s.id for _g, s in updates])
        upkeep.add(session, [s.id for _g, s in updates])
    new_ids: list[int] = []
    if creates:
        new_ids = await bulk_insert(session, Seizure.__table__, [
            {**dict(zip(FIELDS, g.seizure, strict=True)), "operation_id": operation.id, "reporting_country": country,
             "status": SeizureStatus.submitted, "version": 1, "created_by": user.id, "created_at": now,
             "updated_at": now, "shared_with_participants": shared, "publicity_approved": False} for g in creates],
            ids=True)
        upkeep.add(session, new_ids)
    if updates:
        table = Seizure.__table__
        changed = await session.execute(
            update(table).where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
            .values({**{f: bindparam(f"v_{f}") for f in FIELDS[1:]}, "version": bindparam("_version") + 1,
                     "updated_at": now}),
            [{**{f"v_{f}": v for f, v in zip(FIELDS, g.seizure, strict=True) if f != "seizure_ref"}, "_id": s.id,
              "_version": s.version} for g, s in updates])
        if changed.rowcount not in (-1, len(updates)):
            raise InvalidInput.one("file", _("some of these seizures were changed by someone else during the import; "
                                             "nothing of this batch was saved, upload the sheet again"))
    item_inserts, item_updates = [], []
    for seizure_id, group, current in [*((i, g, None) for i, g in zip(new_ids, creates, strict=True)),
                                       *((s.id, g, s) for g, s in updates)]:
        for item_no, *item in group.items:
            values = dict(zip(ITEM_COLUMNS, item, strict=True))
            if current is not None and item_no in current.items:
                item_updates.append({**{f"v_{c}": v for c, v in values.items()}, "_seizure_id": seizure_id,
                                     "_item_no": item_no})
            else:
                item_inserts.append({**values, "seizure_id": seizure_id, "item_no": item_no})
    items = SeizureItem.__table__
    await bulk_insert(session, items, item_inserts)
    if item_updates:
        await session.execute(update(items).where(items.c.seizure_id == bindparam("_seizure_id"),
                                                  items.c.item_no == bindparam("_item_no"))
                              .values({c: bindparam(f"v_{c}") for c in ITEM_COLUMNS}), item_updates)
    actor_id, actor = session.sync_session.info.get("actor", (user.id, user.email))
    history = [{"seizure_id": i, "at": now, "actor_id": user.id, "actor": user.email, "from_status": None,
                "to_status": SeizureStatus.submitted, "message": _("imported from a sheet")} for i in new_ids]
    await bulk_insert(session, StatusChange.__table__, history)
    # Like the form, every record created or changed has its audit event, with the values before and after.
    await bulk_insert(session, AuditEvent.__table__, [
        {"at": now, "actor_id": actor_id, "actor": actor, "action": "create", "entity": "seizures",
         "entity_id": str(seizure_id), "before": None, "after": _audited(g.seizure, g.numbered())}
        for seizure_id, g in zip(new_ids, creates, strict=True)] + [
        {"at": now, "actor_id": actor_id, "actor": actor, "action": "update", "entity": "seizures",
         "entity_id": str(s.id), "before": _audited(s.seizure, s.items),
         "after": _audited(g.seizure, {**s.items, **g.numbered()})} for g, s in updates])


def _audited(seizure: tuple[Any, ...], items: dict[int, tuple[Any, ...]]) -> dict[str, Any]:
    """A seizure's sheet fields and items as the audit log keeps them."""
    return {**{f: _shown(v) for f, v in zip(FIELDS, seizure, strict=True)},
            "items": {str(n): dict(zip(ITEM_COLUMNS, items[n], strict=True)) for n in sorted(items)}, "source": "sheet"}
