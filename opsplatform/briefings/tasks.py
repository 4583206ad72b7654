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

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import utcnow
from opsplatform.i18n import _, language
from opsplatform.jobs.tasks import Beat, Followed, Refused, TaskKind, acting_member, queue, recent_runs
from opsplatform.models.auth import User
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


async def ask(session: AsyncSession, member: Member, *, kind: str, fmt: str, lang: str,
              edition: str | None) -> Asked:
    """Check the choice as generating does (an InvalidInput names the field) and queue its generation, in the caller's
    transaction; the same choice already on its way is kept."""
    from opsplatform.briefings.services import check_request

    asked = Asked(member.operation.id, member.user.id, kind, fmt, lang, check_request(kind, fmt, lang, edition))
    await queue(session, GENERATE.name, asked.slot)
    return asked


async def generations(session: AsyncSession, member: Member, now: datetime) -> list[Followed[Asked]]:
    """The member's generations in the operation that are on their way or failed in the last day, oldest first."""
    runs = await recent_runs(session, GENERATE.name, f"{member.operation.id}:{member.user.id}:", now, SHOWN)
    return [Followed(Asked.of(run.slot), run) for run in runs]


async def _acting(session: AsyncSession, settings: Settings, asked: Asked) -> Member:
    """Who asked, as a member of the operation now and still allowed to generate."""
    member = await acting_member(session, asked.user_id, asked.operation_id, "generate_briefings")
    if member is None:
        user = await session.get(User, asked.user_id)
        with language((user.language if user is not None else None) or settings.default_language):
            raise Refused(_("you may no longer generate documents in this operation"))
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
