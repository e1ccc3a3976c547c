"""Pages fetched and prepared ahead (sync/prefetch.py): in a forked process or by a thread.

The unit tests drive `prepared_ahead` with plain iterators; the import tests run the real
runner against the real sandbox and database, once with `PREPARE_PAGES_IN_SUBPROCESS` on and
once off, and compare what each stored. Child processes are read from /proc: every child of
this process, zombies included, so "none left" means reaped.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count

import pytest
from django.db import connection as db

from thrive_integration import models as m
from thrive_integration.exceptions import ThriveAPIError, ThriveIntegrationError, TransientError
from thrive_integration.models import RunStatus, StepStatus, SyncCursor
from thrive_integration.sync.prefetch import SEND_BUFFER_BYTES, prepared_ahead
from thrive_integration.sync.registry import RESOURCES
from thrive_integration.sync.runner import execute_run, request_sync

from .conftest import connect, steps_by_resource, sync

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not os.path.exists("/proc/self/stat"),
    reason="needs os.fork and /proc",
)
import_test = pytest.mark.django_db(transaction=True)

FORKED, THREADED = False, True  # values of `in_process`
# Past the largest send buffer the system may grant the preparing process (twice the request).
BIG = 2 * SEND_BUFFER_BYTES + 1
BOTH_WAYS = pytest.mark.parametrize("in_process", [FORKED, THREADED], ids=["forked", "threaded"])


# ---- helpers -----------------------------------------------------------------------------


def children() -> dict[int, str]:
    """pid -> state letter of every child of this process (a zombie is 'Z')."""
    me, found = os.getpid(), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == me:
            found[int(entry)] = fields[0]
    return found


class Hung(AssertionError):
    pass


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts even a blocking read or waitpid.

    A forked child inherits the handler but not the timer.
    """

    def alarm(signum, frame):
        raise Hung(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def square(item: int) -> tuple[int, int, int]:
    return item, item * item, os.getpid()


def big(item: int) -> tuple[int, bytes]:
    """Larger than a socket's buffer: the preparing process blocks until it is read."""
    return item, bytes([item % 256]) * BIG


def huge(item: int) -> tuple[int, bytes]:
    """Many socket buffers: the preparing process surely blocks mid-way through it."""
    return item, bytes([item % 256]) * (4 * BIG)


def failing_at(position: int, error: BaseException):
    def source():
        for item in range(10):
            if item == position:
                raise error
            yield item

    return source()


def reaped(baseline: dict[int, str]) -> bool:
    return children() == baseline


class CarriesALock(Exception):
    """Cannot be pickled at all: it holds a lock (think of a response or a socket)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class NeedsTwo(Exception):
    """Pickles, but cannot be rebuilt from its args: unpickling it fails."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first}/{second}")


# ---- prepared_ahead with plain iterators -------------------------------------------------


@BOTH_WAYS
def test_items_arrive_in_order_and_prepared(in_process):
    baseline = children()
    with within(10), prepared_ahead(iter(range(200)), square, in_process=in_process) as items:
        got = list(items)
    assert [(item, squared) for item, squared, _ in got] == [(i, i * i) for i in range(200)]
    preparers = {pid for _, _, pid in got}
    if in_process:
        assert preparers == {os.getpid()}
    else:
        (preparer,) = preparers
        assert preparer != os.getpid() and preparer not in baseline
    assert reaped(baseline)


@BOTH_WAYS
def test_items_larger_than_the_socket_buffer_arrive_whole(in_process):
    baseline = children()
    with within(20), prepared_ahead(iter(range(20)), big, in_process=in_process) as items:
        for expected, (item, payload) in enumerate(items):
            assert item == expected
            assert payload == bytes([expected]) * BIG
    assert expected == 19
    assert reaped(baseline)


@BOTH_WAYS
@pytest.mark.parametrize("where", ["source", "prepare"])
def test_an_error_is_raised_after_the_items_before_it(in_process, where):
    baseline = children()
    error = TransientError(
        "GET /api/v2/contacts: 503 down", status=503, method="GET", path="/api/v2/contacts"
    )
    if where == "source":
        source, prepare = failing_at(3, error), square
    else:

        def prepare(item):
            if item == 3:
                raise error
            return square(item)

        source = iter(range(10))
    received = []
    with (
        within(10),
        pytest.raises(TransientError) as raised,
        prepared_ahead(source, prepare, in_process=in_process) as items,
    ):
        for item, squared, _ in items:
            received.append((item, squared))
    assert received == [(0, 0), (1, 1), (2, 4)]
    assert str(raised.value) == "GET /api/v2/contacts: 503 down"
    # The attributes the runner and the transport read survive the trip.
    assert (raised.value.status, raised.value.method, raised.value.path) == (
        503,
        "GET",
        "/api/v2/contacts",
    )
    assert raised.value.retriable
    assert reaped(baseline)


@BOTH_WAYS
def test_a_plain_error_and_one_from_after_fork_keep_their_type(in_process):
    baseline = children()
    with within(10), pytest.raises(KeyError, match="'no such key'"):
        source = failing_at(2, KeyError("no such key"))
        with prepared_ahead(source, square, in_process=in_process) as items:
            assert [item for item, _, _ in items] == [0, 1]
    if not in_process:  # after_fork runs in the preparing process only
        with within(10), pytest.raises(ThriveAPIError, match="after fork failed"):

            def after_fork():
                raise ThriveAPIError("after fork failed", status=None)

            with prepared_ahead(iter(range(5)), square, after_fork=after_fork) as items:
                next(items)
    assert reaped(baseline)


def _failure_after_two_items(prepare) -> ThriveIntegrationError:
    """Items 0 and 1 arrive prepared in the forked process; what `prepare` does to item 2
    arrives as the error returned."""
    received = []
    with (
        within(10),
        pytest.raises(ThriveIntegrationError) as raised,
        prepared_ahead(iter(range(5)), prepare) as items,
    ):
        received.extend(item for item, _, _ in items)
    assert received == [0, 1]
    return raised.value


@pytest.mark.parametrize(
    ("make_error", "described_as"),
    [
        (lambda: CarriesALock("cannot cross"), "test_prefetch.CarriesALock: cannot cross"),
        (lambda: NeedsTwo("a", "b"), "test_prefetch.NeedsTwo: a/b"),
    ],
    ids=["unpicklable", "not-rebuildable"],
)
def test_an_error_that_cannot_cross_arrives_saying_what_it_was(make_error, described_as):
    baseline = children()
    error = make_error()
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):  # the premise
        pickle.loads(pickle.dumps(error))

    def prepare(item):
        if item == 2:
            raise make_error()
        return square(item)

    raised = _failure_after_two_items(prepare)
    assert type(raised) is ThriveIntegrationError
    assert str(raised).startswith("preparing a page failed: ")
    assert str(raised).endswith(described_as)
    assert reaped(baseline)
    # In-process nothing is pickled: the error itself arrives.
    with (
        within(10),
        pytest.raises(type(error), match=str(error)),
        prepared_ahead(iter(range(5)), prepare, in_process=True) as items,
    ):
        list(items)


@BOTH_WAYS
def test_stopping_early_reaps_the_preparer_without_hanging(in_process):
    """The preparing process is blocked on a full socket when the consumer leaves."""
    baseline = children()
    with within(10), prepared_ahead(count(), big, in_process=in_process) as items:
        for item, _ in items:
            if item == 2:
                if not in_process:
                    assert set(children()) - set(baseline)  # still at work
                break
    assert reaped(baseline)
    with within(10), prepared_ahead(count(), big, in_process=in_process):
        pass  # before taking a single item
    assert reaped(baseline)


@BOTH_WAYS
def test_stopping_early_does_not_wait_for_a_blocked_fetch(in_process):
    """A fetch that would block for a minute (a hung server) is not waited for."""

    def source():
        yield 1
        time.sleep(60)
        yield 2

    baseline = children()
    started = time.monotonic()
    with within(10), prepared_ahead(source(), square, in_process=in_process) as items:
        assert next(items)[0] == 1
    assert time.monotonic() - started < 5
    assert reaped(baseline)


def _exit(item):
    os._exit(1)


def _sigkill(item):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("die", [_exit, _sigkill], ids=["os._exit", "SIGKILL"])
def test_the_preparing_process_dying_is_an_error_not_a_hang(die):
    def prepare(item):
        if item == 2:
            die(item)
        return square(item)

    baseline = children()
    raised = _failure_after_two_items(prepare)
    assert str(raised) == "the process preparing the next pages ended unexpectedly"
    assert reaped(baseline)


def test_the_preparing_process_killed_mid_page_is_an_error_not_a_crash():
    """The OOM killer's case: SIGKILL while the page in flight fills the socket."""
    baseline = children()
    with (
        within(10),
        pytest.raises(ThriveIntegrationError, match="ended unexpectedly"),
        prepared_ahead(count(), huge) as items,
    ):
        for item, _ in items:
            if item == 0:
                (preparer,) = set(children()) - set(baseline)
                _wait_until_blocked_writing(preparer)
                os.kill(preparer, signal.SIGKILL)
    assert reaped(baseline)


def _wait_until_blocked_writing(pid: int) -> None:
    """Until the process sleeps in the kernel (the socket is full), mid-way through a page."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "S":
                return
    raise AssertionError("the preparing process never blocked")


# ---- the import, against the sandbox ------------------------------------------------------


def prepare_in_subprocess(settings, on: bool) -> None:
    settings.THRIVE_INTEGRATION = {
        **settings.THRIVE_INTEGRATION,
        "PREPARE_PAGES_IN_SUBPROCESS": on,
    }


class ChildWatch:
    """A progress callback noting, per written page, whether a preparing process existed
    (still working, or done and not yet reaped: with a large send buffer a short listing is
    all prepared before its first page is written)."""

    def __init__(self) -> None:
        self.baseline = children()
        self.seen: list[tuple[str, int, bool]] = []

    def __call__(self, step) -> None:
        self.seen.append((step.resource, step.pages, bool(self._new())))

    def _new(self) -> dict[int, str]:
        return {pid: state for pid, state in children().items() if pid not in self.baseline}

    def any_child(self) -> bool:
        return any(pid not in self.baseline for pid in children())


def _natural(field) -> str:
    """A field's value as comparable across connections: relations by their remote id."""
    if not field.is_relation:
        return field.attname
    related = field.related_model
    if related is m.CandidateProfile:
        return f"{field.name}__contact__remote_id"
    if related is m.StageMapping:
        return f"{field.name}__candidacy_stage__remote_id"
    if any(f.name == "remote_id" for f in related._meta.concrete_fields):
        return f"{field.name}__remote_id"
    return field.attname  # shared rows (pipeline stages), outbox entries (none here)


LOCAL_ONLY = {"id", "connection", "first_synced_at", "last_synced_at", "created_at", "updated_at"}


def rows(model, connection) -> list[str]:
    names = [
        _natural(field) for field in model._meta.concrete_fields if field.name not in LOCAL_ONLY
    ]
    return sorted(
        repr(row) for row in model.objects.filter(connection=connection).values_list(*names)
    )


def stored_state(connection) -> dict[str, list[str]]:
    """Every row an import writes for a connection, without local ids and sync times."""
    models = {spec.model for spec in RESOURCES}
    models |= {child.model for spec in RESOURCES for child in spec.children}
    models |= {
        m.CandidateProfile,
        m.ContactProfileLink,
        m.ProfileNameEmployerKey,
        m.StageMapping,
        m.Application,
    }
    return {model.__name__: rows(model, connection) for model in models}


def cursors_of(connection) -> dict[str, tuple]:
    return {
        cursor.resource: (cursor.value, cursor.server_filters)
        for cursor in SyncCursor.objects.filter(connection=connection)
    }


def step_summary(run) -> list[tuple]:
    return [
        (s.resource, s.status, s.created, s.updated, s.unchanged, s.deleted, s.failed, s.pages)
        + (s.derived, s.error)
        for s in run.steps.order_by("order")
    ]


def import_all(connection, *, full=True, progress=None):
    run = request_sync(connection, full=full)
    while not execute_run(run.pk, progress=progress):
        pass
    run.refresh_from_db()
    return run


@import_test
def test_both_ways_of_preparing_store_the_same_state(thrive_settings, sandbox):
    state, url = sandbox
    runs, watches = {}, {}
    for name, on in (("forked", True), ("threaded", False)):
        prepare_in_subprocess(thrive_settings, on)
        watches[name] = ChildWatch()
        runs[name] = import_all(connect(url, name=name), progress=watches[name])
        assert runs[name].status == RunStatus.SUCCEEDED, runs[name].error
        assert not watches[name].any_child()
    # The setting really chose the way: a preparing process existed only when it was on.
    assert any(existed for _, _, existed in watches["forked"].seen)
    assert not any(existed for _, _, existed in watches["threaded"].seen)

    forked, threaded = (run.connection for run in (runs["forked"], runs["threaded"]))
    assert step_summary(runs["forked"]) == step_summary(runs["threaded"])
    ours, theirs = stored_state(forked), stored_state(threaded)
    assert ours == theirs
    assert len(ours["Contact"]) == state.collections["contacts"].live_count()
    assert ours["CandidateProfile"] and ours["Application"] and ours["Position"]
    assert m.CandidateProfile.objects.filter(connection=forked).count() == (
        m.CandidateProfile.objects.filter(connection=threaded).count()
    )


@pytest.fixture
def fail_fast(thrive_settings):
    """One retry, barely waited for: a listing that fails for good fails quickly."""
    thrive_settings.THRIVE_INTEGRATION = {
        **thrive_settings.THRIVE_INTEGRATION,
        "MAX_RETRIES": 1,
        "MAX_RETRY_WAIT": 0.05,
    }
    return thrive_settings


def fail_contacts_after_first_page(state, connection):
    """A full import whose contacts listing fails for good once its first page is written.

    Every contacts request takes 0.2 s, so the request for page 2 is still in the sandbox
    when page 1 is written and the fault is armed, whichever way pages are prepared.
    """
    state.faults.add("slow", count=10_000, path="/contacts", seconds=0.2)
    watch = ChildWatch()
    armed = []

    def arm(step):
        watch(step)
        if step.resource == "contacts" and step.pages == 1 and not armed:
            state.faults.add("server_error", count=10_000, path="/contacts", status=503)
            armed.append(True)

    run = request_sync(connection, full=True)
    try:
        with within(30):
            assert execute_run(run.pk, progress=arm) is True
    finally:
        state.faults.clear()
    assert armed
    assert not watch.any_child()  # reaped after the failure too
    run.refresh_from_db()
    return run, watch


@import_test
def test_a_listing_failing_in_the_preparing_process_fails_its_step_as_in_process(
    fail_fast, sandbox
):
    state, url = sandbox
    failed = {}
    for name, on in (("forked", True), ("threaded", False)):
        prepare_in_subprocess(fail_fast, on)
        connection = connect(url, name=name)
        assert import_all(connection).status == RunStatus.SUCCEEDED
        cursors_before = cursors_of(connection)
        assert set(cursors_before) == {spec.name for spec in RESOURCES}

        run, watch = fail_contacts_after_first_page(state, connection)
        assert any(existed for _, _, existed in watch.seen) is on

        steps = steps_by_resource(run)
        contacts = steps["contacts"]
        assert run.status == RunStatus.FAILED
        assert run.error == f"contacts: {contacts.error}"
        assert contacts.status == StepStatus.FAILED
        assert "GET /api/v2/contacts: 503" in contacts.error
        # Mid-listing: page 1 was written and its checkpoint kept; nothing after it counted.
        assert contacts.pages >= 1 and contacts.checkpoint
        after = [s for s in steps.values() if s.order > contacts.order]
        assert after and all(s.status == StepStatus.NOT_STARTED for s in after)
        assert cursors_of(connection) == cursors_before
        failed[name] = run

        # The writer's database connection survived the preparing process.
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        assert db.is_usable()
        healed = sync(connection, full=True, resources=["contacts"])
        assert healed.status == RunStatus.SUCCEEDED, healed.error

    forked, threaded = failed["forked"], failed["threaded"]
    assert (forked.status, forked.error) == (threaded.status, threaded.error)

    def outcome(run):
        return [(s.resource, s.status, s.error) for s in run.steps.order_by("order")]

    assert outcome(forked) == outcome(threaded)


@import_test
def test_a_budget_stop_kills_the_preparing_process_and_resuming_reaches_the_same_state(
    thrive_settings, sandbox
):
    state, url = sandbox
    prepare_in_subprocess(thrive_settings, False)
    reference = connect(url, name="reference")
    assert import_all(reference).status == RunStatus.SUCCEEDED

    prepare_in_subprocess(thrive_settings, True)
    connection = connect(url, name="budgeted")
    # Paced, so the preparing process is still fetching when the budget stops the writer.
    state.faults.add("slow", count=10_000, path="/contacts", seconds=0.02)
    run = request_sync(connection, full=True)
    watch = ChildWatch()
    alive_at_stop = []

    def note(step):
        watch(step)
        if step.resource == "contacts" and step.checkpoint:  # a budget stop follows
            alive_at_stop.append(watch.seen[-1][2])

    invocations = 0
    try:
        with within(60):
            while True:
                invocations += 1
                done = execute_run(run.pk, budget_seconds=0.000001, progress=note)
                assert not watch.any_child()  # killed and reaped, also mid-listing
                if done:
                    break
    finally:
        state.faults.clear()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    contacts = steps_by_resource(run)["contacts"]
    assert contacts.resumed and contacts.pages >= 4
    assert invocations > contacts.pages
    assert any(alive_at_stop)  # so the stops had a working process to kill
    assert stored_state(connection) == stored_state(reference)


def test_the_preparing_process_ends_with_a_writer_killed_outright():
    """A writer SIGKILLed runs no clean-up: its preparing process, stuck in a hung request
    (here a sleep), must not outlive it, calling Thrive for nobody."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        try:
            os.close(reader)

            def hung() -> Iterator[int]:
                time.sleep(60)
                yield 0

            with prepared_ahead(hung(), square) as items:
                os.write(writer, str(next(iter(children()))).encode())
                next(items)
        finally:
            os._exit(0)
    os.close(writer)
    with within(10):
        preparer = int(os.read(reader, 32))
        os.close(reader)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        while _state(preparer) not in ("gone", "Z"):
            time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"
