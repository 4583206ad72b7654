"""The press officer's release page (draft, workflow, exports, corrections) and the public release pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import and_, select

from opsplatform import policy
from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.errors import Conflict, InvalidInput
from opsplatform.i18n import _, current_language, negotiate
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation
from opsplatform.models.releases import Release, ReleaseStatus
from opsplatform.policy import Member
from opsplatform.releases import workflow
from opsplatform.releases.figures import release_highlights
from opsplatform.releases.state import ReleaseState
from opsplatform.rendering.filenames import download_headers
from opsplatform.reporting.dashboard import few_unnamed
from opsplatform.settings import LANGUAGES
from opsplatform.web.access import Membership, needs
from opsplatform.web.deps import Db
from opsplatform.web.flash import flash
from opsplatform.web.headers import FRAMED
from opsplatform.web.redirects import redirect_to

EXPORTS = ("html", "pdf", "json", "csv")
PUBLIC_DOWNLOAD = User(id=None, email="public", name="public download", role="press_officer")


def _lang(request: Request) -> str:
    wanted = request.query_params.get("lang", "")
    return wanted if wanted in LANGUAGES else current_language()


class ReleaseController(Controller):
    include_in_schema = False
    path = "/operations/{code:str}/release"
    dependencies = needs("draft_release")

    async def _page(self, db: Db, member: Member, release: Release, *,
                    errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                    status_code: int = 200) -> Template:
        operation = member.operation
        await db.refresh(operation)  # a refused change was rolled back, which expired both
        await db.refresh(release)
        texts = {f"{name}_{lang}": (release.texts.get(lang) or {}).get(name, "")
                 for lang in LANGUAGES for name in workflow.TEXT_FIELDS}
        # The highlights the press officer may write in each language: those the live figures hold now.
        highlights = await release_highlights(db, operation) if release.status == ReleaseStatus.draft else []
        texts |= {f"highlight_{key}_{lang}": text for lang, written in (release.highlight_texts or {}).items()
                  for key, text in written.items()}
        return Template("releases/edit.html", status_code=status_code, context={
            "operation": operation, "release": release, "errors": errors or {}, "highlights": highlights,
            "form": form or {**texts, "suppress_below": release.suppress_below or "",
                             "embargo": release.embargo.strftime("%Y-%m-%dT%H:%M") if release.embargo else ""},
            "corrections": await workflow.corrections_of(db, release), "exports": EXPORTS,
            "may_approve": policy.may(member, "approve_release"), "steps": list(ReleaseStatus),
            "few_unnamed": await few_unnamed(db, replace(member, role="press_officer")),
            "unconfirmed": await workflow.unconfirmed_consents(db, operation),
            "files": await documents.documents_of(db, operation, and_(
                Artifact.kind == "release", policy.readable_documents(member)))})

    async def _release(self, db: Db, member: Member) -> Release:
        release = await workflow.release_of(db, member.operation)
        await db.commit()
        return release

    @get("/", name="release")
    async def page(self, db: Db, member: Membership) -> Template:
        return await self._page(db, member, await self._release(db, member))

    @post("/", name="release:save")
    async def save(self, request: Request, db: Db, member: Membership,
                   data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Save the narrative, quotes, threshold and embargo of a draft; a refusal keeps everything typed."""
        release = await self._release(db, member)
        try:
            await workflow.save_draft(db, release, member, data, utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, release, errors=exc.by_field(), form=data, status_code=400)
        except Conflict:
            await db.rollback()
            return await self._page(db, member, release, form=data, status_code=409, errors={
                "version": _("someone else changed this release since you opened it: your text is kept below; "
                             "copy what you need, reload, and save again")})
        await db.commit()
        flash(request, _("Release draft saved."), "success")
        return redirect_to(request, "release", code=member.operation.code)

    @post("/corrections", name="release:correct")
    async def add_correction(self, request: Request, db: Db, member: Membership,
                             data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        release = await self._release(db, member)
        try:
            await workflow.correct(db, release, member, data.get("note", ""), utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, release, errors=exc.by_field(), status_code=400, form={**data})
        except Conflict:
            await db.rollback()
            return await self._page(db, member, release, status_code=409, form={**data}, errors={
                "version": _("someone else changed this release since you opened it: look again, then retry")})
        await db.commit()
        flash(request, _("Correction added to the published release."), "success")
        return redirect_to(request, "release", code=member.operation.code)

    @post("/{action:str}", name="release:act")
    async def act(self, request: Request, db: Db, member: Membership, action: FromPath[str],
                  data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Approve, reopen, schedule, unschedule or publish."""
        release = await self._release(db, member)
        try:
            await workflow.act(db, member, release, action, data.get("version"), utcnow())
        except InvalidInput as exc:
            await db.rollback()
            return await self._page(db, member, release, errors=exc.by_field(), status_code=400)
        except Conflict:
            await db.rollback()
            return await self._page(db, member, release, status_code=409, errors={
                "version": _("someone else changed this release since you opened it: look again, then retry")})
        await db.commit()
        flash(request, _("Release %(action)s.", action=workflow.action_label(action)), "success")
        return redirect_to(request, "release", code=member.operation.code)

    @get("/preview", name="release:preview")
    async def preview(self, request: Request, db: Db, member: Membership) -> Response:
        state = await ReleaseState.of(db, member.operation, await self._release(db, member))
        content, _name = state.file("html", _lang(request), request.user)
        return Response(content, media_type="text/html", headers=FRAMED)

    @get([f"/export.{fmt}" for fmt in EXPORTS], name="release:export")
    async def export(self, request: Request, db: Db, member: Membership) -> Response[bytes]:
        """The release as it stands, as a file; kept in the operation's documents with its provenance."""
        state = await ReleaseState.of(db, member.operation, await self._release(db, member))
        fmt, lang = request.url.path.rsplit(".", 1)[-1], _lang(request)
        content, filename = await state.export(db, fmt, lang, request.user)
        await db.commit()
        return Response(content, media_type=documents.FORMATS[fmt], headers=download_headers(filename))


class PublicReleaseController(Controller):
    """Published releases, for everyone, without login; nothing before publication (404)."""

    include_in_schema = False
    path = "/releases"

    @get("/", name="releases:index")
    async def index(self, db: Db) -> Template:
        rows = (await db.execute(select(Operation.code, Operation.name, Release.published_at)
                                 .join(Release, Release.operation_id == Operation.id)
                                 .where(Release.status == ReleaseStatus.published)
                                 .order_by(Release.published_at.desc()))).all()
        return Template("releases/index.html", context={"releases": rows})

    @get("/{file_name:str}", name="releases:public")
    async def public(self, request: Request, db: Db, file_name: FromPath[str]) -> Response:
        """`/releases/CODE` (HTML), `CODE.json`, `CODE.pdf` or `CODE.csv`; `?lang=fr|es|en`."""
        code, dot, fmt = file_name.rpartition(".")
        if not dot or fmt not in ("json", "pdf", "csv"):
            code, fmt = file_name, "html"
        row = (await db.execute(select(Operation, Release).join(Release, Release.operation_id == Operation.id)
                                .where(Operation.code == code.upper(),
                                       Release.status == ReleaseStatus.published))).first()
        if row is None:
            raise NotFoundException(_("no published release %(code)s", code=code))
        operation, release = row
        lang = request.query_params.get("lang") or negotiate(request.headers.get("accept-language")) or "en"
        lang = lang if lang in LANGUAGES else "en"
        state = await ReleaseState.of(db, operation, release)
        if fmt == "pdf":
            content, filename = await self._kept_pdf(db, state, lang)
        else:
            content, filename = state.file(fmt, lang, PUBLIC_DOWNLOAD, public=True)
        return Response(content, media_type=documents.FORMATS[fmt], headers={
            **download_headers(filename, inline=fmt == "html"), "content-language": lang,
            "cache-control": "public, max-age=300"})

    async def _kept_pdf(self, db: Db, state: ReleaseState, lang: str) -> tuple[bytes, str]:
        """PDFs take a second to lay out: each language is made once per version of the release and kept."""
        source = state.provenance(PUBLIC_DOWNLOAD)
        kept = await db.scalar(select(Artifact).where(
            Artifact.operation_id == state.operation.id, Artifact.kind == "release", Artifact.format == "pdf",
            Artifact.language == lang, Artifact.data_hash == source.data_hash).order_by(Artifact.id.desc()).limit(1))
        if kept is not None:
            return kept.content, kept.filename
        content, filename = state.file("pdf", lang, PUBLIC_DOWNLOAD)
        await documents.keep(db, state.operation, kind="release", edition=None, language=lang, fmt="pdf",
                             filename=filename, content=content, source=source)
        await db.commit()
        return content, filename
