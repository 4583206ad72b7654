"""The demo's documents: briefings and sitreps of the running operation; the closed one's briefings and its
published release, written and approved the way the press office and a coordinator would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.briefings.services import generate
from opsplatform.database import utcnow
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation, OperationMember, Phase
from opsplatform.releases import workflow
from opsplatform.settings import Settings

NARRATIVE = {
    "en": ("Customs, police, wildlife and forestry authorities worked side by side for a month, sharing intelligence "
           "in real time across source, transit and destination countries.\n\nInvestigations continue: several "
           "seizures have already led to arrests further along the supply chain."),
    "fr": ("Les douanes, la police et les services de la faune et des forêts ont travaillé ensemble pendant un mois, "
           "en partageant le renseignement en temps réel entre pays d'origine, de transit et de destination.\n\n"
           "Les enquêtes se poursuivent : plusieurs saisies ont déjà conduit à des arrestations plus loin dans la "
           "chaîne d'approvisionnement."),
    "es": ("Aduanas, policía y autoridades de fauna y forestales trabajaron juntas durante un mes, compartiendo "
           "inteligencia en tiempo real entre países de origen, tránsito y destino.\n\nLas investigaciones continúan: "
           "varios decomisos ya han llevado a detenciones más arriba en la cadena de suministro."),
}
QUOTES = {"en": "“Wildlife crime is organised crime. These results show what countries achieve when they act "
                "together.” — Head of the coordinating team"}


async def load_demo_documents(session: AsyncSession, settings: Settings, press: User,
                              echo: Callable[[str], Any]) -> None:
    """Once per operation, made by its first lead: skipped when the operation already has documents."""
    now = utcnow()
    for operation in (await session.scalars(select(Operation).order_by(Operation.start_date))).all():
        if await session.scalar(select(Artifact.id).where(Artifact.operation_id == operation.id).limit(1)):
            continue
        lead = await session.scalar(select(User).join(OperationMember, OperationMember.user_id == User.id).where(
            OperationMember.operation_id == operation.id, OperationMember.lead).order_by(OperationMember.id))
        coordinator = await policy.member_of(session, lead, operation)
        assert coordinator is not None
        briefed = datetime.combine(operation.start_date - timedelta(days=7), time(9), tzinfo=UTC)
        for edition in ("restricted", "shareable"):
            await generate(session, settings, coordinator, kind="pre", fmt="html", lang="en",
                           edition=edition, now=min(briefed, now))
        if operation.phase == Phase.closed:
            for lang in ("en", "fr"):  # HTML: quick to make; PDF and DOCX are a click away on the documents page
                await generate(session, settings, coordinator, kind="post", fmt="html", lang=lang, now=now)
            await _published_release(session, coordinator, await policy.member_of(session, press, operation), now)
        else:
            for days_ago in (2, 1, 0):
                moment = datetime.combine(now.date() - timedelta(days=days_ago), time(settings.sitrep_hour),
                                          tzinfo=UTC)
                await generate(session, settings, coordinator, kind="sitrep", fmt="html", lang="en",
                               now=min(moment, now))
        await session.commit()
        echo(f"  {operation.code}: briefings{', sitreps' if operation.phase != Phase.closed else ''}"
             f"{' and the published release' if operation.phase == Phase.closed else ''}")


async def _published_release(session: AsyncSession, coordinator: policy.Member, press: policy.Member | None,
                             now: datetime) -> None:
    operation = coordinator.operation
    release = await workflow.release_of(session, operation)
    data = {"version": release.version, "embargo": operation.release_embargo.isoformat() if operation.release_embargo
            else "", "suppress_below": ""}
    for lang, text in NARRATIVE.items():
        data[f"narrative_{lang}"] = text
        data[f"quotes_{lang}"] = QUOTES.get(lang, "")
    await workflow.save_draft(session, release, press or coordinator, data, now)
    await workflow.act(session, coordinator, release, "approve", release.version, now)
    await workflow.act(session, coordinator, release, "publish", release.version, now)
