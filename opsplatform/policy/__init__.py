"""Who may see and change what. The one place for access rules; every list, page, export and aggregate asks here.

An operation is a closed user group: its team (coordinators, analysts and press officers named on it, led by its
leads) and the focal points of its participating countries. `Member` is what a user is in one operation: the role
held there, whether it leads, and the countries it reaches (a focal point its own; a coordinator limited to a
network that network's members; everyone else every participant). Rules are SQL filters where they select records
(`records(member)` returns a WHERE clause), so that access is enforced by the query itself.
"""

from __future__ import annotations

from opsplatform.policy.documents import (
    DOCUMENT_READERS,
    RECORD_DOCUMENTS,
    WHOLE_OPERATION,
    document_scope,
    readable_documents,
)
from opsplatform.policy.exchange import (
    annual_report_access,
    annual_report_countries,
    cleared_member,
    link_access,
    may_address,
    may_decide_link,
    may_remove_link,
    may_request_link,
    message_access,
    message_readers,
    sees_link_network,
)
from opsplatform.policy.figures import (
    FEWEST_UNNAMED,
    aggregate_access,
    aggregate_countries,
    named_countries,
    names_only_consenting,
    public_view,
)
from opsplatform.policy.members import ACCOUNT, HOLDABLE, IN_OPERATION, LEAD, TEAM_ROLES, Member, can, may
from opsplatform.policy.membership import (
    command_line,
    may_create_operation,
    may_lead,
    member_in,
    member_of,
    network_countries,
    operation_coordinators,
    operations_of,
    team_members,
    team_problem,
    visible_operations,
    with_standing,
)
from opsplatform.policy.records import (
    ADMINISTERED,
    account_country,
    completeness_countries,
    corrects_for_others,
    may_change,
    may_correct_closed,
    may_log_for,
    may_use_second_factor,
    may_validate,
    own_country,
    records,
    records_anywhere,
    sees_audit_values,
    sees_directory,
    sees_nominal,
    speaks_for_country,
    uploads,
)

__all__ = [
    "TEAM_ROLES", "HOLDABLE", "ACCOUNT", "IN_OPERATION", "LEAD", "Member", "can", "may", "network_countries",
    "operations_of", "visible_operations", "command_line", "member_in", "with_standing", "member_of", "team_problem",
    "may_lead",
    "may_create_operation", "team_members", "operation_coordinators", "records", "records_anywhere", "may_log_for",
    "may_change", "account_country", "own_country", "speaks_for_country", "corrects_for_others",
    "may_correct_closed", "may_validate", "sees_nominal", "ADMINISTERED", "sees_audit_values",
    "may_use_second_factor", "sees_directory", "uploads", "completeness_countries", "aggregate_access",
    "names_only_consenting",
    "public_view", "FEWEST_UNNAMED", "named_countries", "aggregate_countries", "DOCUMENT_READERS", "RECORD_DOCUMENTS",
    "WHOLE_OPERATION", "document_scope", "readable_documents", "annual_report_countries", "annual_report_access",
    "link_access", "may_request_link", "may_decide_link", "may_remove_link", "sees_link_network", "cleared_member",
    "message_access", "may_address", "message_readers",
]
