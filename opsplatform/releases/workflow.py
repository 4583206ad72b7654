"""The release's life: draft → approved (figures frozen) → scheduled for the embargo → published, then dated
corrections. A press officer writes the narrative; a coordinator approves and may publish by hand; the scheduler
publishes at the embargo, exactly once even with several app instances."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, dates, policy
from opsplatform.audit.recorder import record
from opsplatform.database import advance_version
from opsplatform.errors import Conflict, FieldError, InvalidInput, NotAllowed
from opsplatform.i18n import N_, _
from opsplatform.models.auth import Role
from opsplatform.models.operations import Operation, Participant
from opsplatform.models.releases import Release, ReleaseCorrection, ReleaseStatus
from opsplatform.notifications.services import notify
from opsplatform.policy import Member
from opsplatform.releases.figures import HIGHLIGHTS, consents, release_figures
from opsplatform.settings import LANGUAGES, Settings

TEXT_FIELDS = {"narrative": 20_000, "quotes": 10_000}
HIGHLIGHT_LENGTH = 2_000
HIGHLIGHT_KEY = re.compile(r"[A-Z]{3}-\d{4}-\d{2}-\d{2}-\d{1,2}")  # as releases.figures keys them
# action: (who may, the statuses it starts from, the status it leads to)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "approve": ("approve", (ReleaseStatus.draft,), ReleaseStatus.approved),
    "reopen": ("draft", (ReleaseStatus.approved, ReleaseStatus.scheduled), ReleaseStatus.draft),
    "schedule": ("draft", (ReleaseStatus.approved,), ReleaseStatus.scheduled),
    "unschedule": ("draft", (ReleaseStatus.scheduled,), ReleaseStatus.approved),
    "publish": ("approve", (ReleaseStatus.approved, ReleaseStatus.scheduled), ReleaseStatus.published),
}


async def release_of(session: AsyncSession, operation: Operation) -> Release:
    """The operation's release, started as a draft the first time it is asked for (embargo from the operation)."""
    release = await session.scalar(select(Release).where(Release.operation_id == operation.id))
    if release is None:
        release = Release(operation_id=operation.id, embargo=operation.release_embargo)
        session.add(release)
        await session.flush()
    return release


async def figures_of(session: AsyncSession, operation: Operation, release: Release, now: datetime) -> dict[str, Any]:
    """The frozen figures once approved; until then the live ones, as of now."""
    return release.figures or await release_figures(session, operation, now, release.suppress_below)


def _check_version(release: Release, version: Any) -> int:
    """The version the change was made on; a stale one (or none) loses at once."""
    if str(version) != str(release.version):
        raise Conflict(release)
    return release.version


async def _touch(session: AsyncSession, release: Release, read: int, now: datetime) -> None:
    """Move the release to its next version only if it is still at `read`: of two changes at once, one wins."""
    await advance_version(session, release, read)
    release.updated_at = now


async def save_draft(session: AsyncSession, release: Release, member: Member, data: dict[str, Any],
                     now: datetime) -> None:
    """The press officer's part: narrative and quotes per language, the suppression threshold, the embargo."""
    if not policy.may(member, "draft_release"):
        raise NotAllowed(_("only a press officer drafts the release"))
    read = _check_version(release, data.get("version"))
    if release.status != ReleaseStatus.draft:
        raise InvalidInput.one("status", _("an approved release is locked: reopen it to edit"))
    errors: list[FieldError] = []
    texts = {}
    for lang in LANGUAGES:
        entry = {}
        for name, limit in TEXT_FIELDS.items():
            value = checks.text(data.get(f"{name}_{lang}"))
            if len(value) > limit:
                errors.append(FieldError(f"{name}_{lang}", _("is too long (at most %(n)s characters)", n=limit)))
            entry[name] = value
        texts[lang] = entry
    highlights = {lang: {} for lang in LANGUAGES}
    for field, value in data.items():  # highlight_<key>_<language>, one per highlight shown on the form
        key, _sep, lang = field.removeprefix("highlight_").rpartition("_")
        if field.startswith("highlight_") and lang in LANGUAGES and HIGHLIGHT_KEY.fullmatch(key) and \
                (text := checks.text(value)) and len(highlights[lang]) < HIGHLIGHTS:
            if len(text) > HIGHLIGHT_LENGTH:
                errors.append(FieldError(field, _("is too long (at most %(n)s characters)", n=HIGHLIGHT_LENGTH)))
            highlights[lang][key] = text
    threshold = checks.text(data.get("suppress_below"))
    suppress_below = checks.whole(threshold, 2, 100) if threshold else None
    if threshold and suppress_below is None:
        errors.append(FieldError("suppress_below", checks.range_problem(threshold, 2, 100)))
    embargo = checks.text(data.get("embargo"))
    moment = dates.moment(embargo) if embargo else None
    if embargo and moment is None:
        errors.append(FieldError("embargo", dates.moment_problem()))
    if errors:
        raise InvalidInput(errors)
    release.texts = texts
    release.highlight_texts = highlights
    release.suppress_below = suppress_below
    release.embargo = moment.replace(tzinfo=moment.tzinfo or now.tzinfo) if moment else None
    await _touch(session, release, read, now)
    await session.flush()


async def act(session: AsyncSession, member: Member, release: Release, action: str, version: Any,
              now: datetime) -> None:
    """Move the release along its workflow; who may, and from where, is in ACTIONS."""
    operation, user = member.operation, member.user
    if action not in ACTIONS:
        raise InvalidInput.one("action", _("unknown action %(action)s", action=str(action)[:40]))
    who, sources, target = ACTIONS[action]
    if not policy.may(member, "approve_release" if who == "approve" else "draft_release"):
        raise NotAllowed(_("your role does not allow this"))
    read = _check_version(release, version)
    if release.status not in sources:
        raise InvalidInput.one("status", _("a release that is %(status)s cannot be %(action)s",
                                           status=status_label(release.status), action=action_label(action)))
    if action == "schedule" and (release.embargo is None or release.embargo <= now):
        raise InvalidInput.one("embargo", _("set an embargo in the future first, or publish now"))
    if action == "approve":
        release.figures = await release_figures(session, operation, now, release.suppress_below)
        release.approved_by_id, release.approved_at = user.id, now
        await _tell_press_office(session, operation, N_("%(who)s approved the release of %(operation)s"),
                                 {"who": user.name, "operation": operation.code})
    elif action == "reopen":
        release.figures, release.approved_by_id, release.approved_at = None, None, None
    elif action == "publish":
        if changed := await consents_changed(session, operation, release):
            raise InvalidInput.one("status", _("%(countries)s changed their consent since the release was approved: "
                                               "reopen it and approve it again", countries=", ".join(changed)))
        release.published_at, release.published_by = now, user.name
    release.status = target
    await _touch(session, release, read, now)
    await session.flush()


async def correct(session: AsyncSession, release: Release, member: Member, note: str,
                  now: datetime) -> ReleaseCorrection:
    """A dated note on a published release; the figures it was published with stay as they were."""
    user = member.user
    if not policy.may(member, "draft_release"):
        raise NotAllowed(_("only a press officer corrects a published release"))
    if release.status != ReleaseStatus.published:
        raise InvalidInput.one("status", _("only a published release takes corrections; edit the draft instead"))
    if not note.strip():
        raise InvalidInput.one("note", _("is required: say what is corrected"))
    correction = ReleaseCorrection(release_id=release.id, note=note.strip()[:2000], by_id=user.id, by=user.name,
                                   created_at=now)
    session.add(correction)
    await _touch(session, release, release.version, now)
    await session.flush()
    return correction


async def consents_changed(session: AsyncSession, operation: Operation, release: Release) -> list[str]:
    """Countries whose consent differs from the one the approved figures were compiled under: publishing them would
    show what a country no longer agrees to (releases approved before consents were kept with their figures: none)."""
    kept = (release.figures or {}).get("consents")
    if kept is None:
        return []
    now = await consents(session, operation)
    return sorted(c for c in kept.keys() | now.keys() if kept.get(c) != now.get(c))


async def unconfirmed_consents(session: AsyncSession, operation: Operation) -> list[str]:
    """Participants whose consent the coordinator proposed and none of their focal points has confirmed yet."""
    return list((await session.scalars(select(Participant.country_code).where(
        Participant.operation_id == operation.id, Participant.publicity_set_at.is_(None))
        .order_by(Participant.country_code))).all())


async def corrections_of(session: AsyncSession, release: Release) -> list[ReleaseCorrection]:
    return list((await session.scalars(select(ReleaseCorrection).where(ReleaseCorrection.release_id == release.id)
                                       .order_by(ReleaseCorrection.created_at))).all())


async def publish_due(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The scheduler's job: publish scheduled releases whose embargo has come; returns how many it published."""
    published = 0
    due = (await session.scalars(select(Release.id).where(
        Release.status == ReleaseStatus.scheduled, Release.embargo <= now))).all()
    for release_id in due:
        release = await session.get(Release, release_id)
        operation = await session.get(Operation, release.operation_id)
        if changed := await consents_changed(session, operation, release):
            await _lapse(session, operation, release, changed, now)
            continue
        # The conditional UPDATE is the claim: of several instances, exactly one sees a row change.
        claimed = await session.execute(
            update(Release).where(Release.id == release_id, Release.status == ReleaseStatus.scheduled,
                                  Release.embargo <= now)
            .values(status=ReleaseStatus.published, published_at=now, published_by="scheduler",
                    version=Release.version + 1, updated_at=now))
        if claimed.rowcount == 1:
            record(session, "update", "releases", str(release_id), before={"status": ReleaseStatus.scheduled},
                   after={"status": ReleaseStatus.published, "published_at": now.isoformat()})
            await _tell_press_office(session, operation, N_("The release of %(operation)s is published"),
                                     {"operation": operation.code})
            published += 1
        await session.commit()
    return published


async def _lapse(session: AsyncSession, operation: Operation, release: Release, changed: list[str],
                 now: datetime) -> None:
    """A scheduled release whose countries changed their consent since its approval goes back to draft, unpublished;
    its press office is told to have it approved again."""
    claimed = await session.execute(
        update(Release).where(Release.id == release.id, Release.status == ReleaseStatus.scheduled)
        .values(status=ReleaseStatus.draft, figures=None, approved_by_id=None, approved_at=None,
                version=Release.version + 1, updated_at=now))
    if claimed.rowcount == 1:
        record(session, "update", "releases", str(release.id), before={"status": ReleaseStatus.scheduled},
               after={"status": ReleaseStatus.draft, "consents_changed": changed})
        await _tell_press_office(session, operation, N_("%(countries)s changed their consent after the release of "
                                                        "%(operation)s was approved: it was not published, approve it "
                                                        "again"), {"countries": ", ".join(changed),
                                                                   "operation": operation.code})
    await session.commit()


async def _tell_press_office(session: AsyncSession, operation: Operation, text: str, params: dict[str, str]) -> None:
    """The press officers of the operation's team learn where the release stands."""
    press = await session.scalars(policy.team_members(operation.id, Role.press_officer))
    await notify(session, press, kind="release", text=text, params=params, link=f"/operations/{operation.code}/release")


def status_label(status: str) -> str:
    return {"draft": _("a draft"), "approved": _("approved"), "scheduled": _("scheduled"),
            "published": _("published")}.get(status, status)


def action_label(action: str) -> str:
    return {"approve": _("approved"), "reopen": _("reopened"), "schedule": _("scheduled"),
            "unschedule": _("unscheduled"), "publish": _("published")}.get(action, action)
