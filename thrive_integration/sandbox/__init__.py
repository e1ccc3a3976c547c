"""A faithful Thrive API v2 simulator: the remote side the client and sync engine talk to.

It shares no code with the client (``thrive_integration.thrive``) on purpose: it implements
docs/thrive-wire.md on its own, so a misunderstanding on one side shows up as a failing test.

    with SandboxServer(contacts=500, dialect="next_url") as sandbox:
        sandbox.add_token("k", {"Retrieves all contacts"})
        sandbox.set_fault("server_error", count=2, status=502)
        requests.get(sandbox.url + "/contacts", headers={"Authorization": "Bearer k"})
"""

from thrive_integration.sandbox.app import SandboxApp
from thrive_integration.sandbox.faults import FAULT_KINDS, Fault
from thrive_integration.sandbox.generator import Generator
from thrive_integration.sandbox.permissions import ALL_PERMISSIONS
from thrive_integration.sandbox.server import DEMO_TOKEN, SandboxServer
from thrive_integration.sandbox.state import LoggedRequest, SandboxOptions, SandboxState

__all__ = [
    "ALL_PERMISSIONS",
    "DEMO_TOKEN",
    "FAULT_KINDS",
    "Fault",
    "Generator",
    "LoggedRequest",
    "SandboxApp",
    "SandboxOptions",
    "SandboxServer",
    "SandboxState",
]
