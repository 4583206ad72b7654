"""What a route handler receives already checked, through dependencies that ask `policy`.

Every route under `/operations/{code}` gets `member` (the user's place in that operation: 404 outside its closed
group) and `operation`; routes with a record, a record's attachment, an upload, document, link or message in the path
get it the same way, never one the user may not see. A route that needs more than membership says so with
`needs(capability)`, answered 403 for a member without it:

    @get("/seizures/{seizure_id:int}", name="seizures:detail", dependencies=needs("view_records"))
    async def detail(self, operation: ReadableOperation, seizure: ReadableSeizure) -> Template: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy import select

from opsplatform import policy
from opsplatform.i18n import _
from opsplatform.models.cases import SeizureLink
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import Seizure, SeizureAttachment, SheetImport
from opsplatform.policy import Member
from opsplatform.seizures import attachments
from opsplatform.web.authentication import PATH_MEMBER
from opsplatform.web.deps import Db

Membership: TypeAlias = NamedDependency[Member]  # as `member`: the user's place in the path's operation
ReadableOperation: TypeAlias = NamedDependency[Operation]  # as `operation`
ReadableSeizure: TypeAlias = NamedDependency[Seizure]  # as `seizure`: a record the member sees in full
ReadableAttachment: TypeAlias = NamedDependency[SeizureAttachment]  # as `attachment`: a file of such a record
ReadableUpload: TypeAlias = NamedDependency[SheetImport]  # as `upload`: a sheet of a country the member logs for
ReadableLink: TypeAlias = NamedDependency[SeizureLink]  # as `link`
ReadableDocument: TypeAlias = NamedDependency[Artifact]  # as `document`


def _user(request: Request) -> Any:
    if request.user is None:
        raise NotAuthorizedException(_("log in, or send a valid API token as 'Authorization: Bearer <token>'"))
    return request.user


def _member(request: Request) -> Member:
    _user(request)
    member = request.state.get(PATH_MEMBER)  # read with who asks (web/authentication.py)
    if member is None:  # outside the closed group the operation does not exist
        raise NotFoundException(_("no operation that you can see with this code"))
    return member


def _checked(member: Member, capability: str | None) -> Member:
    if capability is not None and not policy.may(member, capability):
        raise PermissionDeniedException(_("your role in this operation does not allow this"))
    return member


def _provider(capability: str | None) -> Callable[[Request], Awaitable[Member]]:
    async def provide_member(request: Request) -> Member:
        member = _checked(_member(request), capability)
        request.state.member = member  # what the page's `may(…)` asks about
        return member
    return provide_member


def may(context: Any, capability: str) -> bool:
    """For templates: may the member of the request's operation do this there (see `policy.may`)?"""
    member = context["request"].state.get("member")
    return member is not None and policy.may(member, capability)


def needs(capability: str) -> dict[str, Provide]:
    """Route dependencies: a member of the path's operation holding `capability` there (403 otherwise)."""
    return {"member": Provide(_provider(capability))}


async def provide_operation(member: Membership) -> Operation:
    return member.operation


async def provide_seizure(db: Db, member: Membership, seizure_id: FromPath[int]) -> Seizure:
    seizure = await db.scalar(select(Seizure).where(Seizure.id == seizure_id, policy.records(member)))
    if seizure is None:
        raise NotFoundException(_("no seizure %(id)s that you can see", id=seizure_id))
    return seizure


async def provide_attachment(db: Db, seizure: ReadableSeizure, file_id: FromPath[int]) -> SeizureAttachment:
    """A photo or document of a record the member sees in full (without its bytes): readers of the record read its
    files, and nobody else."""
    attachment = await attachments.attachment_of(db, seizure, file_id)
    if attachment is None:
        raise NotFoundException(_("no attachment %(id)s that you can read", id=file_id))
    return attachment


async def provide_upload(db: Db, member: Membership, import_id: FromPath[int]) -> SheetImport:
    upload = await db.scalar(select(SheetImport).where(SheetImport.id == import_id, policy.uploads(member)))
    if upload is None:
        raise NotFoundException(_("no upload %(id)s that you can see", id=import_id))
    return upload


async def provide_link(db: Db, member: Membership, link_id: FromPath[int]) -> SeizureLink:
    link = await db.scalar(select(SeizureLink).where(SeizureLink.id == link_id, policy.link_access(member)))
    if link is None:
        raise NotFoundException(_("no link %(id)s that you can see", id=link_id))
    return link


async def provide_document(request: Request, db: Db, artifact_id: FromPath[int]) -> Artifact:
    """A generated document exactly as it was made, for a member of its operation whose scope covers it."""
    operation = await db.scalar(select(Operation).join(Artifact, Artifact.operation_id == Operation.id)
                                .where(Artifact.id == artifact_id))
    member = await policy.member_of(db, _user(request), operation) if operation is not None else None
    document = member and await db.scalar(select(Artifact).where(Artifact.id == artifact_id,
                                                                 policy.readable_documents(member)))
    if not document:
        raise NotFoundException(_("no document %(id)s that you can read", id=artifact_id))
    return document


DEPENDENCIES = {"member": Provide(_provider(None)), "operation": Provide(provide_operation),
                "seizure": Provide(provide_seizure), "attachment": Provide(provide_attachment),
                "upload": Provide(provide_upload), "link": Provide(provide_link), "document": Provide(provide_document)}
