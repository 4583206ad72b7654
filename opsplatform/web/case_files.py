"""File responses shared by the pages and the API: message and record attachments, the Ecomessage and the annual
illegal trade report."""

from __future__ import annotations

from litestar import Request, Response
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.cases import annual_report, ecomessage, messages
from opsplatform.database import utcnow
from opsplatform.i18n import _
from opsplatform.models.cases import MessageAttachment
from opsplatform.models.seizures import Seizure
from opsplatform.policy import Member
from opsplatform.rendering.filenames import download_headers
from opsplatform.uploads import SHOWN_INLINE, typed_filename

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(content: bytes, content_type: str, filename: str) -> Response[bytes]:
    """A stored file (a message's or a record's attachment) with the type found from its content and that type's
    extension: a photo shown in the browser, anything else saved; never sniffed into another type, never kept in a
    shared cache."""
    return Response(content, media_type=content_type, headers={
        **download_headers(typed_filename(filename, content_type), inline=content_type in SHOWN_INLINE),
        "x-content-type-options": "nosniff", "cache-control": "private, no-store"})


def attachment_response(found: MessageAttachment) -> Response[bytes]:
    return file_response(found.content, found.content_type, found.filename)


async def readable_attachment(db: AsyncSession, member: Member, message_id: int,
                              attachment_id: int) -> Response[bytes]:
    """An attachment for a reader of its message; not found for anyone else."""
    found = await messages.attachment(db, member, message_id, attachment_id)
    if found is None:
        raise NotFoundException(_("no attachment %(id)s that you can read", id=attachment_id))
    return attachment_response(found)


async def annual_report_response(request: Request, db: AsyncSession) -> Response[bytes]:
    """The XLSX for the query's country and year, or 404 for a country the user may not report on."""
    asked = annual_report.check_request(dict(request.query_params), utcnow().date())
    report = await annual_report.annual_report(db, request.user, asked)
    if report is None:
        raise NotFoundException(_("no country %(code)s whose report you may export", code=asked.country))
    return Response(annual_report.workbook(report), media_type=XLSX,
                    headers=download_headers(annual_report.filename(report)))


async def ecomessage_response(request: Request, db: AsyncSession, member: Member, seizure: Seizure, fmt: str, *,
                              inline_html: bool = False) -> Response[bytes]:
    """The record's Ecomessage in `fmt`, its production audited and committed; HTML shown inline if `inline_html`."""
    content = await ecomessage.ecomessage(db, request.app.state.settings, member, seizure,
                                          dict(request.query_params), fmt)
    await db.commit()
    return Response(content, media_type=ecomessage.FORMATS[fmt], headers={
        **download_headers(ecomessage.filename(seizure, fmt), inline=inline_html and fmt == "html"),
        "cache-control": "no-store"})
