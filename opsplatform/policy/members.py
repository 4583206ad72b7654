"""Roles and what they allow: accounts outside operations and members inside one (`Member`, `can`, `may`)."""

from __future__ import annotations

from dataclasses import dataclass

from opsplatform.models.auth import Role, User
from opsplatform.models.operations import Operation

TEAM_ROLES = (Role.coordinator, Role.analyst, Role.press_officer)
# A team member holds its account's role in an operation, or one that reaches less (a coordinator may sit in
# another's operation as an analyst).
HOLDABLE: dict[str, tuple[str, ...]] = {Role.coordinator: TEAM_ROLES, Role.analyst: (Role.analyst,),
                                        Role.press_officer: (Role.press_officer,)}

# What an account may do outside any operation.
ACCOUNT: dict[str, frozenset[str]] = {
    Role.admin: frozenset({"administer", "run_jobs"}),
    Role.coordinator: frozenset({"join_operations", "create_operations", "annual_report", "run_jobs",
                                 "find_records"}),
    Role.focal_point: frozenset({"join_operations", "annual_report", "daily_reminders", "find_records",
                                 "keep_register"}),
    Role.analyst: frozenset({"join_operations", "annual_report", "find_records"}),
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
