"""Django admin: one module per area; importing it registers its ModelAdmins."""

from . import connection, mapping, mirror, outbox, pipeline, sync  # noqa: F401
