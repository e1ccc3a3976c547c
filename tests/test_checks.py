"""System checks that stop a misconfigured install at `manage.py check`."""

from __future__ import annotations

import sqlite3

from django.db import connection

from thrive_integration.checks import check_database


def test_the_test_database_passes():
    assert check_database(None) == []


def test_an_old_sqlite_is_refused(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    [error] = check_database(None)
    assert error.id == "thrive.E007"
    assert "SQLite 3.31.1" in error.msg


def test_another_database_is_refused(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "mysql")
    [error] = check_database(None)
    assert "this database is mysql" in error.msg


def test_sqlite_without_immediate_transactions_is_warned_about(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"timeout": 30})
    [warning] = check_database(None)
    assert warning.id == "thrive.W002"
    assert "IMMEDIATE" in warning.hint
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"transaction_mode": "IMMEDIATE"})
    assert check_database(None) == []
