"""The operation's documents: provenance, conversion of a rendered HTML document to its format, and keeping it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from opsplatform.documents.render import docx_from_html, pdf_from_html
from opsplatform.models.auth import User
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation

FORMATS = {  # text types get "; charset=utf-8" from Litestar
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DOCUMENT_FORMATS = ("html", "pdf", "docx")


@dataclass(frozen=True)
class Provenance:
    """What a document shows and who made it: printed in its footer and kept in the list of documents."""

    data_as_of: datetime
    data_hash: str
    generated_by: str
    generated_by_id: int | None = None
    record_counts: dict[str, int] = field(default_factory=dict)


def provenance(data: Any, *, as_of: datetime, user: User, counts: dict[str, int]) -> Provenance:
    """The hash is of the data itself (canonical JSON), so every language and format of one edition shares it."""
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return Provenance(data_as_of=as_of, data_hash=hashlib.sha256(canonical.encode()).hexdigest(),
                      generated_by=f"{user.name} <{user.email}>" if user.id else user.name,
                      generated_by_id=user.id, record_counts=counts)


def convert(html: str, fmt: str, *, title: str) -> bytes:
    """A rendered HTML document in one of DOCUMENT_FORMATS."""
    if fmt == "pdf":
        return pdf_from_html(html)
    if fmt == "docx":
        return docx_from_html(html, title=title)
    return html.encode()


async def keep(session: AsyncSession, operation: Operation, *, kind: str, edition: str | None, language: str,
               fmt: str, filename: str, content: bytes, source: Provenance,
               scope: tuple[str, list[str] | None] | None = None) -> Artifact:
    """Add the document to the operation's list (in the caller's transaction), with the scope of records it covers
    (the whole operation by default)."""
    scope_name, countries = scope or ("operation", None)
    artifact = Artifact(operation_id=operation.id, kind=kind, edition=edition, language=language, format=fmt,
                        scope=scope_name, countries=countries,
                        filename=filename, content=content, size=len(content), data_as_of=source.data_as_of,
                        record_counts=source.record_counts, data_hash=source.data_hash,
                        generated_by_id=source.generated_by_id, generated_by=source.generated_by[:254])
    session.add(artifact)
    await session.flush()
    return artifact


async def documents_of(session: AsyncSession, operation: Operation, readable: Any) -> Sequence[Artifact]:
    """The operation's documents that `readable` (a policy clause) lets through, newest first, without content."""
    return (await session.scalars(
        select(Artifact).options(defer(Artifact.content))
        .where(Artifact.operation_id == operation.id, readable)
        .order_by(Artifact.created_at.desc(), Artifact.id.desc()))).all()

