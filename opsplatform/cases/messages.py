"""Operation messages: the operation's closed user group (like a CENcomm group). Members post alerts, feedback on
an alert, and seizure notices linked to a record, to the whole operation or narrowed to a region or a network.
An optional nominal section is encrypted and shown only to cleared readers; attachments go only to readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, undefer

from opsplatform import checks, crypto, policy
from opsplatform.cases.attachments import Upload, check_uploads
from opsplatform.database import record_id
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import N_, _
from opsplatform.models.auth import User
from opsplatform.models.cases import Audience, MessageAttachment, MessageKind, OperationMessage
from opsplatform.models.reference import Network, Region
from opsplatform.models.seizures import Seizure
from opsplatform.notifications.services import notify
from opsplatform.policy import Member
from opsplatform.settings import Settings

TOP_LEVEL = (MessageKind.alert, MessageKind.seizure_notice)


async def post_message(session: AsyncSession, settings: Settings, member: Member, raw: dict[str, Any],
                       files: list[tuple[str, bytes]], parent: OperationMessage | None = None) -> OperationMessage:
    """Post an alert or a seizure notice (or, with `parent`, feedback on it); its readers are notified."""
    operation, user = member.operation, member.user
    errors: list[FieldError] = []
    kind = MessageKind.feedback if parent else checks.text(raw.get("kind"))
    if kind not in (MessageKind.feedback,) + TOP_LEVEL:
        errors.append(FieldError("kind", _("must be alert or seizure_notice (feedback is a reply to an alert)")))
    subject = checks.text(raw.get("subject")) or (_("Re: %(subject)s", subject=parent.subject)[:200]
                                                        if parent else "")
    if not subject:
        errors.append(FieldError("subject", _("is required")))
    elif len(subject) > 200:
        errors.append(FieldError("subject", _("must be at most %(n)s characters", n=200)))
    body = checks.text(raw.get("body"))
    if not body:
        errors.append(FieldError("body", _("is required")))
    elif len(body) > 10000:
        errors.append(FieldError("body", _("must be at most %(n)s characters", n=10000)))
    audience, code = (parent.audience, parent.audience_code) if parent else await _audience(session, raw, errors)
    if not parent and not policy.may_address(member, audience, code):
        errors.append(FieldError("audience", _("you write to %(network)s only, the network you coordinate",
                                               network=member.network)))
    seizure_id = await _notice_record(session, member, raw, errors) if kind == MessageKind.seizure_notice \
        else None
    nominal = checks.text(raw.get("nominal"))
    if nominal and not user.cleared_for_nominal:
        errors.append(FieldError("nominal", _("nominal data is accepted only from users cleared for it")))
    elif len(nominal) > 5000:
        errors.append(FieldError("nominal", _("must be at most %(n)s characters", n=5000)))
    uploads, upload_errors = check_uploads(files)
    errors += upload_errors
    if errors:
        raise InvalidInput(errors)
    message = OperationMessage(operation_id=operation.id, kind=kind, parent_id=parent.id if parent else None,
                               seizure_id=seizure_id, audience=audience, audience_code=code, subject=subject,
                               body=body, nominal_encrypted=crypto.encrypt(settings, nominal) if nominal else None,
                               author_id=user.id, author_country=user.country_code)
    session.add(message)
    await session.flush()
    session.add_all([_attachment(message.id, upload) for upload in uploads])
    await session.flush()
    readers = set((await session.scalars(policy.message_readers(operation.id, audience, code))).all())
    thread = parent.id if parent else message.id
    await notify(session, readers - {user.id}, kind="message",
                 text=N_("%(who)s posted in %(operation)s: %(subject)s"),
                 link=f"/operations/{operation.code}/messages/{thread}",
                 params={"who": user.name, "operation": operation.code, "subject": subject})
    return message


def _attachment(message_id: int, upload: Upload) -> MessageAttachment:
    return MessageAttachment(message_id=message_id, filename=upload.filename, content_type=upload.content_type,
                             size=len(upload.content), sha256=upload.sha256, content=upload.content)


async def _audience(session: AsyncSession, raw: dict[str, Any], errors: list[FieldError]) -> tuple[str, str | None]:
    audience = checks.text(raw.get("audience") or Audience.operation)
    code = checks.text(raw.get("audience_code"))
    if audience == Audience.operation:
        return audience, None
    if audience not in Audience.__members__:
        errors.append(FieldError("audience", _("must be operation, region or network")))
    elif not code:
        errors.append(FieldError("audience_code", _("is required: the code of the %(audience)s", audience=audience)))
    elif audience == Audience.region and not await session.scalar(select(Region.code).where(Region.code == code)):
        errors.append(FieldError("audience_code", _("unknown region %(code)s (a UN M49 code such as 002)", code=code)))
    elif audience == Audience.network and not await session.scalar(select(Network.code).where(Network.code == code)):
        errors.append(FieldError("audience_code", _("unknown network %(code)s", code=code)))
    return audience, code or None


async def _notice_record(session: AsyncSession, member: Member, raw: dict[str, Any],
                         errors: list[FieldError]) -> int | None:
    """A seizure notice points at a record of this operation that its poster sees in full."""
    seizure_id = record_id(raw.get("seizure_id"))
    if seizure_id is None or not await session.scalar(select(Seizure.id).where(
            policy.records(member), Seizure.id == seizure_id)):
        errors.append(FieldError("seizure_id", _("a seizure notice names a record of this operation that you see "
                                                 "(its number)")))
        return None
    return seizure_id


def readable(member: Member) -> Select[tuple[OperationMessage]]:
    """The operation's messages a member reads."""
    return select(OperationMessage).where(policy.message_access(member))


@dataclass
class Shown:
    message: OperationMessage
    author: str | None
    nominal: str | None
    attachments: list[MessageAttachment]
    seizure_ref: str | None = None
    replies: list[Shown] = field(default_factory=list)
    reply_count: int = 0


async def _shown(session: AsyncSession, settings: Settings, member: Member,
                 messages: list[OperationMessage]) -> list[Shown]:
    """Messages with their authors' names, attachments (without their bytes) and, for cleared readers, the
    decrypted nominal section."""
    ids = [m.id for m in messages]
    authors = dict((await session.execute(
        select(User.id, User.name).where(User.id.in_({m.author_id for m in messages})))).all())
    files: dict[int, list[MessageAttachment]] = {}
    for item in (await session.scalars(select(MessageAttachment).options(defer(MessageAttachment.content))
                                       .where(MessageAttachment.message_id.in_(ids))
                                       .order_by(MessageAttachment.id))).all():
        files.setdefault(item.message_id, []).append(item)
    refs = dict((await session.execute(select(Seizure.id, Seizure.seizure_ref).where(
        Seizure.id.in_({m.seizure_id for m in messages if m.seizure_id})))).all())
    sees = policy.cleared_member(member.user)
    return [Shown(m, authors.get(m.author_id), crypto.decrypt(settings, m.nominal_encrypted)
                  if sees and m.nominal_encrypted else None, files.get(m.id, []), refs.get(m.seizure_id))
            for m in messages]


async def message_list(session: AsyncSession, settings: Settings, member: Member, limit: int = 100) -> list[Shown]:
    """Alerts and notices the member reads, newest first, with how many replies each has."""
    top = (await session.scalars(readable(member).where(OperationMessage.parent_id.is_(None))
                                 .order_by(OperationMessage.created_at.desc(), OperationMessage.id.desc())
                                 .limit(limit))).all()
    counts = dict((await session.execute(select(OperationMessage.parent_id, func.count()).where(
        OperationMessage.parent_id.in_([m.id for m in top])).group_by(OperationMessage.parent_id))).all())
    shown = await _shown(session, settings, member, list(top))
    for entry in shown:
        entry.reply_count = counts.get(entry.message.id, 0)
    return shown


async def thread(session: AsyncSession, settings: Settings, member: Member, message_id: int) -> Shown | None:
    """A message with its feedback, oldest reply first; None when the member may not read it."""
    message = await session.scalar(readable(member).where(OperationMessage.id == message_id,
                                                                   OperationMessage.parent_id.is_(None)))
    if message is None:
        return None
    replies = (await session.scalars(select(OperationMessage).where(OperationMessage.parent_id == message.id)
                                     .order_by(OperationMessage.created_at, OperationMessage.id))).all()
    shown, *shown_replies = await _shown(session, settings, member, [message, *replies])
    shown.replies = shown_replies
    shown.reply_count = len(replies)
    return shown


async def attachment(session: AsyncSession, member: Member, message_id: int,
                     attachment_id: int) -> MessageAttachment | None:
    """An attachment, only for readers of its message (a reply is read by whoever reads its thread)."""
    thread_id = await session.scalar(select(OperationMessage.parent_id).where(OperationMessage.id == message_id))
    message = await session.scalar(readable(member).where(OperationMessage.id == (thread_id or message_id)))
    if message is None:
        return None
    return await session.scalar(select(MessageAttachment).options(undefer(MessageAttachment.content))
                                .where(MessageAttachment.id == attachment_id,
                                       MessageAttachment.message_id == message.id)
                                .execution_options(populate_existing=True))


def message_json(shown: Shown, base: str) -> dict[str, Any]:
    m = shown.message
    return {"id": m.id, "kind": m.kind, "parent_id": m.parent_id, "audience": m.audience,
            "audience_code": m.audience_code, "subject": m.subject, "body": m.body,
            "author": shown.author, "author_country": m.author_country, "seizure_id": m.seizure_id,
            "created_at": m.created_at.isoformat(), **({"nominal": shown.nominal} if shown.nominal else {}),
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "sha256": a.sha256, "url": f"{base}/{m.id}/attachments/{a.id}"}
                            for a in shown.attachments],
            **({"replies": [message_json(r, base) for r in shown.replies]} if shown.replies else {}),
            "reply_count": shown.reply_count}
