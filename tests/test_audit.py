"""Every create, update and delete of a domain record writes an append-only audit event; admins browse them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from opsplatform.audit.recorder import REDACTED
from opsplatform.models.audit import AuditEvent
from opsplatform.models.operations import Operation
from tests.conftest import form_post, login


async def events(db, entity: str) -> list[AuditEvent]:
    return list((await db.scalars(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id))).all())


async def test_create_update_delete_are_recorded_with_before_and_after(db):
    db.info["actor"] = (None, "tester")
    operation = Operation(code="COBRA-9", name="Cobra IX", start_date=date(2026, 1, 1), end_date=date(2026, 1, 31))
    db.add(operation)
    await db.commit()
    operation.name = "Operation Cobra IX"
    await db.commit()
    await db.delete(operation)
    await db.commit()
    created, updated, deleted = await events(db, "operations")
    assert (created.action, created.actor, created.entity_id) == ("create", "tester", str(operation.id))
    assert created.after["code"] == "COBRA-9" and created.after["start_date"] == "2026-01-01"
    assert updated.action == "update"
    assert updated.before == {"name": "Cobra IX"} and updated.after == {"name": "Operation Cobra IX"}
    assert deleted.action == "delete" and deleted.before["name"] == "Operation Cobra IX" and deleted.after is None


async def test_secrets_are_logged_as_changed_never_by_value(db, cast):
    [created] = [e for e in await events(db, "users") if e.entity_id == str(cast.kenya.id) and e.action == "update"]
    assert created.after["password_hash"] == REDACTED
    assert cast.kenya.password_hash not in str(created.after)


async def test_changes_made_through_a_page_are_attributed_to_the_user(client, cast, db):
    await login(client, cast.admin)
    response = await form_post(client, "/admin/users/new", {
        "email": "new.fp@ug.test", "name": "Okello Uganda", "role": "focal_point", "country": "UGA",
        "language": "en"})
    assert response.status_code in (302, 303), response.text
    [event] = [e for e in await events(db, "users") if e.action == "create" and e.after["email"] == "new.fp@ug.test"]
    assert (event.actor_id, event.actor) == (cast.admin.id, cast.admin.email)
    logins = [e for e in await events(db, "users") if e.action == "login"]
    assert logins and logins[-1].actor_id == cast.admin.id


async def test_admins_filter_the_audit_log(client, cast, db):
    await login(client, cast.admin)
    page = await client.get("/admin/audit", params={"entity": "users", "action": "login"})
    assert page.status_code == 200
    assert cast.admin.email in page.text
    empty = await client.get("/admin/audit", params={"entity": "operations"})
    assert "No events match." in empty.text
    bad = await client.get("/admin/audit", params={"since": "yesterday"})
    assert "must be a date as YYYY-MM-DD" in bad.text
