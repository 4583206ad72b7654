"""Generate a briefing: gather its data, render it in a language, convert it to a format, keep it with provenance."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.briefings import post, pre, sitrep
from opsplatform.briefings.brief import Builder
from opsplatform.documents import services as documents
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _, language
from opsplatform.models.documents import Artifact
from opsplatform.policy import Member
from opsplatform.rendering.templates import render
from opsplatform.settings import LANGUAGES, Settings

KINDS = ("pre", "sitrep", "post")
EDITIONS = ("restricted", "shareable")
STEPS = 3  # gathered, rendered, converted: what `generate` tells its progress


async def _unheard(_step: int) -> None:
    return None


def kind_title(kind: str, edition: str | None = None) -> str:
    title = {"pre": _("Pre-operation briefing"), "sitrep": _("Daily situation report"),
             "post": _("Post-operation briefing"), "release": _("Public results release"),
             "export": _("Workbook of the filtered records")}[kind]
    if edition == "shareable":
        return _("%(title)s (shareable edition)", title=title)
    if edition == "restricted":
        return _("%(title)s (restricted edition)", title=title)
    return title


def check_request(kind: str, fmt: str, lang: str, edition: str | None) -> str | None:
    """Refuse an unknown kind, format, language or edition, naming the field; the edition a kind takes."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _("choose one of %(values)s", values=", ".join(KINDS))
    if fmt not in documents.DOCUMENT_FORMATS:
        errors["format"] = _("choose one of %(values)s", values=", ".join(documents.DOCUMENT_FORMATS))
    if lang not in LANGUAGES:
        errors["lang"] = _("choose one of %(values)s", values=", ".join(LANGUAGES))
    if kind == "pre" and edition not in (None, *EDITIONS):
        errors["edition"] = _("choose one of %(values)s", values=", ".join(EDITIONS))
    if errors:
        raise InvalidInput.from_dict(errors)
    return (edition or "restricted") if kind == "pre" else None


async def generate(session: AsyncSession, settings: Settings, member: Member, *, kind: str,
                   fmt: str, lang: str, edition: str | None = None, now: datetime,
                   progress: Callable[[int], Awaitable[None]] | None = None) -> Artifact:
    """Build the briefing as of `now` as the member sees the operation, keep it in the operation's documents with the
    scope it covers (caller commits) and return it. `progress` hears each of the STEPS done (a task's beat): the
    data gathered and drawn, the document rendered, converted to its format."""
    operation, user = member.operation, member.user
    edition = check_request(kind, fmt, lang, edition)
    builder: Builder = {"pre": pre.build, "sitrep": sitrep.build, "post": post.build}[kind]
    told = progress or _unheard
    with language(lang):
        brief = await builder(session, settings, member, edition, now)
        await told(1)
        source = documents.provenance({"kind": kind, "edition": edition, **brief.data}, as_of=now, user=user,
                                      counts=brief.counts)
        title = f"{kind_title(kind, edition)} · {operation.name}"
        html = render(brief.template, title=title, operation=operation, data=brief.data, edition=edition,
                      provenance=source, settings=settings, **brief.view)
        await told(2)
        content = documents.convert(html, fmt, title=title)
        await told(3)
    suffix = f"-{edition}" if edition else ""
    filename = f"{operation.code}-{kind}{suffix}-{lang}-{now:%Y%m%d-%H%M}.{fmt}"
    return await documents.keep(session, operation, kind=kind, edition=edition, language=lang, fmt=fmt,
                                filename=filename, content=content, source=source,
                                scope=policy.document_scope(member) if kind in policy.RECORD_DOCUMENTS else None)
