"""Login, logout, throttling, CSRF, password reset, API tokens and role access to admin pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from opsplatform.auth.services import create_api_token
from opsplatform.database import utcnow
from opsplatform.mail.outbox import deliver_due
from opsplatform.models.auth import UserSession
from tests.conftest import PASSWORD, body_of, csrf_of, form_post, login


async def test_login_with_right_password_opens_a_session(client, cast, db):
    response = await login(client, cast.coordinator)
    assert response.headers["location"] == "/"
    assert "opsp_session" in client.cookies
    home = await client.get("/")
    assert home.status_code == 200
    assert "Corinne Coordinator" in home.text
    assert await db.scalar(select(UserSession.user_id)) == cast.coordinator.id


async def test_login_with_wrong_password_is_refused_and_keeps_the_address(client, cast):
    response = await form_post(client, "/login", {"email": cast.kenya.email, "password": "wrong password"})
    assert response.status_code == 400
    assert "Wrong e-mail address or password" in response.text
    assert f'value="{cast.kenya.email}"' in response.text
    assert "opsp_session" not in client.cookies


async def test_login_for_unknown_address_gives_the_same_answer(client, cast):
    response = await form_post(client, "/login", {"email": "nobody@nowhere.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "Wrong e-mail address or password" in response.text


async def test_it_throttles_after_repeated_failures_even_with_the_right_password(client, cast, settings):
    for _ in range(settings.login_max_failures):
        await form_post(client, "/login", {"email": cast.kenya.email, "password": "guess"})
    response = await form_post(client, "/login", {"email": cast.kenya.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed attempts" in response.text
    # Another account is not affected.
    await login(client, cast.tanzania)


async def test_logout_ends_the_session_on_the_server(client, cast, db):
    await login(client, cast.coordinator)
    stolen = client.cookies["opsp_session"]
    response = await form_post(client, "/logout")
    assert response.status_code in (302, 303)
    assert await db.scalar(select(UserSession.id)) is None
    client.cookies.set("opsp_session", stolen)
    assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/login")


async def test_pages_redirect_to_login_when_logged_out(client):
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=/account"


async def test_a_form_post_without_csrf_token_is_refused(client, cast):
    await client.get("/login")
    response = await client.post("/login", data={"email": cast.coordinator.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "opsp_session" not in client.cookies


async def test_a_form_post_with_a_forged_csrf_token_is_refused(client, cast):
    await login(client, cast.kenya)
    response = await client.post("/account/tokens",
                                 data={"name": "x", "_csrf_token": "forged" + (await csrf_of(client))[6:]})
    assert response.status_code == 403


async def test_password_reset_by_e_mailed_one_time_link(client, cast, settings, db, smtp):
    settings = settings.__class__(**{**settings.__dict__, "smtp_port": smtp.port})
    response = await form_post(client, "/password/forgot", {"email": cast.kenya.email})
    assert "a message with a reset link is on its way" in response.text
    assert await deliver_due(db, settings, utcnow()) == 1
    [message] = smtp.to(cast.kenya.email)
    link = re.search(r"http://\S+/password/set/(\S+)", body_of(message))
    assert link, body_of(message)
    path = f"/password/set/{link.group(1)}"
    mismatch = await form_post(client, path, {"password": "a brand new secret", "password_confirm": "different"})
    assert mismatch.status_code == 400 and "does not match" in mismatch.text
    short = await form_post(client, path, {"password": "short", "password_confirm": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    done = await form_post(client, path, {"password": "a brand new secret", "password_confirm": "a brand new secret"})
    assert done.status_code in (302, 303)
    again = await form_post(client, path, {"password": "another new secret", "password_confirm": "another new secret"})
    assert again.status_code == 400 and "expired or was already used" in again.text
    await login(client, cast.kenya, "a brand new secret")


async def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client, cast, db, settings):
    response = await form_post(client, "/password/forgot", {"email": "stranger@nowhere.test"})
    assert "a message with a reset link is on its way" in response.text
    assert await deliver_due(db, settings, utcnow()) == 0


async def test_api_token_authenticates_and_stops_working_when_revoked(client, cast, db):
    token, raw = await create_api_token(db, cast.kenya, "national system")
    await db.commit()
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200
    assert me.json()["email"] == cast.kenya.email and me.json()["country"] == "KEN"
    await login(client, cast.kenya)
    await form_post(client, f"/account/tokens/{token.id}/revoke")
    client.cookies.clear()
    revoked = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert revoked.status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer ops_not-a-real-token", "Basic abc"])
async def test_api_without_a_valid_token_answers_401(client, cast, header):
    response = await client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["status_code"] == 401


async def test_the_api_ignores_session_cookies(client, cast):
    await login(client, cast.coordinator)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_new_token_is_shown_once_and_stored_hashed(client, cast, db):
    await login(client, cast.kenya)
    page = await form_post(client, "/account/tokens", {"name": "national system"})
    raw = re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1)
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})).status_code == 200
    again = await client.get("/account")
    assert raw not in again.text and raw[:10] in again.text
    from opsplatform.models.auth import ApiToken
    stored = await db.scalar(select(ApiToken.token_hash))
    assert stored != raw and len(stored) == 64


async def test_a_token_needs_a_name(client, cast):
    await login(client, cast.kenya)
    response = await form_post(client, "/account/tokens", {"name": " "})
    assert response.status_code == 400
    assert "is required" in response.text


@pytest.mark.parametrize("role", ["coordinator", "kenya", "tanzania", "analyst", "press"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/outbox", "/admin/reference",
                                  "/admin/users/new"])
async def test_admin_pages_refuse_other_roles(client, cast, role, path):
    await login(client, getattr(cast, role))
    assert (await client.get(path)).status_code == 403


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/outbox", "/admin/reference",
                                  "/admin/users/new"])
async def test_admin_pages_open_for_admins(client, cast, path):
    await login(client, cast.admin)
    assert (await client.get(path)).status_code == 200


async def test_the_admin_finds_people_and_audit_events_by_any_part_in_any_case(client, cast):
    """The same search as the records': any case, and a wildcard typed is a character to find."""
    await login(client, cast.admin)
    for typed, shown in (("WANJIRU", True), ("kws.TEST", True), ("wanj%", False), ("_anjiru", False)):
        page = await client.get("/admin/users", params={"q": typed})
        assert page.status_code == 200 and ("wanjiru@kws.test" in page.text) is shown, typed
    audit = await client.get("/admin/audit", params={"actor": "ADA@OPS"})
    assert audit.status_code == 200 and "ada@ops.test" in audit.text
    assert "ada@ops.test" not in (await client.get("/admin/audit", params={"actor": "ada%"})).text


async def test_sessions_expire(client, cast, db):
    await login(client, cast.press)
    session_row = await db.scalar(select(UserSession))
    session_row.expires_at = utcnow() - timedelta(seconds=1)
    await db.commit()
    assert (await client.get("/account", follow_redirects=False)).status_code in (302, 303)


async def test_a_deactivated_account_loses_its_session_and_token(client, cast, db):
    _token, raw = await create_api_token(db, cast.analyst, "script")
    await db.commit()
    await login(client, cast.analyst)
    cast.analyst.is_active = False
    db.add(cast.analyst)
    await db.commit()
    assert (await client.get("/account", follow_redirects=False)).status_code in (302, 303)
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})).status_code == 401
