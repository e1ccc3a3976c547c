"""What a queued task does when the row it names is gone.

Tasks take ids, and a row can be deleted between the enqueue and the moment a worker picks the
task up: deleting a connection takes with it its runs (a stalled one, or one between two
budgeted invocations, whose continuation is already queued), its outbox rows, and the scheduled
tasks the scheduler had already queued. Raising `DoesNotExist` into the worker would log a
traceback for an ordinary event and, with retries configured, retry a task that can never
succeed. So the task ends at once: one log line names the task, the row and why, and the task
returns None, which django-q2 records as its result.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from django.db.models import Model

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)


def named_row(model: type[M], pk: int, *, task: str) -> M | None:
    """The row `pk` of `model` that the task `task` was queued for, or None (logged) if gone."""
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        logger.info(
            "%s: %s %s no longer exists (deleted after the task was queued); nothing done",
            task,
            model._meta.verbose_name,
            pk,
        )
    return row
