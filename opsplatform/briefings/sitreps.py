"""The daily sitrep job: each operation that is running gets its sitrep compiled once a day and e-mailed to the
coordinators who follow it, in their language; the sitrep is kept in the operation's documents."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.briefings.services import generate
from opsplatform.i18n import _, language
from opsplatform.mail.outbox import queue_mail
from opsplatform.models.auth import Role, User
from opsplatform.models.operations import Operation, Phase
from opsplatform.settings import Settings


async def send_sitreps(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Returns how many coordinators were sent a sitrep. Each audience (language, network) gets its own edition,
    compiled as that audience sees the records."""
    sent = 0
    running = (await session.scalars(select(Operation).where(
        Operation.phase.in_((Phase.active, Phase.reporting))).order_by(Operation.id))).all()
    for operation in running:
        audiences: defaultdict[tuple[str, str | None], list[User]] = defaultdict(list)
        for user in (await session.scalars(select(User).where(User.id.in_(policy.operation_coordinators(operation.id)))
                                           .order_by(User.id))).all():
            audiences[(user.language, user.network_code)].append(user)
        for (lang, network), users in sorted(audiences.items(), key=lambda a: (a[0][0], a[0][1] or "")):
            compiler = User(id=None, email="scheduler", name="scheduler", role=Role.coordinator, network_code=network)
            member = await policy.member_of(session, compiler, operation)
            assert member is not None  # an actor without an account is in every operation
            artifact = await generate(session, settings, member, kind="sitrep", fmt="html", lang=lang, now=now)
            link = f"{settings.public_base_url}/documents/{artifact.id}"
            counts = artifact.record_counts
            with language(lang):
                subject = _("Sitrep %(operation)s, %(day)s: %(new)s new seizures", operation=operation.code,
                            day=now.date().isoformat(), new=counts["new_seizures"])
                text = _("The daily situation report of %(name)s: %(new)s new seizures, %(total)s in all, "
                         "%(reporting)s countries reporting. Read it in the browser: %(link)s",
                         name=operation.name, new=counts["new_seizures"], total=counts["seizures"],
                         reporting=counts["countries_reporting"], link=link)
            for user in users:
                queue_mail(session, user.email, subject, text, artifact.content.decode(), now=now)
                sent += 1
    await session.commit()
    return sent
