"""Who may see and change what. The one place for access rules; every list, page, export and aggregate asks here.

An operation is a closed user group: its team (coordinators, analysts and press officers named on it, led by its
leads) and the focal points of its participating countries. `Member` is what a user is in one operation: the role
held there, whether it leads, and the countries it reaches (a focal point its own; a coordinator limited to a
network that network's members; everyone else every participant). Rules are SQL filters where they select records
(`records(member)` returns a WHERE clause), so that access is enforced by the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, literal, or_, select, true

from opsplatform.i18n import _
from opsplatform.models.auth import Role, User
from opsplatform.models.cases import Audience, OperationMessage, SeizureLink
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import FocalPoint, Operation, OperationMember, Participant, Publicity
from opsplatform.models.reference import Country, NetworkMember
from opsplatform.models.seizures import Seizure, SheetImport

TEAM_ROLES = (Role.coordinator, Role.analyst, Role.press_officer)
# A team member holds its account's role in an operation, or one that reaches less (a coordinator may sit in
# another's operation as an analyst).
HOLDABLE: dict[str, tuple[str, ...]] = {Role.coordinator: TEAM_ROLES, Role.analyst: (Role.analyst,),
                                        Role.press_officer: (Role.press_officer,)}

# What an account may do outside any operation.
ACCOUNT: dict[str, frozenset[str]] = {
    Role.admin: frozenset({"administer", "run_jobs"}),
    Role.coordinator: frozenset({"join_operations", "create_operations", "annual_report", "run_jobs"}),
    Role.focal_point: frozenset({"join_operations", "annual_report", "daily_reminders"}),
    Role.analyst: frozenset({"join_operations", "annual_report"}),
    Role.press_officer: frozenset({"join_operations"}),
}

# What a role may do inside an operation it belongs to; the countries it reaches come on top.
IN_OPERATION: dict[str, frozenset[str]] = {
    Role.focal_point: frozenset({"view_records", "log_records", "follow_up", "link_records", "messages"}),
    Role.coordinator: frozenset({"view_records", "log_records", "validate_records", "generate_briefings",
                                 "draft_release", "follow_up", "link_records", "messages", "invite_focal_points"}),
    Role.analyst: frozenset({"view_records", "messages"}),
    Role.press_officer: frozenset({"draft_release"}),
}
LEAD = frozenset({"edit_operation", "manage_team"})


@dataclass(frozen=True)
class Member:
    """A user's place in one operation."""

    user: User
    operation: Operation
    role: str
    lead: bool = False
    # The countries whose records it reaches; None is every participant.
    countries: frozenset[str] | None = None

    def reaches(self, country: str | None) -> bool:
        return self.countries is None or country in self.countries

    @property
    def network(self) -> str | None:
        return self.user.network_code


def can(user: User | None, capability: str) -> bool:
    """An account-wide capability (administration, creating operations, the annual report)."""
    return user is not None and capability in ACCOUNT.get(user.role, frozenset())


def may(member: Member, capability: str) -> bool:
    """A capability inside the member's operation: by the role held there, and `LEAD` for its leads."""
    if capability == "approve_release":  # freezing the public figures: a coordinator of every country
        return member.role == Role.coordinator and member.countries is None
    return capability in IN_OPERATION.get(member.role, frozenset()) or (member.lead and capability in LEAD)


# --- membership ----------------------------------------------------------------------------------------------------

def network_countries(network_code: str) -> Select:
    return select(NetworkMember.country_code).where(NetworkMember.network_code == network_code)


def _revoked(operation_id: Any, user_id: Any) -> ColumnElement[bool]:
    """A focal point taken off the operation by a coordinator (its invitation revoked) is no longer a member."""
    return select(FocalPoint.id).where(FocalPoint.operation_id == operation_id, FocalPoint.user_id == user_id,
                                       FocalPoint.revoked_at.is_not(None)).exists()


def operations_of(user: User, roles: tuple[str, ...] = (*TEAM_ROLES, Role.focal_point)) -> Select:
    """Ids of the operations where the user holds one of `roles`: its team's, or its country's as a focal point. An
    actor without an account (the command line, a scheduled job) is in every operation."""
    if user.id is None:
        return select(Operation.id)
    if user.role == Role.focal_point:
        if Role.focal_point not in roles:
            return select(Operation.id).where(false())
        return select(Participant.operation_id).where(Participant.country_code == user.country_code,
                                                      ~_revoked(Participant.operation_id, user.id))
    return select(OperationMember.operation_id).where(OperationMember.user_id == user.id,
                                                      OperationMember.role.in_(roles))


def visible_operations(user: User) -> Select[tuple[Operation]]:
    """Operations a user can open: those of its teams, or those its country takes part in for a focal point."""
    return select(Operation).where(Operation.id.in_(operations_of(user)))


def command_line() -> User:
    """Whoever runs the command line has the database itself: an actor without an account (see `member_of`)."""
    return User(id=None, email="cli", name="command line", role=Role.coordinator)


async def member_of(session: Any, user: User, operation: Operation) -> Member | None:
    """The user's place in the operation, or None when it is not one of its closed group. An actor without an
    account (the command line, a scheduled job) acts as a lead coordinator of every country, or of its network's
    for a network's edition."""
    if user.id is None:
        countries = frozenset((await session.scalars(network_countries(user.network_code))).all()) \
            if user.network_code else None
        return Member(user, operation, Role.coordinator, lead=True, countries=countries)
    if user.role == Role.focal_point:
        takes_part = await session.scalar(select(Participant.id).where(
            Participant.operation_id == operation.id, Participant.country_code == user.country_code,
            ~_revoked(operation.id, user.id)))
        return Member(user, operation, Role.focal_point, countries=frozenset({user.country_code})) \
            if takes_part else None
    row = (await session.execute(select(OperationMember.role, OperationMember.lead).where(
        OperationMember.operation_id == operation.id, OperationMember.user_id == user.id))).first()
    if row is None:
        return None
    countries = frozenset((await session.scalars(network_countries(user.network_code))).all()) \
        if user.network_code else None
    return Member(user, operation, row.role, row.lead, countries)


def team_problem(user: User, role: str) -> str | None:
    """Why `user` cannot hold `role` in a team, or None."""
    if not user.is_active:
        return _("%(email)s is not an active account", email=user.email)
    if user.role not in HOLDABLE:
        return _("%(email)s is a %(role)s: a team takes coordinators, analysts and press officers (focal points "
                 "belong through their country)", email=user.email, role=user.role)
    if role not in HOLDABLE[user.role]:
        return _("%(email)s is a %(account)s and cannot act as %(role)s", email=user.email, account=user.role,
                 role=role)
    return None


def may_lead(role: str) -> bool:
    """Leads edit the operation and its team: coordinators."""
    return role == Role.coordinator


def may_create_operation(user: User, countries: set[str], network_members: set[str]) -> bool:
    """A global coordinator creates any operation; a coordinator limited to a network one whose participants are
    all members of its network."""
    if not can(user, "create_operations"):
        return False
    return not user.network_code or countries <= network_members


def team_members(operation_id: Any, role: str) -> Select:
    """User ids of the active members holding `role` in the operation's team."""
    return (select(OperationMember.user_id).join(User, User.id == OperationMember.user_id)
            .where(OperationMember.operation_id == operation_id, OperationMember.role == role, User.is_active))


def operation_coordinators(operation_id: Any) -> Select:
    """User ids of the operation's active coordinators: they follow it (sitreps, suspect matches)."""
    return team_members(operation_id, Role.coordinator)


# --- records -------------------------------------------------------------------------------------------------------

def _reached(member: Member, country: Any) -> ColumnElement[bool]:
    return true() if member.countries is None else country.in_(sorted(member.countries))


def records(member: Member) -> ColumnElement[bool]:
    """WHERE clause for the operation's seizures the member sees in full (every field but nominal data): a focal
    point its country's and those other countries opened to all participants; coordinators and analysts those of
    the countries they reach."""
    in_operation = Seizure.operation_id == member.operation.id
    if member.role == Role.focal_point:
        return and_(in_operation, or_(Seizure.reporting_country == member.user.country_code,
                                      Seizure.shared_with_participants))
    if member.role in (Role.coordinator, Role.analyst):
        return and_(in_operation, _reached(member, Seizure.reporting_country))
    return false()


def records_anywhere(user: User) -> ColumnElement[bool]:
    """WHERE clause for the seizures a user sees in full across every operation of its own (search, matches, the
    annual report): `records` over all its memberships."""
    if user.role == Role.focal_point:
        return or_(Seizure.reporting_country == user.country_code,
                   and_(Seizure.shared_with_participants, Seizure.operation_id.in_(operations_of(user))))
    if user.role in (Role.coordinator, Role.analyst):
        reached = Seizure.reporting_country.in_(network_countries(user.network_code)) if user.network_code else true()
        return and_(Seizure.operation_id.in_(operations_of(user, (Role.coordinator, Role.analyst))), reached)
    return false()


def may_log_for(member: Member, country: str) -> bool:
    """Record seizures, nil returns and sheets for `country`: its focal points, and coordinators reaching it."""
    return may(member, "log_records") and member.reaches(country)


def may_change(member: Member, seizure: Seizure) -> bool:
    """Correct, withdraw or follow up a record: its country's focal points; a coordinator who reaches it."""
    if member.role == Role.focal_point:
        return seizure.reporting_country == member.user.country_code
    return member.role == Role.coordinator and member.reaches(seizure.reporting_country)


def account_country(user: User) -> str | None:
    """The country an account speaks for (a focal point's), or None."""
    return user.country_code if user.role == Role.focal_point else None


def own_country(member: Member) -> str | None:
    """The country a member speaks for (a focal point's), or None."""
    return account_country(member.user) if member.role == Role.focal_point else None


def speaks_for_country(member: Member, country: str) -> bool:
    """The country's own word: its publicity consent, a record's approval for the release, its default sharing."""
    return own_country(member) == country


def corrects_for_others(member: Member, seizure: Seizure) -> bool:
    """A change made by someone other than the record's country: it carries a reason the country is told of."""
    return not speaks_for_country(member, seizure.reporting_country)


def may_correct_closed(member: Member) -> bool:
    """Once an operation is closed, only a coordinator corrects its records (with a reason the audit log keeps)."""
    return member.role == Role.coordinator


def may_validate(member: Member, seizure: Seizure) -> bool:
    return may(member, "validate_records") and member.reaches(seizure.reporting_country)


def sees_nominal(member: Member, country: str) -> bool:
    """Names, dates of birth and document numbers: cleared members reaching the record's country (a focal point
    only its own). Which records a member reaches at all is decided by `records` first."""
    return member.user.cleared_for_nominal and member.role in (Role.focal_point, Role.coordinator, Role.analyst) \
        and member.reaches(country)


# What an administrator administers: the audit page shows the values of these records' changes; of every other
# record (operations and their results belong to their closed groups) only who changed which one and when.
ADMINISTERED = frozenset({"users", "api_tokens", "outbox_messages", "job_runs", "countries", "regions", "networks",
                          "network_members", "organisations", "taxa", "trade_terms", "units", "currencies",
                          "airports"})


def sees_audit_values(user: User, entity: str) -> bool:
    return can(user, "administer") and entity in ADMINISTERED


def may_use_second_factor(user: User) -> bool:
    """Coordinators and administrators may protect their login with a one-time code (their reach is widest)."""
    return user.role in (Role.coordinator, Role.admin)


def sees_directory(member: Member) -> bool:
    """The focal-point directory is for those who handle records: coordinators, analysts and focal points."""
    return member.role in (Role.coordinator, Role.analyst, Role.focal_point)


def uploads(member: Member) -> ColumnElement[bool]:
    """The operation's uploaded sheets a member sees: those of the countries it logs for."""
    if not may(member, "log_records"):
        return false()
    return and_(SheetImport.operation_id == member.operation.id, _reached(member, SheetImport.country_code))


def completeness_countries(member: Member) -> list[str] | None:
    """Whose rows of the daily returns grid a member sees: None is every participant."""
    return None if member.countries is None else sorted(member.countries)


# --- figures -------------------------------------------------------------------------------------------------------

def aggregate_access(member: Member, country: Any = Seizure.reporting_country,
                     operation_id: Any = Seizure.operation_id, *, narrowed: bool = False) -> ColumnElement[bool]:
    """Which seizures count in the figures a member sees: every country's for those who handle records; for a press
    officer only countries whose consent lets the release show them (`named` or `aggregate`), and only `named` ones
    once the figures are narrowed to some countries, so that no filter isolates a country that agreed only to count
    in the totals. `country` and `operation_id` default to the seizure's; the daily figures pass their own."""
    if member.role == Role.press_officer:
        consents = (Publicity.named,) if narrowed else (Publicity.named, Publicity.aggregate)
        return country.in_(select(Participant.country_code).where(
            Participant.operation_id == operation_id, Participant.publicity.in_(consents)))
    if member.role in (Role.focal_point, Role.coordinator, Role.analyst):
        return true()
    return false()


def names_only_consenting(member: Member) -> bool:
    """A press officer sees a country by name only if it consented to be named; others are folded into 'other'."""
    return member.role == Role.press_officer


def named_countries(operation_id: Any) -> Select:
    """The participants of an operation that consented to be named in public figures."""
    return select(Participant.country_code).where(Participant.operation_id == operation_id,
                                                  Participant.publicity == Publicity.named)


def aggregate_countries(operation_id: Any) -> Select:
    """The participants whose figures count in public totals without their name."""
    return select(Participant.country_code).where(Participant.operation_id == operation_id,
                                                  Participant.publicity == Publicity.aggregate)


# --- documents -----------------------------------------------------------------------------------------------------

# Who reads which generated documents. The restricted pre-operation briefing (with the focal-point directory) and
# the post-operation results are for the operation's members; the sitrep for those who run and study it; release
# files for the press office and coordinators.
DOCUMENT_READERS: dict[tuple[str, str | None], frozenset[str]] = {
    ("pre", "restricted"): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("pre", "shareable"): frozenset({Role.coordinator, Role.analyst, Role.focal_point, Role.press_officer}),
    ("sitrep", None): frozenset({Role.coordinator, Role.analyst}),
    ("post", None): frozenset({Role.coordinator, Role.analyst, Role.focal_point}),
    ("release", None): frozenset({Role.coordinator, Role.analyst, Role.press_officer}),
}
# Documents that list records, not only figures: each is made for a scope and read only inside it.
RECORD_DOCUMENTS = ("sitrep",)
WHOLE_OPERATION = "operation"


def document_scope(member: Member) -> tuple[str, list[str] | None]:
    """The scope a document made by this member covers: the whole operation, or its network's edition."""
    if member.countries is None:
        return WHOLE_OPERATION, None
    return f"network:{member.network}" if member.network else f"country:{member.user.country_code}", \
        sorted(member.countries)


def readable_documents(member: Member) -> ColumnElement[bool]:
    """WHERE clause for the operation's documents a member may open: by its role for the kind, and for documents
    listing records only those made for a scope inside its own."""
    scope, _countries = document_scope(member)
    inside = or_(Artifact.kind.not_in(RECORD_DOCUMENTS), Artifact.scope == scope) \
        if member.countries is not None else true()
    allowed = [and_(Artifact.kind == kind,
                    Artifact.edition.is_(None) if edition is None else Artifact.edition == edition)
               for (kind, edition), roles in DOCUMENT_READERS.items() if member.role in roles]
    return and_(Artifact.operation_id == member.operation.id, inside, or_(false(), *allowed))


# --- the case exchange ---------------------------------------------------------------------------------------------

def annual_report_countries(user: User) -> Select:
    """Countries whose annual illegal trade report a user may export: a focal point its own; a network coordinator
    its network's; a global coordinator and an analyst every country (of the records it sees)."""
    query = select(Country.alpha3)
    if user.role == Role.focal_point:
        return query.where(Country.alpha3 == user.country_code)
    if user.role == Role.coordinator and user.network_code:
        return query.where(Country.alpha3.in_(network_countries(user.network_code)))
    if user.role in (Role.coordinator, Role.analyst):
        return query
    return query.where(false())


def annual_report_access(user: User, country: str) -> ColumnElement[bool]:
    """A country's seizures for its annual illegal trade report: its own focal points (their own country only, never
    the records other countries shared with them), coordinators and analysts for the records they see."""
    if user.role == Role.focal_point:
        return and_(Seizure.reporting_country == country, literal(country == user.country_code))
    if user.role in (Role.coordinator, Role.analyst):
        return and_(Seizure.reporting_country == country, records_anywhere(user))
    return false()


def link_access(member: Member) -> ColumnElement[bool]:
    """Links a member sees: a focal point those its country is party to; others those between countries it
    reaches."""
    in_operation = SeizureLink.operation_id == member.operation.id
    if member.role == Role.focal_point:
        return and_(in_operation, or_(SeizureLink.requesting_country == member.user.country_code,
                                      SeizureLink.other_country == member.user.country_code))
    if member.role in (Role.coordinator, Role.analyst):
        return and_(in_operation, _reached(member, SeizureLink.requesting_country),
                    _reached(member, SeizureLink.other_country))
    return false()


def may_request_link(member: Member, seizure: Seizure) -> bool:
    """A link is asked for from one side: the record's own country, or a coordinator reaching it."""
    return may(member, "link_records") and may_change(member, seizure)


def may_decide_link(member: Member, link: SeizureLink) -> bool:
    """The other country consents (one of its focal points), or a coordinator reaching it does; never whoever
    asked."""
    if link.requested_by is not None and link.requested_by == member.user.id:
        return False
    if member.role == Role.focal_point:
        return link.other_country == member.user.country_code
    return member.role == Role.coordinator and member.reaches(link.other_country)


def may_remove_link(member: Member, link: SeizureLink) -> bool:
    """Either country, or a coordinator reaching both, may undo a link (or withdraw a request)."""
    if member.role == Role.focal_point:
        return member.user.country_code in (link.requesting_country, link.other_country)
    return member.role == Role.coordinator and member.reaches(link.requesting_country) \
        and member.reaches(link.other_country)


def sees_link_network(member: Member) -> bool:
    return member.role == Role.coordinator


def cleared_member(user: User) -> bool:
    """Cleared for nominal data among those who handle records: told of suspect matches, and reading the nominal
    section of a message it may read (its poster had to be cleared to write it)."""
    return user.cleared_for_nominal and user.role in (Role.focal_point, Role.coordinator, Role.analyst)


def message_access(member: Member) -> ColumnElement[bool]:
    """The operation's messages a member reads: its leads every one; everyone else those to the whole operation,
    those narrowed to a region or network that takes in its country (or, for a coordinator limited to a network,
    that network), and always its own."""
    in_operation = OperationMessage.operation_id == member.operation.id
    if not may(member, "messages"):
        return false()
    if member.lead:
        return in_operation
    audiences = [OperationMessage.audience == Audience.operation, OperationMessage.author_id == member.user.id]
    if member.role == Role.focal_point:
        country = select(Country).where(Country.alpha3 == member.user.country_code).subquery()
        in_region = select(country.c.alpha3).where(or_(
            country.c.region_code == OperationMessage.audience_code,
            country.c.subregion_code == OperationMessage.audience_code,
            country.c.intermediate_region_code == OperationMessage.audience_code))
        in_network = select(NetworkMember.country_code).where(
            NetworkMember.network_code == OperationMessage.audience_code,
            NetworkMember.country_code == member.user.country_code)
        audiences += [and_(OperationMessage.audience == Audience.region, in_region.exists()),
                      and_(OperationMessage.audience == Audience.network, in_network.exists())]
    elif member.network:
        audiences.append(and_(OperationMessage.audience == Audience.network,
                              OperationMessage.audience_code == member.network))
    return and_(in_operation, or_(*audiences))


def may_address(member: Member, audience: str, audience_code: str | None) -> bool:
    """A coordinator limited to a network writes to that network only; everyone else to any audience."""
    if member.role == Role.focal_point or not member.network:
        return True
    return audience == Audience.network and audience_code == member.network


def message_readers(operation_id: int, audience: str, audience_code: str | None) -> Select:
    """User ids of the members who may read a message to this audience: the SQL twin of `message_access`."""
    focal = select(User.id).where(User.role == Role.focal_point, User.is_active, User.country_code.in_(
        select(Participant.country_code).where(Participant.operation_id == operation_id)),
        ~_revoked(operation_id, User.id))
    team = (select(OperationMember.user_id).join(User, User.id == OperationMember.user_id)
            .where(OperationMember.operation_id == operation_id, User.is_active,
                   OperationMember.role.in_((Role.coordinator, Role.analyst))))
    if audience == Audience.region:
        focal = focal.where(User.country_code.in_(select(Country.alpha3).where(or_(
            Country.region_code == audience_code, Country.subregion_code == audience_code,
            Country.intermediate_region_code == audience_code))))
        team = team.where(OperationMember.lead)
    elif audience == Audience.network:
        focal = focal.where(User.country_code.in_(network_countries(audience_code or "")))
        team = team.where(or_(OperationMember.lead, and_(OperationMember.role == Role.coordinator,
                                                         User.network_code == audience_code)))
    return focal.union(team)
