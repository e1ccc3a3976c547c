"""Read and prepare the next pages while the current one is written.

Fetching a page (network, Thrive's own work, JSON parsing) and preparing it (validation,
encoding, hashing, row layout, mapping: see `upsert.prepare_page`) need no database; writing
it does. Overlapping the two brings an import close to the slower of them instead of their sum.

Preparing is CPU work in Python, so a thread would only take turns with the writer for the
interpreter lock (and slow it down: SQLite hands the lock back on every row it steps). Where
the platform can fork, the pages are therefore fetched and prepared in a forked process (a
thread in it fetching the next page while one is prepared) and handed over, pickled, through a
socket; otherwise a thread fetches them and the writer prepares each itself. The forked process
touches no database connection (it inherits the writer's and must leave it alone), opens its
own HTTP connections and dies with the writer. At most a socket's buffer of prepared pages
waits, which keeps memory flat however long the listing. Errors raised while fetching or
preparing are re-raised in the consumer, in order.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import queue
import signal
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO, TypeVar

from ..exceptions import ThriveIntegrationError
from ..redaction import redact

P = TypeVar("P")
T = TypeVar("T")
_DONE = object()
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
SEND_BUFFER_BYTES = 8 << 20


@contextmanager
def prepared_ahead(
    source: Iterator[P],
    prepare: Callable[[P], T],
    *,
    in_process: bool = False,
    after_fork: Callable[[], None] = lambda: None,
) -> Iterator[Iterator[T]]:
    """`prepare(item)` for each item of `source`, computed ahead of the consumer.

    `after_fork` runs first in the forked process (to drop inherited HTTP connections, say).
    `in_process` keeps everything in this process (a thread fetches ahead).
    """
    if in_process or not hasattr(os, "fork"):
        with prefetched(source) as items:
            yield (prepare(item) for item in items)
    else:
        with _forked(source, prepare, after_fork) as items:
            yield items


@contextmanager
def _forked(
    source: Iterator[P], prepare: Callable[[P], T], after_fork: Callable[[], None]
) -> Iterator[Iterator[T]]:
    ours, theirs = socket.socketpair()
    # Room for several prepared pages (about 1 MB each for contacts), so the preparing process
    # runs ahead through a slow page of either side instead of waiting for each write; the
    # system may grant less (Linux: up to twice net.core.wmem_max).
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the preparing process: it never returns
        ours.close()
        _die_with(parent)
        _produce(theirs, source, prepare, after_fork)
    theirs.close()
    reader = ours.makefile("rb")

    def consume() -> Iterator[T]:
        while True:
            try:
                kind, value = pickle.load(reader)
            except (EOFError, pickle.UnpicklingError):
                # Between two pages, or in the middle of one (killed while the socket was
                # full, its usual state when the writer is behind): the same lost process.
                raise ThriveIntegrationError(
                    "the process preparing the next pages ended unexpectedly"
                ) from None
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value

    try:
        yield consume()
    finally:
        # Nothing of it needs cleaning up: it may be stopped mid-request.
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        reader.close()
        ours.close()


def _die_with(parent: int) -> None:
    """Have the kernel end this process when `parent` dies (Linux).

    A writer killed outright (SIGKILL, or SIGTERM's default) runs no clean-up; without this
    its preparing process would go on calling Thrive for nobody until a write to the closed
    socket failed, minutes later if Thrive hangs.
    """
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed socket ends it, later
        return
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(0)


def _produce(
    sock: socket.socket,
    source: Iterator[P],
    prepare: Callable[[P], T],
    after_fork: Callable[[], None],
) -> None:
    """The forked process's whole life: prepare and send every item, then exit at once.

    A thread fetches the next item meanwhile: Thrive (or the sandbox) works on the next page
    while this one is prepared, instead of each waiting for the other. `os._exit` skips the
    interpreter's clean-up, which would close (and so end, for PostgreSQL) the database
    connections inherited from the writer.
    """
    writer = sock.makefile("wb")
    try:
        after_fork()
        with prefetched(source) as items:
            _send_prepared(writer, items, prepare)
    except BaseException as exc:
        _send_error(writer, exc)
    finally:
        os._exit(0)


def _send_prepared(writer: BinaryIO, items: Iterator[P], prepare: Callable[[P], T]) -> None:
    try:
        for item in items:
            _send(writer, "item", prepare(item))
    except BaseException as exc:
        # Sent before the fetching thread is waited for: it may be amid a slow request.
        _send_error(writer, exc)
        return
    _send(writer, "done", None)


def _send(writer: BinaryIO, kind: str, value: object) -> None:
    pickle.dump((kind, value), writer, pickle.HIGHEST_PROTOCOL)
    writer.flush()


def _send_error(writer: BinaryIO, exc: BaseException) -> None:
    """Hand `exc` to the consumer, which re-raises it; if it is gone, there is no one to tell."""
    with suppress(BaseException):
        _send(writer, "error", _sendable(exc))


def _sendable(exc: BaseException) -> BaseException:
    """The error itself when it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return ThriveIntegrationError(redact(f"preparing a page failed: {detail}"))


@contextmanager
def prefetched(source: Iterator[T], depth: int = 2) -> Iterator[Iterator[T]]:
    """The items of `source`, read ahead by a thread; at most `depth` wait in memory."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)

    worker = threading.Thread(target=produce, name="thrive-prefetch", daemon=True)
    worker.start()

    def consume() -> Iterator[T]:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    try:
        yield consume()
    finally:
        # A fetch in flight (a hung Thrive page) is not waited for: the thread is a daemon,
        # and once stopped it hands nothing over and asks for no further item.
        stop.set()
