"""Verify a connection's key: which of the seed's required operations it lacks, by name."""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.utils import timezone

from .connections import client_for
from .exceptions import AuthenticationFailed, KeyUnreadable, ThriveAPIError
from .models import Connection, ConnectionStatus
from .redaction import redact
from .thrive import ProbeCreation

logger = logging.getLogger(__name__)


def _undeleted_probe_records(connection: Connection) -> list[ProbeCreation]:
    listed = (connection.permission_report or {}).get("created_by_probes", [])
    return [ProbeCreation(**item) for item in listed if not item["removed"]]


def verify_connection(connection: Connection) -> Connection:
    """Probe every required operation and store the report on the connection.

    Never raises for Thrive's answers: an invalid key or an unreachable Thrive is a status the
    admin must see, not a crash. Nor for a stored key the configured ENCRYPTION_KEYS cannot
    decrypt (the key it was sealed with was removed from them): it is as unusable as a wrong
    one, and repaired the same way.
    """
    report: dict = {"checked_at": timezone.now().isoformat()}
    try:
        with client_for(connection) as client:
            result = client.check_permissions(earlier=_undeleted_probe_records(connection))
    except AuthenticationFailed as exc:
        status = ConnectionStatus.INVALID_KEY
        report["error"] = redact(str(exc))
    except KeyUnreadable as exc:
        status = ConnectionStatus.INVALID_KEY
        report["error"] = f"{exc} Enter the API key again."
    except ThriveAPIError as exc:
        status = ConnectionStatus.UNREACHABLE
        report["error"] = redact(str(exc))
    else:
        report.update(
            granted=result.granted,
            missing=result.missing,
            missing_by_group={
                group: labels["missing"]
                for group, labels in result.by_group().items()
                if labels["missing"]
            },
        )
        status = (
            ConnectionStatus.ACTIVE if result.complete else ConnectionStatus.MISSING_PERMISSIONS
        )
        if result.created:
            report["created_by_probes"] = [asdict(creation) for creation in result.created]
            for creation in result.created:
                logger.warning(
                    "connection %s: Thrive accepted an empty %r probe and made record %s (%s)",
                    connection.pk,
                    creation.operation,
                    creation.record_id,
                    "deleted again" if creation.removed else "not deleted: delete it in Thrive",
                )
    if connection.status != ConnectionStatus.DISCONNECTED:
        connection.status = status
    connection.permission_report = report
    connection.verified_at = timezone.now()
    connection.save(update_fields=["status", "permission_report", "verified_at", "updated_at"])
    return connection
