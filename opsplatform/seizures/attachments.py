"""Photos and documents attached to a seizure record: checked by their content (the rule of `uploads`, shared with
message attachments), kept as sent, attached and removed by those who may change the record; a photo approved for
the public release only by the record's own country.

The original is kept untouched as evidence for those who read the record. A photo also gets a thumbnail and a copy
for the release, both redrawn from its pixels alone, so that no metadata of the original (EXIF with GPS and the
camera's owner, XMP, comments) can reach the public.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from opsplatform import checks, policy, uploads
from opsplatform.errors import FieldError, InvalidInput, NotAllowed
from opsplatform.i18n import N_, _
from opsplatform.models.seizures import Seizure, SeizureAttachment
from opsplatform.policy import Member
from opsplatform.seizures.services import correction_reason, tell_country
from opsplatform.settings import Settings

ACCEPTED = ("image/jpeg", "image/png", "image/webp", "application/pdf")
ALLOWED = uploads.described(ACCEPTED)
PHOTOS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}  # the decoder each photo is read with
MAX_FILES = 5  # in one upload
MAX_PER_RECORD = 30
MAX_PIXELS = 50_000_000  # phones take 12 to 50 megapixels; a small file claiming more is a decompression bomb
THUMBNAIL_EDGE, PUBLIC_EDGE = 320, 1280  # pixels of the longer side
SMALL_COLUMNS = load_only(SeizureAttachment.id, SeizureAttachment.seizure_id, SeizureAttachment.filename,
                          SeizureAttachment.content_type, SeizureAttachment.size, SeizureAttachment.sha256,
                          SeizureAttachment.publicity_approved, SeizureAttachment.uploaded_by,
                          SeizureAttachment.created_at)
PARTS = {"content": SeizureAttachment.content, "thumbnail": SeizureAttachment.thumbnail,
         "public_copy": SeizureAttachment.public_copy}


def max_bytes(settings: Settings) -> int:
    return settings.attachment_max_mb * 1024 * 1024


def upload_limit(settings: Settings) -> int:
    """The largest upload body the form may send (MAX_FILES files and the form around them); a larger one is refused
    before it is read."""
    return MAX_FILES * max_bytes(settings) + 256 * 1024


def limits(settings: Settings) -> dict[str, Any]:
    """What the upload form says of the files it takes."""
    return {"files": MAX_FILES, "mb": settings.attachment_max_mb, "types": ALLOWED, "names": uploads.NAMES}


def photo_copies(content: bytes, kind: str) -> tuple[bytes, bytes] | str:
    """A thumbnail and a copy for the release, upright and redrawn from the pixels alone; or why the photo cannot be
    read: "pixels" (too many: a decompression bomb or a panorama) or "unreadable". Runs in a worker thread."""
    try:
        with Image.open(io.BytesIO(content), formats=[PHOTOS[kind]]) as image:  # reads the header only
            if image.width * image.height > MAX_PIXELS:
                return "pixels"
            image.draft("RGB", (PUBLIC_EDGE, PUBLIC_EDGE))  # a JPEG is decoded at the size needed
            upright = ImageOps.exif_transpose(image)
            alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            pixels = upright.convert("RGBA" if alpha else "RGB")
            return _redrawn(pixels, THUMBNAIL_EDGE, alpha), _redrawn(pixels, PUBLIC_EDGE, alpha)
    except Image.DecompressionBombError:
        return "pixels"
    except Exception:  # Pillow says a broken or hostile file with many exception types
        return "unreadable"


def _redrawn(image: Image.Image, edge: int, alpha: bool) -> bytes:
    scaled = image.copy()
    scaled.thumbnail((edge, edge))
    bare = Image.frombytes(scaled.mode, scaled.size, scaled.tobytes())  # pixels only: no metadata goes along
    out = io.BytesIO()
    if alpha:
        bare.save(out, "PNG", optimize=True)
    else:
        bare.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _photo_problem(problem: str, name: str) -> str:
    if problem == "pixels":
        return _('"%(name)s" has more than %(n)s megapixels: send a smaller photo', name=name,
                 n=MAX_PIXELS // 1_000_000)
    return _('"%(name)s" cannot be read as an image: it may be damaged or not what its first bytes say', name=name)


async def attach(session: AsyncSession, settings: Settings, member: Member, seizure: Seizure,
                 files: list[tuple[str, bytes]]) -> tuple[list[SeizureAttachment], list[str]]:
    """Keep the files sent for a record, all or none: those kept, and what is said of files already attached (the
    same bytes are kept once per record)."""
    if not policy.may_change(member, seizure):
        raise NotAllowed(_("only the reporting country or a coordinator may change this record"))
    files = [(name, content) for name, content in files if name or content]  # an empty file input sends nothing
    if not files:
        raise InvalidInput.one("files", _("choose a photo or document to attach"))
    if len(files) > MAX_FILES:
        raise InvalidInput.one("files", _("at most %(n)s files at a time", n=MAX_FILES))
    kept = dict((await session.execute(select(SeizureAttachment.sha256, SeizureAttachment.filename)
                                       .where(SeizureAttachment.seizure_id == seizure.id))).all())
    held = len(kept)
    errors: list[FieldError] = []
    said: list[str] = []
    new: list[SeizureAttachment] = []
    for name, content in files:
        checked = uploads.check_file(name, content, accepted=ACCEPTED, max_bytes=max_bytes(settings))
        if isinstance(checked, str):
            errors.append(FieldError("files", checked))
            continue
        if checked.sha256 in kept:
            said.append(_('"%(name)s" is already attached to this record as "%(kept)s": it is kept once',
                          name=uploads.clean_name(name), kept=kept[checked.sha256]))
            continue
        thumbnail = public_copy = None
        if checked.content_type in PHOTOS:
            copies = await asyncio.to_thread(photo_copies, checked.content, checked.content_type)
            if isinstance(copies, str):
                errors.append(FieldError("files", _photo_problem(copies, uploads.clean_name(name))))
                continue
            thumbnail, public_copy = copies
        kept[checked.sha256] = checked.filename
        new.append(SeizureAttachment(seizure_id=seizure.id, filename=checked.filename,
                                     content_type=checked.content_type, size=len(checked.content),
                                     sha256=checked.sha256, content=checked.content, thumbnail=thumbnail,
                                     public_copy=public_copy, uploaded_by=member.user.id))
    if not errors and held + len(new) > MAX_PER_RECORD:
        errors.append(FieldError("files", _("a record holds at most %(n)s attachments; it has %(held)s: remove "
                                            "some first", n=MAX_PER_RECORD, held=held)))
    if errors:
        raise InvalidInput(errors)
    session.add_all(new)
    await session.flush()
    return new, said


async def attachments_of(session: AsyncSession, seizure: Seizure) -> list[SeizureAttachment]:
    """A record's attachments, oldest first, without their bytes."""
    return list((await session.scalars(select(SeizureAttachment).options(SMALL_COLUMNS)
                                       .where(SeizureAttachment.seizure_id == seizure.id)
                                       .order_by(SeizureAttachment.id))).all())


async def attachment_of(session: AsyncSession, seizure: Seizure, file_id: int) -> SeizureAttachment | None:
    """One attachment of the record, without its bytes; None if the record has no such attachment."""
    return await session.scalar(select(SeizureAttachment).options(SMALL_COLUMNS)
                                .where(SeizureAttachment.id == file_id, SeizureAttachment.seizure_id == seizure.id))


async def stored(session: AsyncSession, attachment: SeizureAttachment, part: str) -> bytes | None:
    """The bytes of an attachment as sent ("content"), of its thumbnail, or of its copy for the release."""
    return await session.scalar(select(PARTS[part]).where(SeizureAttachment.id == attachment.id))


async def remove(session: AsyncSession, member: Member, seizure: Seizure, attachment: SeizureAttachment,
                 reason: Any) -> None:
    """Remove an attachment (the audit log keeps that it was there); someone other than the record's country says
    why, and the country is told."""
    if not policy.may_change(member, seizure):
        raise NotAllowed(_("only the reporting country or a coordinator may change this record"))
    why = correction_reason(member, seizure, checks.text(reason))
    # The audit log's snapshot of a removed row reads every column: load them while the row is still there.
    await session.refresh(attachment, attribute_names=list(PARTS))
    await session.delete(attachment)
    await session.flush()
    if why:
        await tell_country(session, member, seizure, N_("%(who)s removed an attachment from your record %(ref)s in "
                                                        "%(operation)s: %(reason)s"), why)


async def approve_for_publicity(session: AsyncSession, member: Member, seizure: Seizure,
                                attachment: SeizureAttachment, answer: Any) -> bool:
    """The country's word on one photo illustrating the public release ("yes" or "no"); returns the approval."""
    if not policy.speaks_for_country(member, seizure.reporting_country):
        raise NotAllowed(_("only the reporting country's focal points approve its photos for the public release"))
    if answer not in ("yes", "no"):
        raise InvalidInput.one("approved", _('must be "yes" or "no"'))
    if attachment.content_type not in PHOTOS:
        raise InvalidInput.one("approved", _("only a photo can illustrate the public release"))
    attachment.publicity_approved = answer == "yes"
    await session.flush()
    return attachment.publicity_approved


async def release_copies(session: AsyncSession, photos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The release's photos (`{"id", "sha256", "country"}`, as its figures name them) with their copies: only those
    whose country still approves them, so an approval withdrawn takes a photo out of a release frozen earlier."""
    wanted = {photo["id"]: photo for photo in photos}
    rows = (await session.execute(select(SeizureAttachment.id, SeizureAttachment.sha256, SeizureAttachment.public_copy)
                                  .where(SeizureAttachment.id.in_(list(wanted)), SeizureAttachment.publicity_approved,
                                         SeizureAttachment.public_copy.is_not(None)))).all()
    found = {row.id: row.public_copy for row in rows if row.sha256 == wanted[row.id]["sha256"]}
    return [{**photo, "content": found[photo["id"]], "content_type": uploads.content_type(found[photo["id"]])}
            for photo in photos if photo["id"] in found]


def attachment_json(attachment: SeizureAttachment, url: str) -> dict[str, Any]:
    return {"id": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256, "photo": attachment.content_type in PHOTOS,
            "publicity_approved": attachment.publicity_approved, "created_at": attachment.created_at.isoformat(),
            "url": url}
