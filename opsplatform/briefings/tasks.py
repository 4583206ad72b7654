"""Generating a briefing from the documents page as a task (jobs/tasks.py): the request checks the choice and queues
it; a worker process generates it as the member who asked sees the operation, and keeps it in the operation's
documents; the page follows its progress. The slot names who asked and what (operation, member, kind, format,
language, the pre-operation briefing's edition), so the same choice asked again while on its way starts nothing.

The worker checks the asker's access again when it runs: a role, a team or an account may have changed since. The
renderers (WeasyPrint, matplotlib) are imported only by a worker that draws, not by every worker. Scheduled sitreps
and the command line still generate at once (briefings/services.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.database import utcnow
from opsplatform.i18n import _, language
from opsplatform.jobs.tasks import ERROR, QUEUED, RUNNING, Beat, Refused, TaskKind, queue
from opsplatform.models.auth import User
from opsplatform.models.jobs import JobRun
from opsplatform.models.operations import Operation
from opsplatform.policy import Member
from opsplatform.settings import Settings

SHOWN = timedelta(days=1)  # how long a failed generation stays on the page of who asked


@dataclass(frozen=True)
class Asked:
    """A generation someone asked for, as the slot of its task holds it (at most 38 characters for ids of 7 digits:
    the slot holds 40)."""

    operation_id: int
    user_id: int
    kind: str
    fmt: str
    lang: str
    edition: str | None = None

    @property
    def slot(self) -> str:
        slot = f"{self.operation_id}:{self.user_id}:{self.kind}:{self.fmt}:{self.lang}"
        return f"{slot}:{self.edition}" if self.edition else slot

    @classmethod
    def of(cls, slot: str) -> Asked:
        operation_id, user_id, kind, fmt, lang, *edition = slot.split(":")
        return cls(int(operation_id), int(user_id), kind, fmt, lang, edition[0] if edition else None)


@dataclass(frozen=True)
class Generation:
    """What the documents page shows of a generation on its way, or failed lately: what was asked and its run."""

    asked: Asked
    run: JobRun

    @property
    def active(self) -> bool:
        return self.run.outcome in (QUEUED, RUNNING)

    @property
    def reason(self) -> str:
        """Why it failed, for who asked: a refusal says it in a sentence; otherwise the run holds the name of the
        error (its message may quote the data) or the reaper's "stopped"."""
        error = self.run.error or ""
        if error == "stopped":
            return _("its worker stopped before the end")
        if error.isidentifier():
            return _("an error (%(error)s); generate it again, and tell an administrator if it happens again",
                     error=error)
        return error


async def ask(session: AsyncSession, member: Member, *, kind: str, fmt: str, lang: str,
              edition: str | None) -> Asked:
    """Check the choice as generating does (an InvalidInput names the field) and queue its generation, in the caller's
    transaction; the same choice already on its way is kept."""
    from opsplatform.briefings.services import check_request

    asked = Asked(member.operation.id, member.user.id, kind, fmt, lang, check_request(kind, fmt, lang, edition))
    await queue(session, GENERATE.name, asked.slot)
    return asked


async def generations(session: AsyncSession, member: Member, now: datetime) -> list[Generation]:
    """The member's generations in the operation that are on their way or failed in the last day, oldest first."""
    runs = (await session.scalars(select(JobRun).where(
        JobRun.job == GENERATE.name, JobRun.slot.startswith(f"{member.operation.id}:{member.user.id}:"),
        or_(JobRun.outcome.in_((QUEUED, RUNNING)), and_(JobRun.outcome == ERROR, JobRun.finished_at > now - SHOWN)))
        .order_by(JobRun.id))).all()
    return [Generation(Asked.of(run.slot), run) for run in runs]


async def _acting(session: AsyncSession, settings: Settings, asked: Asked) -> Member:
    """Who asked, as a member of the operation now and still allowed to generate; their changes are theirs in the
    audit log."""
    user = await session.get(User, asked.user_id)
    operation = await session.get(Operation, asked.operation_id)
    member = await policy.member_of(session, user, operation) \
        if user is not None and user.is_active and operation is not None else None
    if member is None or not policy.may(member, "generate_briefings"):
        with language((user.language if user is not None else None) or settings.default_language):
            raise Refused(_("you may no longer generate documents in this operation"))
    session.sync_session.info["actor"] = (member.user.id, member.user.email)
    return member


async def generate(session: AsyncSession, settings: Settings, slot: str, beat: Beat) -> int:
    """Generate and keep the document asked for, beating at each step (data gathered, rendered, converted)."""
    from opsplatform.briefings import services  # the renderers: only in a worker that draws

    asked = Asked.of(slot)
    member = await _acting(session, settings, asked)

    async def step(done: int) -> None:
        await beat(done, services.STEPS)

    await services.generate(session, settings, member, kind=asked.kind, fmt=asked.fmt, lang=asked.lang,
                            edition=asked.edition, now=utcnow(), progress=step)
    await session.commit()
    return services.STEPS


async def stopped(_session: AsyncSession, _slot: str, _why: str) -> None:
    """Nothing to undo: a document is kept in the one transaction that ends its generation; the run says why not."""


GENERATE = TaskKind("briefing", generate, stopped)
KINDS = {GENERATE.name: GENERATE}
