"""A record's photos and documents: attached from the record page (a phone's camera too), shown to the record's
readers only, removed after confirmation, and a photo approved by the record's country for the public release."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.exc import IntegrityError

from opsplatform import policy, uploads
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, ngettext
from opsplatform.seizures import attachments
from opsplatform.web.access import Membership, ReadableAttachment, ReadableSeizure, needs
from opsplatform.web.case_files import file_response
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.pages.seizures import record_page
from opsplatform.web.redirects import redirect_to

LOG = needs("log_records")


class SeizureFileController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}/seizures/{seizure_id:int}/attachments"

    @post("/", name="seizures:attach", dependencies=LOG, opt={"upload_limit": attachments.upload_limit})
    async def attach(self, request: Request, db: Db, member: Membership,
                     seizure: ReadableSeizure) -> Template | Redirect:
        """Keep the photos and documents sent, all or none; the same bytes twice are kept once, and said."""
        if not policy.may_change(member, seizure):
            raise NotFoundException()
        code, seizure_id = member.operation.code, seizure.id  # read now: a rollback expires what was loaded
        form = await request.form()
        files = [(f.filename or "", await f.read()) for f in form.getall("files", []) if isinstance(f, UploadFile)]
        try:
            kept, said = await attachments.attach(db, request.app.state.settings, member, seizure, files)
            await db.commit()
        except InvalidInput as exc:
            await db.rollback()
            return await record_page(request, db, member, seizure, status_code=400,
                                     attach_problems=[e.message for e in exc.errors])
        except IntegrityError:  # the same bytes sent twice at the same moment: the first send kept them
            await db.rollback()
            kept, said = [], [_("These files are already attached to this record: they are kept once.")]
        if kept:
            flash(request, ngettext("%(num)s file attached.", "%(num)s files attached.", len(kept), num=len(kept)),
                  "success")
        for line in said:
            flash(request, line, "info")
        return redirect_to(request, "seizures:detail", code=code, seizure_id=seizure_id, anchor="attachments")

    # Files are read by exactly the record's readers (`policy.records`): anyone else, a press officer too, is answered
    # 404, as for a record that does not exist.
    @get("/{file_id:int}", name="seizures:attachment")
    async def download(self, db: Db, attachment: ReadableAttachment) -> Response[bytes]:
        """The file as it was sent: a photo shown in the browser, a PDF saved."""
        content = await attachments.stored(db, attachment, "content")
        return file_response(content or b"", attachment.content_type, attachment.filename)

    @get("/{file_id:int}/thumbnail", name="seizures:thumbnail")
    async def thumbnail(self, db: Db, attachment: ReadableAttachment) -> Response[bytes]:
        content = await attachments.stored(db, attachment, "thumbnail")
        kind = uploads.content_type(content or b"")
        if content is None or kind is None:  # a document has none
            raise NotFoundException(_("no attachment %(id)s that you can read", id=attachment.id))
        return file_response(content, kind, f"{attachment.filename.rpartition('.')[0] or 'photo'}-thumbnail")

    @post("/{file_id:int}/publicity", name="seizures:photo_publicity", dependencies=LOG)
    async def publicity(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                        attachment: ReadableAttachment) -> Template | Redirect:
        """The country's word on a photo illustrating the public release: `approved` is "yes" or "no"."""
        code, seizure_id = member.operation.code, seizure.id
        form = await request.form()
        try:
            approved = await attachments.approve_for_publicity(db, member, seizure, attachment, form.get("approved"))
        except InvalidInput as exc:
            await db.rollback()
            return await record_page(request, db, member, seizure, status_code=400,
                                     attach_problems=[e.message for e in exc.errors])
        await db.commit()
        flash(request, _("The photo may illustrate the public release.") if approved else
              _("The photo will not illustrate the public release."), "success")
        return redirect_to(request, "seizures:detail", code=code, seizure_id=seizure_id, anchor="attachments")

    @post("/{file_id:int}/remove", name="seizures:detach", dependencies=LOG)
    async def remove(self, request: Request, db: Db, member: Membership, seizure: ReadableSeizure,
                     attachment: ReadableAttachment) -> Template | Redirect:
        """Remove a file, confirmed on the page; someone other than the record's country gives the reason."""
        if not policy.may_change(member, seizure):
            raise NotFoundException()
        code, seizure_id, name = member.operation.code, seizure.id, attachment.filename
        form = await request.form()
        try:
            await attachments.remove(db, member, seizure, attachment, form.get("correction_reason"))
        except InvalidInput as exc:
            await db.rollback()
            return await record_page(request, db, member, seizure, status_code=400,
                                     attach_problems=[e.message for e in exc.errors])
        await db.commit()
        flash(request, _('"%(name)s" removed from the record.', name=name), "success")
        return redirect_to(request, "seizures:detail", code=code, seizure_id=seizure_id, anchor="attachments")
