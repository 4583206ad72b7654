"""A large workbook export as a task (jobs/tasks.py): a workbook cannot be sent before it is whole, and one of tens of
thousands of rows takes seconds to minutes of CPU. The request queues it; a worker process writes it as the member who
asked sees the operation, a batch of rows at a time with its progress, and keeps it in the operation's documents,
where only that member opens it (policy/documents.py) until it is removed a week later.

The slot names who asked and a digest of what (filter, fields, language), so the same workbook asked again while on
its way starts nothing; the filter and fields themselves are the run's `asked`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.audit.recorder import record
from opsplatform.database import utcnow
from opsplatform.documents.services import keep, provenance
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, language, ngettext
from opsplatform.jobs.tasks import Beat, Followed, Refused, TaskKind, acting_member, asked_of, queue, recent_runs
from opsplatform.models.documents import Artifact
from opsplatform.policy import Member
from opsplatform.reporting import exports
from opsplatform.reporting.filters import ResultFilter, read_filter
from opsplatform.settings import Settings

AT_ONCE = 1000  # rows a request writes itself (about a quarter of a second); a larger workbook is a task
KEPT = timedelta(days=7)  # then the workbook is removed: one made again holds the records as they are then
SHOWN = timedelta(days=1)  # how long a failed workbook stays on the page of who asked
ON_THEIR_WAY = 3  # a member's workbooks queued or being written at once
KIND = "export"  # the kept document's kind


@dataclass(frozen=True)
class Asked:
    """A workbook someone asked for: the operation, who, in which language, with which filter and fields."""

    operation_id: int
    user_id: int
    lang: str
    filter: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)

    @property
    def slot(self) -> str:  # at most 34 characters for ids of 7 digits: the slot holds 40
        what = json.dumps([self.lang, self.filter, self.fields], sort_keys=True).encode()
        return f"{self.operation_id}:{self.user_id}:{hashlib.sha256(what).hexdigest()[:16]}"

    @property
    def asked(self) -> dict[str, Any]:
        return {"lang": self.lang, "filter": self.filter, "fields": self.fields}

    @classmethod
    def of(cls, slot: str, asked: dict[str, Any]) -> Asked:
        operation_id, user_id, _digest = slot.split(":")
        return cls(int(operation_id), int(user_id), asked.get("lang", "en"), asked.get("filter", {}),
                   asked.get("fields", []))


async def ask(session: AsyncSession, member: Member, result_filter: ResultFilter, fields: list[str],
              lang: str) -> Asked:
    """Queue the workbook of the records the member sees under the filter, in the caller's transaction; the same
    workbook already on its way is kept. Refused (InvalidInput) while ON_THEIR_WAY others of the member's are: the
    task workers are shared with everyone's sheets and briefings."""
    asked = Asked(member.operation.id, member.user.id, lang, result_filter.as_params(), fields)
    others = [w for w in await writings(session, member, utcnow()) if w.active and w.run.slot != asked.slot]
    if len(others) >= ON_THEIR_WAY:
        raise InvalidInput.one("workbook", ngettext(
            "%(num)s of your workbooks is still being written: ask for another once it is ready",
            "%(num)s of your workbooks are still being written: ask for another once one is ready", len(others),
            num=len(others)))
    await queue(session, WORKBOOK.name, asked.slot, asked=asked.asked)
    return asked


async def writings(session: AsyncSession, member: Member, now: datetime) -> list[Followed[Asked]]:
    """The member's workbooks in the operation that are on their way or failed in the last day, oldest first."""
    runs = await recent_runs(session, WORKBOOK.name, f"{member.operation.id}:{member.user.id}:", now, SHOWN)
    return [Followed(Asked.of(run.slot, run.asked or {}), run) for run in runs]


async def write(session: AsyncSession, _settings: Settings, slot: str, beat: Beat) -> int:
    """Write the workbook asked for a batch of rows at a time, beating after each, and keep it; returns its rows."""
    asked = Asked.of(slot, await asked_of(session, WORKBOOK.name, slot))
    with language(asked.lang):
        member = await acting_member(session, asked.user_id, asked.operation_id, "view_records")
        if member is None:
            raise Refused(_("you may no longer read the records of this operation"))
        as_of = utcnow()
        query = exports.export_query(member, await read_filter(session, asked.filter), asked.fields)
        total = await exports.count_rows(session, query)
        await beat(0, total)
        book, done, digest = exports.Workbook(asked.fields), 0, hashlib.sha256()
        async for batch in exports.batches(session, query):
            book.add(batch)
            digest.update(json.dumps(batch, default=str).encode())
            done += len(batch)
            await beat(done, total)
        await keep(session, member.operation, kind=KIND, edition=None, language=asked.lang, fmt="xlsx",
                   filename=f"{member.operation.code}-seizures.xlsx", content=book.content(),
                   source=provenance(digest.hexdigest(), as_of=as_of, user=member.user, counts={"rows": done}),
                   scope=policy.document_scope(member))
    await session.commit()
    return done


async def stopped(_session: AsyncSession, _slot: str, _why: str) -> None:
    """Nothing to undo: a workbook is kept in the one transaction that ends its writing; the run says why not."""


async def purge_workbooks(session: AsyncSession, _settings: Settings, now: datetime) -> int:
    """Remove the workbooks kept longer than KEPT, each removal in the audit log; returns how many."""
    old = (await session.execute(select(Artifact.id, Artifact.operation_id, Artifact.filename, Artifact.generated_by)
                                 .where(Artifact.kind == KIND, Artifact.created_at <= now - KEPT))).all()
    await session.execute(delete(Artifact).where(Artifact.id.in_([row.id for row in old])))
    for row in old:
        record(session, "delete", Artifact.__tablename__, str(row.id), {
            "kind": KIND, "operation_id": row.operation_id, "filename": row.filename,
            "generated_by": row.generated_by}, None)
    await session.commit()
    return len(old)


WORKBOOK = TaskKind("workbook", write, stopped)
KINDS = {WORKBOOK.name: WORKBOOK}
