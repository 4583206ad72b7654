"""What other parts of the app do when a seizure is saved or moves on, registered by them (cases: suspects matched
across countries, linked shipments resettled; wiring.install registers them at start), so that seizures need not
know them. Each hook runs in the saving transaction, after its flush."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform.models.seizures import Seizure

Hook = Callable[[AsyncSession, Seizure], Awaitable[None]]

# Suspects with document numbers were saved: in a new record, or in a correction that sent its suspects.
DOCUMENTS: list[Hook] = []
# Its status changed (a correction that changes it, or a step such as withdraw or validate).
MOVED: list[Hook] = []


def on(hooks: list[Hook], hook: Hook) -> None:
    if hook not in hooks:
        hooks.append(hook)


async def tell(hooks: list[Hook], session: AsyncSession, seizure: Seizure) -> None:
    for hook in hooks:
        await hook(session, seizure)
