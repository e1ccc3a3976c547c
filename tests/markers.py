"""Marks shared by test modules."""

from __future__ import annotations

import pytest
from django.db import connection as db

# Row locks and truly concurrent writers: SQLite serialises every writer.
POSTGRES_CONCURRENCY = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        db.vendor != "postgresql",
        reason="needs PostgreSQL: row locks and concurrent writers (run with DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]
