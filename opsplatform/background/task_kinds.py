"""The kinds of work that leave a request (jobs/tasks.py), by name: what a worker process needs to import, and
nothing more (a sheet worker has no use for the document renderers the scheduled jobs bring in: a briefing's task
imports them when it runs)."""

from __future__ import annotations

from opsplatform.briefings import tasks as briefing_tasks
from opsplatform.reporting import workbooks
from opsplatform.seizures import sheet_tasks

TASKS = {**sheet_tasks.KINDS, **briefing_tasks.KINDS, **workbooks.KINDS}
