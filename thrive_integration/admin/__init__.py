"""Django admin: connection configuration and actions, run drill-down, read-only mirrors."""

from pathlib import Path

from . import connection, mirror, sync  # noqa: F401  (registration happens on import)

# The mapping engineer's admin module registers itself when present.
if (Path(__file__).parent / "mapping.py").exists():
    from . import mapping  # noqa: F401
