"""Who may see and change what. The one place for access rules; every list, page, export and aggregate asks here.

Rules are expressed as SQL filters (`visible_…` return a Select or a WHERE clause), so that access is enforced
by the query itself and never by `if` checks scattered through controllers and templates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.sql import Select

from opsplatform.auth.models import Role, User
from opsplatform.cases.models import Audience, OperationMessage, SeizureLink
from opsplatform.documents.models import Artifact
from opsplatform.operations.models import Operation, Participant, Publicity
from opsplatform.reference.models import Country, NetworkMember
from opsplatform.seizures.models import Seizure

# What each role may do, by capability name. Country scoping comes on top, through the filters below.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.admin: frozenset({"admin", "manage_users", "manage_reference", "view_audit", "view_outbox"}),
    Role.coordinator: frozenset({"view_operations", "manage_operations", "view_records", "log_records", "validate_records",
                                 "approve_release", "view_completeness", "generate_briefings", "draft_release",
                                 "follow_up", "link_records", "annual_report", "messages"}),
    Role.focal_point: frozenset({"view_operations", "view_records", "log_records", "follow_up", "link_records",
                                 "annual_report", "messages"}),
    Role.analyst: frozenset({"view_operations", "view_records", "view_completeness", "annual_report", "messages"}),
    Role.press_officer: frozenset({"view_operations", "draft_release"}),
}


def can(user: User | None, capability: str) -> bool:
    return user is not None and capability in CAPABILITIES.get(user.role, frozenset())


def _network_countries(network_code: str) -> Select:
    return select(NetworkMember.country_code).where(NetworkMember.network_code == network_code)


def visible_operations(user: User) -> Select[tuple[Operation]]:
    """Operations a user can open: all for the global roles, those its country takes part in for a focal point."""
    query = select(Operation)
    if user.role == Role.focal_point:
        return query.where(Operation.id.in_(
            select(Participant.operation_id).where(Participant.country_code == user.country_code)))
    if user.role == Role.coordinator and user.network_code:
        return query.where(Operation.id.in_(
            select(Participant.operation_id).where(Participant.country_code.in_(_network_countries(user.network_code)))))
    if can(user, "view_operations"):
        return query
    return query.where(false())


def seizure_access(user: User) -> ColumnElement[bool]:
    """WHERE clause for the seizures a user sees in full (every field but nominal data, which has its own rule)."""
    if user.role == Role.focal_point:
        own = Seizure.reporting_country == user.country_code
        # Shared records are open to every participant of the same operation.
        shared = and_(Seizure.shared_with_participants, Seizure.operation_id.in_(
            select(Participant.operation_id).where(Participant.country_code == user.country_code)))
        return or_(own, shared)
    if user.role == Role.coordinator and user.network_code:
        return Seizure.reporting_country.in_(_network_countries(user.network_code))
    if user.role in (Role.coordinator, Role.analyst):
        return true()
    return false()


def visible_seizures(user: User) -> Select[tuple[Seizure]]:
    return select(Seizure).where(seizure_access(user))


def may_change_seizure(user: User, seizure: Seizure) -> bool:
    """Focal points change their own country's records; coordinators correct any record they can see."""
    if user.role == Role.focal_point:
        return seizure.reporting_country == user.country_code
    return user.role == Role.coordinator


def sees_nominal(user: User, country_code: str) -> bool:
    """Names, dates of birth and document numbers: cleared users only, and a focal point only for its country.

    Which records a coordinator or analyst reaches at all is decided by `seizure_access` first.
    """
    if not user.cleared_for_nominal:
        return False
    if user.role == Role.focal_point:
        return country_code == user.country_code
    return user.role in (Role.coordinator, Role.analyst)


def may_use_second_factor(user: User) -> bool:
    """Coordinators and administrators may protect their login with a one-time code (their reach is widest)."""
    return user.role in (Role.coordinator, Role.admin)


def may_edit_operation(user: User) -> bool:
    """Create and edit operations, move phases, choose participants, targets and routes: global coordinators."""
    return user.role == Role.coordinator and not user.network_code


def managed_countries(user: User) -> Select | None:
    """Countries whose focal points and consents a coordinator manages: all (None) or its network's members."""
    if user.network_code:
        return _network_countries(user.network_code)
    return None


def may_manage_focal_points(user: User) -> bool:
    return user.role == Role.coordinator


def sees_directory(user: User) -> bool:
    """The focal-point directory is for the operation's members: coordinators, analysts and focal points."""
    return user.role in (Role.coordinator, Role.analyst, Role.focal_point)


def aggregate_access(user: User, country: Any = Seizure.reporting_country,
                     operation_id: Any = Seizure.operation_id) -> ColumnElement[bool]:
    """Which seizures count in the figures a user sees: every country's for members of the operation; for a press
    officer only countries whose consent lets the release show them (`named` or `aggregate`). `country` and
    `operation_id` default to the seizure's; the daily figures pass their own columns."""
    if user.role == Role.press_officer:
        return country.in_(select(Participant.country_code).where(
            Participant.operation_id == operation_id, Participant.publicity != "none"))
    if can(user, "view_records"):
        return true()
    return false()


def names_only_consenting(user: User) -> bool:
    """A press officer sees a country by name only if it consented to be named; others are folded into 'other'."""
    return user.role == Role.press_officer


def named_countries(operation_id: Any) -> Select:
    """The participants of an operation that consented to be named in public figures."""
    return select(Participant.country_code).where(Participant.operation_id == operation_id,
                                                  Participant.publicity == Publicity.named)


# Who reads which generated documents. The restricted pre-operation briefing (with the focal-point directory) and
# the post-operation results are for the operation's members; the sitrep for those who run and study it; release
# files for the press office and coordinators. Visibility of the operation itself comes first.
DOCUMENT_READERS: dict[tuple[str, str | None], frozenset[str]] = {
    ("pre", "restricted"): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("pre", "shareable"): frozenset({Role.coordinator, Role.analyst, Role.focal_point, Role.press_officer}),
    ("sitrep", None): frozenset({Role.coordinator, Role.analyst}),
    ("post", None): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("release", None): frozenset({Role.coordinator, Role.analyst, Role.press_officer}),
}


def readable_documents(user: User) -> ColumnElement[bool]:
    """WHERE clause for the generated documents (of visible operations) a user may open."""
    allowed = [and_(Artifact.kind == kind, Artifact.edition.is_(None) if edition is None else Artifact.edition == edition)
               for (kind, edition), roles in DOCUMENT_READERS.items() if user.role in roles]
    return or_(false(), *allowed)


def may_draft_release(user: User) -> bool:
    """Write the release's narrative, set its embargo, schedule it, export it, note corrections."""
    return can(user, "draft_release")


def may_approve_release(user: User) -> bool:
    """Approve (freezing the figures) and publish by hand: coordinators of the whole operation."""
    return can(user, "approve_release") and not user.network_code


# --- the case exchange ---------------------------------------------------------------------------------------------

def annual_report_countries(user: User) -> Select:
    """Countries whose annual illegal trade report a user may export: a focal point its own; a network coordinator
    its network's; a global coordinator and an analyst every country."""
    query = select(Country.alpha3)
    if user.role == Role.focal_point:
        return query.where(Country.alpha3 == user.country_code)
    if user.role == Role.coordinator and user.network_code:
        return query.where(Country.alpha3.in_(_network_countries(user.network_code)))
    if user.role in (Role.coordinator, Role.analyst):
        return query
    return query.where(false())


def annual_report_access(user: User, country: str) -> ColumnElement[bool]:
    """A country's seizures for its annual illegal trade report: its own focal points (their own country only, never
    the records other countries shared with them), coordinators and analysts for the countries they see."""
    if user.role == Role.focal_point:
        return and_(Seizure.reporting_country == country, true() if country == user.country_code else false())
    if user.role in (Role.coordinator, Role.analyst):
        return and_(Seizure.reporting_country == country, seizure_access(user))
    return false()


def link_access(user: User) -> ColumnElement[bool]:
    """Links a user sees: a focal point those its country is party to; a coordinator those between countries it
    coordinates; a global coordinator and an analyst all."""
    if user.role == Role.focal_point:
        return or_(SeizureLink.requesting_country == user.country_code, SeizureLink.other_country == user.country_code)
    if user.role == Role.coordinator and user.network_code:
        members = _network_countries(user.network_code)
        return and_(SeizureLink.requesting_country.in_(members), SeizureLink.other_country.in_(members))
    if user.role in (Role.coordinator, Role.analyst):
        return true()
    return false()


def may_request_link(user: User, seizure: Seizure) -> bool:
    """A link is asked for from one side: the record's own country, or a coordinator."""
    return may_change_seizure(user, seizure)


def link_target_access(user: User) -> ColumnElement[bool]:
    """Which record of the operation a link may point at: a focal point names any participant's record by its
    reference (and learns no more than that it exists); a coordinator one it sees."""
    return true() if user.role == Role.focal_point else seizure_access(user)


def may_decide_link(user: User, link: SeizureLink) -> bool:
    """The other country consents (one of its focal points), or a coordinator does; never whoever asked."""
    if link.requested_by is not None and link.requested_by == user.id:
        return False
    if user.role == Role.focal_point:
        return link.other_country == user.country_code
    return user.role == Role.coordinator


def may_remove_link(user: User, link: SeizureLink) -> bool:
    """Either country, or a coordinator, may undo a link (or withdraw a request)."""
    if user.role == Role.focal_point:
        return user.country_code in (link.requesting_country, link.other_country)
    return user.role == Role.coordinator


def sees_link_network(user: User) -> bool:
    return user.role == Role.coordinator


def cleared_member(user: User) -> bool:
    """Cleared for nominal data among those who handle records: told of suspect matches, and reading a message's
    nominal section (its poster had to be cleared to write it)."""
    return user.cleared_for_nominal and user.role in (Role.focal_point, Role.coordinator, Role.analyst)


def operation_coordinators(operation_id: Any) -> Select:
    """User ids of the active coordinators who see an operation: the global ones, and those of a network that takes
    part in it."""
    in_network = select(NetworkMember.network_code).join(
        Participant, Participant.country_code == NetworkMember.country_code).where(
        Participant.operation_id == operation_id)
    return select(User.id).where(User.role == Role.coordinator, User.is_active,
                                 or_(User.network_code.is_(None), User.network_code.in_(in_network)))


def message_access(user: User) -> ColumnElement[bool]:
    """The messages of an operation a member reads (the operation itself must be visible, see visible_operations):
    everything for coordinators and analysts; for a focal point, those to the whole operation and those narrowed
    to its country's region or network; and always one's own."""
    if user.role in (Role.coordinator, Role.analyst):
        return true()
    if user.role != Role.focal_point:
        return false()
    country = select(Country).where(Country.alpha3 == user.country_code).subquery()
    in_region = select(country.c.alpha3).where(or_(country.c.region_code == OperationMessage.audience_code,
                                                   country.c.subregion_code == OperationMessage.audience_code,
                                                   country.c.intermediate_region_code == OperationMessage.audience_code))
    in_network = select(NetworkMember.country_code).where(NetworkMember.network_code == OperationMessage.audience_code,
                                                          NetworkMember.country_code == user.country_code)
    return or_(OperationMessage.audience == Audience.operation,
               and_(OperationMessage.audience == Audience.region, in_region.exists()),
               and_(OperationMessage.audience == Audience.network, in_network.exists()),
               OperationMessage.author_id == user.id)


def message_readers(operation_id: int, audience: str, audience_code: str | None) -> Select:
    """User ids of the members who may read a message to this audience: the SQL twin of `message_access`."""
    focal = select(User.id).where(User.role == Role.focal_point, User.is_active, User.country_code.in_(
        select(Participant.country_code).where(Participant.operation_id == operation_id)))
    if audience == Audience.region:
        focal = focal.where(User.country_code.in_(select(Country.alpha3).where(or_(
            Country.region_code == audience_code, Country.subregion_code == audience_code,
            Country.intermediate_region_code == audience_code))))
    elif audience == Audience.network:
        focal = focal.where(User.country_code.in_(_network_countries(audience_code or "")))
    analysts = select(User.id).where(User.role == Role.analyst, User.is_active)
    return focal.union(operation_coordinators(operation_id), analysts)
