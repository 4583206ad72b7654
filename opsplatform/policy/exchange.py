"""The case exchange: the annual report, links between records, and messages to their audience."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, literal, or_, select, true

from opsplatform.models.auth import Role, User
from opsplatform.models.cases import Audience, OperationMessage, SeizureLink
from opsplatform.models.operations import OperationMember, Participant
from opsplatform.models.reference import Country, NetworkMember, in_networks, in_regions
from opsplatform.models.seizures import Seizure
from opsplatform.policy.members import Member, may
from opsplatform.policy.membership import network_countries, revoked
from opsplatform.policy.records import may_change, reached, records_anywhere


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
    own = literal(country == user.country_code) if user.role == Role.focal_point else true()
    return and_(Seizure.reporting_country == country, own, records_anywhere(user))


def link_access(member: Member) -> ColumnElement[bool]:
    """Links a member sees: a focal point those its country is party to; others those between countries it
    reaches."""
    in_operation = SeizureLink.operation_id == member.operation.id
    if member.role == Role.focal_point:
        return and_(in_operation, or_(SeizureLink.requesting_country == member.user.country_code,
                                      SeizureLink.other_country == member.user.country_code))
    if member.role in (Role.coordinator, Role.analyst):
        return and_(in_operation, reached(member, SeizureLink.requesting_country),
                    reached(member, SeizureLink.other_country))
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
        own = member.user.country_code
        in_region = in_regions([OperationMessage.audience_code]).where(Country.alpha3 == own)
        in_network = in_networks([OperationMessage.audience_code]).where(NetworkMember.country_code == own)
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
        ~revoked(operation_id, User.id))
    team = (select(OperationMember.user_id).join(User, User.id == OperationMember.user_id)
            .where(OperationMember.operation_id == operation_id, User.is_active,
                   OperationMember.role.in_((Role.coordinator, Role.analyst))))
    if audience == Audience.region:
        focal = focal.where(User.country_code.in_(in_regions([audience_code])))
        team = team.where(OperationMember.lead)
    elif audience == Audience.network:
        focal = focal.where(User.country_code.in_(network_countries(audience_code or "")))
        team = team.where(or_(OperationMember.lead, and_(OperationMember.role == Role.coordinator,
                                                         User.network_code == audience_code)))
    return focal.union(team)
