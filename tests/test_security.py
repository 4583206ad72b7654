"""Security of the web layer: cookies in production, session expiry, CSP on map pages, the optional second factor."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from opsplatform import crypto
from opsplatform.app import create_app
from opsplatform.auth import second_factor
from opsplatform.database import utcnow
from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import User, UserSession
from opsplatform.settings import SettingsError, load, replace
from tests.conftest import PASSWORD, form_post, login
from tests.results_support import active_operation, bearer

PRODUCTION_KEY = crypto.generate_key()


def set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Set-Cookie headers by cookie name, lower-cased so attributes can be looked for."""
    return {h.split("=", 1)[0]: h.lower() for h in response.headers.get_list("set-cookie")}


async def test_production_cookies_are_secure_and_http_only(settings, cast):
    production = replace(settings, mode="production", secret_key="s" * 40, nominal_keys=PRODUCTION_KEY)
    async with AsyncTestClient(app=create_app(production), base_url="https://ops.example.org") as client:
        client.follow_redirects = False
        page = await client.get("/login")
        assert "secure" in set_cookies(page)["opsp_csrf"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        response = await login(client, cast.coordinator)
        session = set_cookies(response)["opsp_session"]
        assert "secure" in session and "httponly" in session and "samesite=lax" in session
        assert f"max-age={production.session_max_hours * 3600}" in session
        flash = set_cookies(await form_post(client, "/login/code", {"code": "1"}))["opsp_flash"]
        assert "secure" in flash and "httponly" in flash


async def test_development_cookies_are_http_only_but_work_over_plain_http(client, cast):
    session = set_cookies(await login(client, cast.coordinator))["opsp_session"]
    assert "httponly" in session and "secure" not in session


async def test_an_idle_session_ends(client, cast, db):
    await login(client, cast.kenya)
    await db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    await db.commit()
    response = await client.get("/account")
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")


async def test_a_busy_session_still_ends_after_its_absolute_lifetime(client, cast, db, settings):
    await login(client, cast.kenya)
    assert (await client.get("/account")).status_code == 200
    # Active a minute ago (so not idle), but started longer ago than the absolute lifetime.
    await db.execute(update(UserSession).values(
        created_at=utcnow() - timedelta(hours=settings.session_max_hours, minutes=1),
        expires_at=utcnow() + timedelta(hours=1)))
    await db.commit()
    response = await client.get("/account")
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")


def test_the_absolute_lifetime_cannot_be_shorter_than_the_idle_one(monkeypatch):
    monkeypatch.setenv("OPSPLATFORM_SESSION_HOURS", "12")
    monkeypatch.setenv("OPSPLATFORM_SESSION_MAX_HOURS", "8")
    with pytest.raises(SettingsError, match="OPSPLATFORM_SESSION_MAX_HOURS"):
        load()


# --- the second factor ---------------------------------------------------------------------------------------------

def code_at(secret: str, offset_steps: int) -> str:
    """The code of the current 30-second step, or of one step before or after."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def enrol(client, db, settings, user: User) -> str:  # type: ignore[no-untyped-def]
    """Set up two-step login through the account page; returns the secret the page showed."""
    await login(client, user)
    assert (await form_post(client, "/account/second-factor")).status_code in (302, 303)
    page = await client.get("/account")
    assert "data:image/svg+xml" in page.text and "otpauth://totp/" in page.text
    await db.refresh(user)
    secret = crypto.decrypt(settings, user.totp_secret_encrypted)
    assert secret in page.text and secret not in user.totp_secret_encrypted  # shown, but stored encrypted
    wrong = await form_post(client, "/account/second-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    confirmed = await form_post(client, "/account/second-factor/confirm", {"code": code_at(secret, -1)})
    assert confirmed.status_code in (302, 303)
    await form_post(client, "/logout")
    return secret


async def test_a_coordinator_turns_on_two_step_login_and_then_needs_a_code(client, cast, db, settings):
    secret = await enrol(client, db, settings, cast.coordinator)
    await db.refresh(cast.coordinator)
    assert cast.coordinator.totp_enabled_at is not None
    assert await db.scalar(select(AuditEvent.id).where(AuditEvent.action == "enable_second_factor",
                                                       AuditEvent.entity_id == str(cast.coordinator.id)))
    # The password alone opens no session: the code page comes next.
    step_one = await form_post(client, "/login",
                               {"email": cast.coordinator.email, "password": PASSWORD, "next": "/jobs"})
    assert step_one.status_code == 200 and "Enter your code" in step_one.text
    assert "opsp_session" not in client.cookies
    wrong = await form_post(client, "/login/code", {"code": "123456", "next": "/jobs"})
    assert wrong.status_code == 400 and "not right" in wrong.text and "opsp_session" not in client.cookies
    right = await form_post(client, "/login/code", {"code": code_at(secret, 0), "next": "/jobs"})
    assert right.status_code in (302, 303) and right.headers["location"] == "/jobs"
    assert (await client.get("/account")).status_code == 200
    # The same code cannot be used again (overheard or shoulder-surfed).
    await form_post(client, "/logout")
    await form_post(client, "/login", {"email": cast.coordinator.email, "password": PASSWORD})
    replay = await form_post(client, "/login/code", {"code": code_at(secret, 0)})
    assert replay.status_code == 400 and "already used" in replay.text


async def test_guessing_codes_is_throttled_like_guessing_passwords(client, cast, db, settings):
    secret = await enrol(client, db, settings, cast.coordinator)
    await form_post(client, "/login", {"email": cast.coordinator.email, "password": PASSWORD})
    for _ in range(settings.login_max_failures):
        await form_post(client, "/login/code", {"code": "000000"})
    response = await form_post(client, "/login/code", {"code": code_at(secret, 0)})
    assert response.status_code == 400 and "Too many failed attempts" in response.text
    # A right password does not wipe the count while the code is still missing.
    again = await form_post(client, "/login", {"email": cast.coordinator.email, "password": PASSWORD})
    assert "Too many failed attempts" in again.text


async def test_the_code_step_without_a_passed_password_step_goes_back_to_login(client, cast, db, settings):
    await enrol(client, db, settings, cast.coordinator)
    client.cookies.set("opsp_2fa", f"{cast.coordinator.id}.{int(time.time()) + 300}.forged", path="/login")
    response = await form_post(client, "/login/code", {"code": "123456"})
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
    assert "opsp_session" not in client.cookies


async def test_a_password_step_older_than_five_minutes_no_longer_counts(client, cast, db, settings, monkeypatch):
    secret = await enrol(client, db, settings, cast.coordinator)
    await form_post(client, "/login", {"email": cast.coordinator.email, "password": PASSWORD})
    passed = client.cookies.get("opsp_2fa", path="/login")
    assert second_factor.pending_user_id(settings, passed) == cast.coordinator.id
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the signature library's clock
    assert second_factor.pending_user_id(settings, passed) is None
    response = await form_post(client, "/login/code", {"code": code_at(secret, 0)})
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
    assert "opsp_session" not in client.cookies


async def test_an_admin_resets_a_lost_second_factor(client, cast, db, settings):
    await enrol(client, db, settings, cast.coordinator)
    await login(client, cast.admin)
    response = await form_post(client, f"/admin/users/{cast.coordinator.id}/second-factor/reset")
    assert response.status_code in (302, 303)
    await db.refresh(cast.coordinator)
    assert (cast.coordinator.totp_secret_encrypted, cast.coordinator.totp_enabled_at) == (None, None)
    assert await db.scalar(select(AuditEvent.actor).where(AuditEvent.action == "reset_second_factor")) == \
        cast.admin.email
    await form_post(client, "/logout")
    await login(client, cast.coordinator)  # the password alone again


async def test_only_an_admin_resets_a_second_factor(client, cast):
    await login(client, cast.coordinator)
    response = await form_post(client, f"/admin/users/{cast.admin.id}/second-factor/reset")
    assert response.status_code == 403


async def test_focal_points_are_not_offered_the_second_factor(client, cast):
    await login(client, cast.kenya)
    assert "Two-step login" not in (await client.get("/account")).text
    assert (await form_post(client, "/account/second-factor")).status_code == 403


async def test_turning_it_off_takes_a_current_code(client, cast, db, settings):
    secret = await enrol(client, db, settings, cast.coordinator)
    await form_post(client, "/login", {"email": cast.coordinator.email, "password": PASSWORD})
    await form_post(client, "/login/code", {"code": code_at(secret, 0)})
    refused = await form_post(client, "/account/second-factor/disable", {"code": "000000"})
    assert refused.status_code == 400
    done = await form_post(client, "/account/second-factor/disable", {"code": code_at(secret, 1)})
    assert done.status_code in (302, 303)
    await db.refresh(cast.coordinator)
    assert cast.coordinator.totp_enabled_at is None


async def test_an_impossible_record_id_is_not_found_on_either_database(client, db, cast):
    await active_operation(db)
    headers = await bearer(db, cast.coordinator)
    for url in ("/api/v1/operations/THUNDER-2026/seizures/8895642921747",
                "/api/v1/operations/THUNDER-2026/messages/136841237503"):
        response = await client.get(url, headers=headers)
        assert response.status_code == 404, (url, response.text)
