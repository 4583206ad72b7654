"""Seizures: create, correct (with the version read), withdraw, validate or query, answer."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, crypto, policy
from opsplatform.audit.recorder import insert_audited
from opsplatform.database import advance_version, utcnow
from opsplatform.errors import InvalidInput, NotAllowed
from opsplatform.figures import upkeep
from opsplatform.i18n import N_, _
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.seizures import (
    COMPANY_NOMINAL,
    SEIZURE_NOMINAL,
    SUSPECT_NOMINAL,
    Seizure,
    SeizureCompany,
    SeizureItem,
    SeizureStatus,
    StatusChange,
    Suspect,
)
from opsplatform.models.vocabulary import COMPANY_FIELDS, SPECIMEN_FIELDS, SUSPECT_FIELDS
from opsplatform.notifications.services import notify
from opsplatform.operations.focal_points import country_focal_points
from opsplatform.operations.services import logging_refusal
from opsplatform.policy import Member
from opsplatform.seizures import events
from opsplatform.seizures.nominal import sealed
from opsplatform.seizures.shapes import Parts, seizure_fields
from opsplatform.seizures.submission import ENTRY_STATUSES, check_submission
from opsplatform.seizures.validation import Reference
from opsplatform.settings import Settings


async def reporting_country(session: AsyncSession, member: Member, raw: dict[str, Any]) -> str:
    """The country a member logs for: a focal point its own; a coordinator names `reporting_country`, one of the
    participants it reaches."""
    if own := policy.own_country(member):
        return own
    country = checks.text(raw.get("reporting_country")).upper()
    if not country:
        raise InvalidInput.one("reporting_country", _("is required: the country the seizure is reported for"))
    if not member.reaches(country):
        raise InvalidInput.one("reporting_country", _("%(code)s is not one of the countries you log for",
                                                      code=country[:3]))
    if not await session.scalar(select(Participant.id).where(Participant.operation_id == member.operation.id,
                                                            Participant.country_code == country)):
        raise InvalidInput.one("reporting_country", _("%(code)s does not take part in this operation", code=country))
    if not policy.may_log_for(member, country):
        raise NotAllowed(_("your role in this operation does not log records"))
    return country


def refuse_if_locked(member: Member, reason: str | None) -> None:
    if refusal := logging_refusal(member, correction_reason=reason):
        raise InvalidInput.one("operation" if "reason" not in refusal else "correction_reason", refusal)


def _history(session: AsyncSession, seizure: Seizure, user: User | None, to_status: str, *,
             from_status: str | None = None, message: str | None = None) -> None:
    session.add(StatusChange(**_step(seizure.id, user, to_status, from_status=from_status, message=message)))


def _step(seizure_id: int, user: User | None, to_status: str, *, from_status: str | None = None,
          message: str | None = None) -> dict[str, Any]:
    return {"seizure_id": seizure_id, "actor_id": user.id if user else None, "actor": user.email if user else "system",
            "from_status": from_status, "to_status": to_status, "message": message}


def _suspect_row(settings: Settings, seizure_id: int, suspect: dict[str, Any], kept: Suspect | None) -> dict[str, Any]:
    """A suspect's columns to store; nominal fields left out by someone who may not see them are kept as they were."""
    document_hash = crypto.document_hash(settings, suspect["document_number"]) if suspect["document_number"] else \
        (kept.document_hash if kept else None)
    return {"seizure_id": seizure_id, "document_hash": document_hash, **{f: suspect[f] for f in SUSPECT_FIELDS},
            **sealed(settings, suspect, SUSPECT_NOMINAL, kept)}


def _company_row(settings: Settings, seizure_id: int, company: dict[str, Any],
                 kept: SeizureCompany | None) -> dict[str, Any]:
    return {"seizure_id": seizure_id, **{f: company[f] for f in COMPANY_FIELDS},
            **sealed(settings, company, COMPANY_NOMINAL, kept)}


async def _replace(session: AsyncSession, model: type[Suspect] | type[SeizureCompany], seizure_id: int,
                   rows: list[dict[str, Any]], row: Callable[[dict[str, Any], Any], Any]) -> None:
    """The record's suspects or companies replaced through the ORM (so the audit log keeps each one removed and
    added), each sent with the `id` of a stored one keeping the nominal fields it leaves empty."""
    kept = {k.id: k for k in (await session.scalars(select(model).where(model.seizure_id == seizure_id))).all()}
    for old in kept.values():
        await session.delete(old)
    await session.flush()
    session.add_all([model(**row(r, kept.get(r["id"]))) for r in rows])


async def shared_by_default(session: AsyncSession, operation: Operation, country: str) -> bool:
    """Whether a new record of the country is shared with the other participants when its sender does not say:
    the country's choice on the operation page, for the form, the API and the sheet alike."""
    return bool(await session.scalar(_SHARING, {"operation": operation.id, "country": country}))


# Built once, as every submission asks them (in one round trip): whether its reference is taken, and whether the
# country shares its records by default.
_SHARING = select(Participant.share_by_default).where(Participant.operation_id == bindparam("operation"),
                                                      Participant.country_code == bindparam("country"))
_CLASH_AND_SHARING = select(
    select(Seizure.id).where(Seizure.operation_id == bindparam("operation"),
                             Seizure.reporting_country == bindparam("country"),
                             Seizure.seizure_ref == bindparam("ref")).scalar_subquery(),
    _SHARING.scalar_subquery())


async def create_seizure(session: AsyncSession, settings: Settings, member: Member, raw: dict[str, Any],
                         ref: Reference | None = None) -> Seizure:
    return (await create_seizure_with_parts(session, settings, member, raw, ref))[0]


async def create_seizure_with_parts(session: AsyncSession, settings: Settings, member: Member, raw: dict[str, Any],
                                    ref: Reference | None = None) -> tuple[Seizure, Parts]:
    """The new record with the parts it was saved with, so that answering with it reads nothing back."""
    operation, user = member.operation, member.user
    country = await reporting_country(session, member, raw)
    refuse_if_locked(member, raw.get("correction_reason"))
    ref = ref or await Reference.load(session)
    checked = check_submission(ref, member, raw, country=country)
    clash, shared_by_country = (await session.execute(_CLASH_AND_SHARING, {
        "operation": operation.id, "country": country, "ref": checked.seizure["seizure_ref"]})).one()
    if clash is not None:
        raise InvalidInput.one("seizure_ref", _("already used by seizure %(id)s of your country; correct that one "
                                                "instead", id=clash))
    shared = sharing(member, country, checked.shared, bool(shared_by_country))
    # Inserted by statement, not by a flush: the busiest write of an operation (the audit events as a flush notes
    # them; the figures told, as for a sheet's records).
    [seizure] = await insert_audited(session, Seizure, [{
        "operation_id": operation.id, "reporting_country": country, "created_by": user.id, "status": checked.status,
        "shared_with_participants": shared, **checked.seizure, **checked.publicity,
        **sealed(settings, checked.nominal, SEIZURE_NOMINAL, None)}])
    upkeep.add(session, [seizure.id])
    items = await insert_audited(session, SeizureItem, [{"seizure_id": seizure.id, **_item_columns(i)}
                                                        for i in checked.items])
    suspects = await insert_audited(session, Suspect, [_suspect_row(settings, seizure.id, s, None)
                                                       for s in checked.suspects or []])
    companies = await insert_audited(session, SeizureCompany, [_company_row(settings, seizure.id, c, None)
                                                               for c in checked.companies or []])
    await session.execute(insert(StatusChange), [_step(seizure.id, user, checked.status)])
    if any(suspect.document_hash for suspect in suspects):
        await events.tell(events.DOCUMENTS, session, seizure)
    numbered = sorted(items, key=attrgetter("item_no"))
    return seizure, Parts(items={seizure.id: [(item, ref.taxon_names[item.taxon_id]) for item in numbered]},
                          suspects={seizure.id: suspects}, companies={seizure.id: companies})


def sharing(member: Member, country: str, asked: bool | None, standing: bool) -> bool:
    """Whether a record is open in full to the other participants: the country's word, as its publicity consent. Its
    focal points decide; anyone else leaves it as it stands (a new record: the country's default), and is told so if
    they asked otherwise."""
    if asked is None or asked == standing:
        return standing
    if not policy.speaks_for_country(member, country):
        raise InvalidInput.one("shared_with_participants", _("only the reporting country's focal points open its "
                                                             "records to the other participants"))
    return asked


def _item_columns(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("item_no", "taxon_id", "term_code", "quantity", "unit_code", "normalised_unit",
                                 "normalised_quantity", "estimated_value", "currency", *SPECIMEN_FIELDS)}


def correction_reason(member: Member, seizure: Seizure, reason: Any) -> str | None:
    """Someone other than the record's country changing it says why; the country sees the reason and is told."""
    reason = str(reason or "").strip()
    if policy.corrects_for_others(member, seizure) and not reason:
        raise InvalidInput.one("correction_reason", _("give the reason for changing %(country)s's record: the "
                                                      "country sees it and is told", country=seizure.reporting_country))
    return reason or None


async def update_seizure(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                         raw: dict[str, Any], version: int) -> Seizure:
    """Correct a seizure; refused with Conflict if it changed since `version` was read, so nothing is overwritten."""
    user = member.user
    if not policy.may_change(member, seizure):
        raise NotAllowed(_("only the reporting country or a coordinator may change this record"))
    refuse_if_locked(member, raw.get("correction_reason"))
    reason = correction_reason(member, seizure, raw.get("correction_reason"))
    merged = {**await seizure_fields(session, seizure), **raw}
    checked = check_submission(await Reference.load(session), member, merged, country=seizure.reporting_country)
    if checked.seizure["seizure_ref"] != seizure.seizure_ref and await session.scalar(select(Seizure.id).where(
            Seizure.operation_id == member.operation.id, Seizure.reporting_country == seizure.reporting_country,
            Seizure.seizure_ref == checked.seizure["seizure_ref"])):
        raise InvalidInput.one("seizure_ref", _("already used by another seizure of your country"))
    await advance_version(session, seizure, version)
    for name, value in {**checked.seizure, **sealed(settings, checked.nominal, SEIZURE_NOMINAL, seizure)}.items():
        setattr(seizure, name, value)
    seizure.shared_with_participants = sharing(member, seizure.reporting_country, checked.shared,
                                               seizure.shared_with_participants)
    for name, value in checked.publicity.items():
        setattr(seizure, name, value)
    previous = seizure.status
    if "status" in raw and seizure.status in ENTRY_STATUSES:
        seizure.status = checked.status
    elif seizure.status == SeizureStatus.queried and policy.speaks_for_country(member, seizure.reporting_country):
        seizure.status = SeizureStatus.submitted  # a correction answers the query
    seizure.updated_at = utcnow()
    # Replaced through the ORM, so the audit log keeps every item and suspect removed and added.
    for old in (await session.scalars(select(SeizureItem).where(SeizureItem.seizure_id == seizure.id))).all():
        await session.delete(old)
    await session.flush()
    session.add_all([SeizureItem(seizure_id=seizure.id, **_item_columns(i)) for i in checked.items])
    if checked.suspects is not None:
        await _replace(session, Suspect, seizure.id, checked.suspects,
                       lambda row, kept: _suspect_row(settings, seizure.id, row, kept))
    if checked.companies is not None:
        await _replace(session, SeizureCompany, seizure.id, checked.companies,
                       lambda row, kept: _company_row(settings, seizure.id, row, kept))
    _history(session, seizure, user, seizure.status, from_status=previous, message=reason or _("corrected"))
    await session.flush()
    if seizure.status != previous:
        await events.tell(events.MOVED, session, seizure)
    if checked.suspects and any(suspect["document_number"] for suspect in checked.suspects):
        await events.tell(events.DOCUMENTS, session, seizure)
    if reason:
        await tell_country(session, member, seizure, N_("%(who)s corrected your record %(ref)s in %(operation)s: "
                                                         "%(reason)s"), reason)
    return seizure


# The validation loop: who may take each step, from which statuses, to which status.
STEPS = {
    "validate": (policy.may_validate, (SeizureStatus.submitted, SeizureStatus.queried), SeizureStatus.validated),
    "query": (policy.may_validate, (SeizureStatus.submitted, SeizureStatus.validated), SeizureStatus.queried),
    "answer": (policy.may_change, (SeizureStatus.queried,), SeizureStatus.submitted),
    "withdraw": (policy.may_change, (SeizureStatus.draft, SeizureStatus.submitted, SeizureStatus.queried,
                                     SeizureStatus.validated), SeizureStatus.withdrawn),
    "submit": (policy.may_change, (SeizureStatus.draft,), SeizureStatus.submitted),
}


MESSAGE_LIMIT = 2000  # a query or an answer is a few lines; a page of them stays a page


async def change_status(session: AsyncSession, member: Member, seizure: Seizure, action: str, message: Any = "",
                        version: int | None = None) -> Seizure:
    """The validation loop: a coordinator validates or queries; the reporting country answers or withdraws. The step
    is taken from the version read (the caller's `version` if it sent one), so two at once cannot both win."""
    if action not in STEPS:
        raise InvalidInput.one("action", _("unknown action %(action)s", action=str(action)[:40]))
    allowed, allowed_from, to_status = STEPS[action]
    if not allowed(member, seizure):
        raise NotAllowed(_("your role does not allow this"))
    if seizure.status not in allowed_from:
        raise InvalidInput.one("status", _("a %(status)s record cannot be %(action)s", status=seizure.status,
                                           action={"validate": _("validated"), "query": _("queried"),
                                                   "answer": _("answered"), "withdraw": _("withdrawn"),
                                                   "submit": _("submitted")}[action]))
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise InvalidInput.one("message", _("must be text"))
    if len(message) > MESSAGE_LIMIT:
        raise InvalidInput.one("message", _("must be at most %(n)s characters", n=MESSAGE_LIMIT))
    if action in ("query", "answer", "withdraw") and not message.strip():
        raise InvalidInput.one("message", _("is required: say what should be checked") if action == "query"
                               else _("is required"))
    await advance_version(session, seizure, seizure.version if version is None else version)
    previous = seizure.status
    seizure.status = to_status
    seizure.updated_at = utcnow()
    _history(session, seizure, member.user, to_status, from_status=previous, message=message.strip() or None)
    await session.flush()
    await events.tell(events.MOVED, session, seizure)  # a withdrawn record no longer stands for its shipment
    if action in ("query", "answer"):
        await _tell_other_side(session, seizure, action, member)
    elif action == "withdraw" and policy.corrects_for_others(member, seizure):
        await tell_country(session, member, seizure, N_("%(who)s withdrew your record %(ref)s in %(operation)s: "
                                                         "%(reason)s"), message.strip())
    return seizure


async def tell_country(session: AsyncSession, member: Member, seizure: Seizure, text: str, reason: str) -> None:
    """The record's country learns of a change made by someone else, with the reason given."""
    code = member.operation.code
    recipients = set(await session.scalars(country_focal_points(seizure.operation_id, seizure.reporting_country)))
    await notify(session, recipients - {member.user.id}, kind="correction", text=text,
                 link=f"/operations/{code}/seizures/{seizure.id}",
                 params={"who": member.user.name, "ref": seizure.seizure_ref, "operation": code, "reason": reason})


async def _tell_other_side(session: AsyncSession, seizure: Seizure, action: str, member: Member) -> None:
    """A query reaches the reporting country's focal points (and whoever logged it); an answer, who asked."""
    code, user, link = member.operation.code, member.user, f"/operations/{member.operation.code}/seizures/{seizure.id}"
    if action == "query":
        recipients = {*(await session.scalars(country_focal_points(seizure.operation_id, seizure.reporting_country))),
                      seizure.created_by}
        text = N_("%(who)s queried your record %(ref)s in %(operation)s")
    else:
        recipients = set(await session.scalars(
            select(StatusChange.actor_id).where(StatusChange.seizure_id == seizure.id,
                                                StatusChange.to_status == SeizureStatus.queried)))
        text = N_("%(who)s answered the query on %(ref)s in %(operation)s")
    await notify(session, recipients - {user.id}, kind=action, text=text, link=link,
                 params={"who": user.name, "ref": seizure.seizure_ref, "operation": code})
