"""Follow-up to prosecution: countries record each step of a case with its date and the disposal of the specimens,
also after the operation closed, and the funnel from seizures to convictions is counted per country."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, dates, policy
from opsplatform.database import utcnow
from opsplatform.errors import FieldError, InvalidInput, NotAllowed
from opsplatform.figures.consent import fold_unnamed
from opsplatform.i18n import _
from opsplatform.models.auth import User
from opsplatform.models.cases import CaseEvent
from opsplatform.models.operations import Phase
from opsplatform.models.seizures import Seizure, SeizureStatus, counted
from opsplatform.models.vocabulary import CASE_STAGES
from opsplatform.policy import Member
from opsplatform.seizures.validation import check_disposal

RANK = {stage: n for n, stage in enumerate(CASE_STAGES, start=1)}


def _rank(stage: str | None) -> int:
    return RANK.get(stage or "", 0)


async def record_case_event(session: AsyncSession, member: Member, seizure: Seizure, raw: dict[str, Any],
                            today: date | None = None) -> CaseEvent:
    """Add a step to a record's case; its case_status becomes the furthest stage reached.

    Unlike corrections of the record, follow-up stays open to the reporting country after the operation closed:
    prosecutions take months.
    """
    user = member.user
    _refuse_follow_up(member, seizure)
    today = today or utcnow().date()
    errors: list[FieldError] = []
    stage = checks.text(raw.get("stage"))
    if stage not in RANK:
        errors.append(FieldError("stage", _("must be one of %(values)s", values=", ".join(CASE_STAGES))))
    day_text = checks.text(raw.get("date"))
    if (day := dates.day(day_text)) is None:
        errors.append(FieldError("date", dates.day_problem(day_text)))
    if day is not None and not seizure.seizure_date <= day <= today:
        errors.append(FieldError("date", _("must be between the seizure (%(start)s) and today (%(end)s)",
                                           start=seizure.seizure_date.isoformat(), end=today.isoformat())))
    note = checks.text(raw.get("note"))
    if len(note) > 2000:
        errors.append(FieldError("note", _("must be at most %(n)s characters", n=2000)))
    if errors:
        raise InvalidInput(errors)
    assert day is not None
    event = CaseEvent(seizure_id=seizure.id, stage=stage, day=day, note=note or None, created_by=user.id)
    session.add(event)
    if _rank(stage) > _rank(seizure.case_status):
        seizure.case_status = stage
        seizure.version += 1
        seizure.updated_at = utcnow()
    await session.flush()
    return event


async def record_disposal(session: AsyncSession, member: Member, seizure: Seizure, raw: dict[str, Any]) -> Seizure:
    """What became of the record's confiscated specimens (the annual illegal trade report's disposal), or empty when
    not yet decided. Open after the operation closed, as the rest of the follow-up: a court may hold them for years."""
    _refuse_follow_up(member, seizure)
    disposal, errors = check_disposal(raw)
    if errors:
        raise InvalidInput(errors)
    if disposal != seizure.disposal:
        seizure.disposal = disposal
        seizure.version += 1
        seizure.updated_at = utcnow()
    await session.flush()
    return seizure


def _refuse_follow_up(member: Member, seizure: Seizure) -> None:
    if not (policy.may(member, "follow_up") and policy.may_change(member, seizure)):
        raise NotAllowed(_("only the reporting country's focal points or a coordinator follow a case up"))
    if member.operation.phase in (Phase.draft, Phase.planning):
        raise InvalidInput.one("operation", _("cases are followed up once the operation is active"))
    if seizure.status == SeizureStatus.withdrawn:
        raise InvalidInput.one("seizure", _("a withdrawn record has no case to follow up"))


async def case_events(session: AsyncSession, seizure: Seizure) -> list[tuple[CaseEvent, str | None]]:
    """A record's case events in the order they happened, with who recorded each."""
    return [tuple(row) for row in (await session.execute(
        select(CaseEvent, User.name).outerjoin(User, User.id == CaseEvent.created_by)
        .where(CaseEvent.seizure_id == seizure.id).order_by(CaseEvent.day, CaseEvent.id))).all()]


def case_event_json(event: CaseEvent, recorded_by: str | None) -> dict[str, Any]:
    return {"id": event.id, "stage": event.stage, "date": event.day.isoformat(), "note": event.note,
            "recorded_by": recorded_by, "recorded_at": event.created_at.isoformat()}


async def followup_funnel(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The funnel from seizures to convictions, per country, for the follow-up page and the post-operation briefing.

    One dict per country, then one with `"country": "total"`:
    `{"country": "KEN", "seizures": 40, "investigation": 31, "charges": 12, "prosecution": 9, "conviction": 5,
    "sentence": 4, "asset_forfeiture": 1}`. `seizures` counts the operation's counted seizures (`counted()`: a
    shipment linked as seen by two countries counts once); each stage counts those whose case reached it or a
    later stage (the seizure's `case_status`), so the numbers only fall from left to right. Countries appear as the
    user may see them in figures (`policy.aggregate_access`): a press officer gets only countries that consented to
    publicity, and those that did not consent to be named are added up as `"other"`. Ordered by seizures, most first.
    """
    # Counted per country and case status (from the slice index alone), then summed stage by stage here: a sum of
    # ranks in SQL read every record's row and ranked each six times.
    rows = (await session.execute(
        select(Seizure.reporting_country, Seizure.case_status, func.count())
        .where(Seizure.operation_id == member.operation.id, counted(), policy.aggregate_access(member))
        .group_by(Seizure.reporting_country, Seizure.case_status))).all()
    by_country: dict[str, dict[str, int]] = {}
    for country, status, n in rows:
        entry = by_country.setdefault(country, {"country": country, "seizures": 0, **dict.fromkeys(CASE_STAGES, 0)})
        entry["seizures"] += n
        for stage in CASE_STAGES[:_rank(status)]:  # a case that reached a stage passed every one before it
            entry[stage] += n
    entries = list(by_country.values())
    entries = await fold_unnamed(session, member, entries, ("seizures", *CASE_STAGES))
    entries.sort(key=lambda e: (e["country"] == "other", -e["seizures"], e["country"]))
    total = {"country": "total", **{k: sum(e[k] for e in entries) for k in ("seizures", *CASE_STAGES)}}
    return [*entries, total]
