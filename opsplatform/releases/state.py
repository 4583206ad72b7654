"""A release gathered for rendering: its figures (frozen once approved, else as of now), its corrections and the
copies of the photos it shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.database import utcnow
from opsplatform.documents import services as documents
from opsplatform.models.auth import User
from opsplatform.models.operations import Operation
from opsplatform.models.releases import Release, ReleaseCorrection
from opsplatform.releases import render, workflow
from opsplatform.seizures import attachments


@dataclass
class ReleaseState:
    """The release with its figures (frozen once approved, else as of now), corrections and photos (each with the
    copy of it made for the public), ready to render."""

    operation: Operation
    release: Release
    figures: dict[str, Any]
    corrections: list[ReleaseCorrection]
    photos: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def of(cls, db: AsyncSession, operation: Operation, release: Release) -> ReleaseState:
        figures = await workflow.figures_of(db, operation, release, utcnow())
        return cls(operation, release, figures, await workflow.corrections_of(db, release),
                   await attachments.release_copies(db, figures.get("photos") or []))  # none in releases made before

    def provenance(self, by: User) -> documents.Provenance:
        return render.provenance(self.figures, self.release, self.corrections, by, self.photos)

    def file(self, fmt: str, lang: str, by: User, *, public: bool = False) -> tuple[bytes, str]:
        """The release in a format and language: content and file name."""
        args = (self.figures, self.release, self.corrections, lang)
        if fmt == "json":
            content = json.dumps(render.as_json(*args), ensure_ascii=False, indent=2).encode()
        elif fmt == "csv":
            content = render.as_csv(*args)
        else:
            html = render.as_html(*args, by, public=public and fmt == "html", photos=self.photos)
            content = documents.convert(html, fmt, title=self.operation.name)
        return content, f"{self.operation.code}-release-{lang}.{fmt}"

    async def export(self, db: AsyncSession, fmt: str, lang: str, by: User) -> tuple[bytes, str]:
        """The release as a file, kept in the operation's documents with its provenance (the caller commits)."""
        content, filename = self.file(fmt, lang, by)
        await documents.keep(db, self.operation, kind="release", edition=None, language=lang, fmt=fmt,
                             filename=filename, content=content, source=self.provenance(by))
        return content, filename
