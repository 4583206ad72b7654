"""Generated documents and the scope they cover."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from opsplatform.models.auth import Role
from opsplatform.models.documents import Artifact
from opsplatform.policy.members import IN_OPERATION, Member

# Who reads which generated documents. The restricted pre-operation briefing (with the focal-point directory) and
# the post-operation results are for the operation's members; the sitrep for those who run and study it; release
# files for the press office and coordinators.
DOCUMENT_READERS: dict[tuple[str, str | None], frozenset[str]] = {
    ("pre", "restricted"): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("pre", "shareable"): frozenset({Role.coordinator, Role.analyst, Role.focal_point, Role.press_officer}),
    ("sitrep", None): frozenset({Role.coordinator, Role.analyst}),
    ("post", None): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("release", None): frozenset({Role.coordinator, Role.analyst, Role.press_officer}),
    ("export", None): frozenset(role for role, allowed in IN_OPERATION.items() if "view_records" in allowed),
}
# Documents that list records, not only figures: each is made for a scope and read only inside it.
RECORD_DOCUMENTS = ("sitrep", "export")
# Documents made for one member (a workbook of the records it sees in full): only that member opens them.
PERSONAL_DOCUMENTS = ("export",)
WHOLE_OPERATION = "operation"


def document_scope(member: Member) -> tuple[str, list[str] | None]:
    """The scope a document made by this member covers: the whole operation, or its network's edition."""
    if member.countries is None:
        return WHOLE_OPERATION, None
    return f"network:{member.network}" if member.network else f"country:{member.user.country_code}", \
        sorted(member.countries)


def readable_documents(member: Member) -> ColumnElement[bool]:
    """WHERE clause for the operation's documents a member may open: by its role for the kind, for documents listing
    records only those made for a scope inside its own, and of those made for one member only its own."""
    scope, _countries = document_scope(member)
    inside = or_(Artifact.kind.not_in(RECORD_DOCUMENTS), Artifact.scope == scope) \
        if member.countries is not None else true()
    allowed = [and_(Artifact.kind == kind,
                    Artifact.edition.is_(None) if edition is None else Artifact.edition == edition)
               for (kind, edition), roles in DOCUMENT_READERS.items() if member.role in roles]
    own = or_(Artifact.kind.not_in(PERSONAL_DOCUMENTS), Artifact.generated_by_id == member.user.id)
    return and_(Artifact.operation_id == member.operation.id, inside, own, or_(false(), *allowed))
