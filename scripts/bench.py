"""Import benchmark: prints figures, asserts nothing (DEVELOPERS.md: no timed tests).

For each size N it starts the Thrive sandbox as its own process (the remote side, on the other
core), then in a fresh worker process: (1) the floor — fetch and parse every page of contacts
(with all children included) and candidacies with the same client and no database; (2) a full
import of the same resources into a fresh SQLite (or $BENCH_DATABASE_URL) database, mapping
included. It prints records per second, HTTP requests against the minimum pages needed, SQL
statements per page, peak memory (ru_maxrss of the worker) and import time against the floor;
then (3) re-maps every stored contact from its stored payload and prints statements per batch.
Peak memory is compared across sizes: it must not grow with N. It also prints the CPU seconds
the importer and the sandbox spent, and from them the shortest import this machine's cores
could allow even if the importer's work were split perfectly across them.

    python scripts/bench.py [--sizes 10000,100000] [--page-size 100] [--profile DIR]

With --profile, the import of each size is run under cProfile and its statistics written to
DIR/import-N.prof (read them with `python -m pstats` or snakeviz); the figures then include
the profiler's overhead.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ["contacts", "candidacies"]
KEY = "bench-key-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(600):
        if process.poll() is not None:
            sys.exit("the sandbox exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("the sandbox did not start")


def run_size(contacts: int, page_size: int, profile: Path | None) -> dict:
    port = free_port()
    sandbox = subprocess.Popen(
        [sys.executable, "manage.py", "thrive_sandbox", "--port", str(port)]
        + ["--contacts", str(contacts), "--token", KEY],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, sandbox)
        var = ROOT / "var" / "bench"
        var.mkdir(parents=True, exist_ok=True)
        db = var / f"bench-{contacts}.sqlite3"
        for leftover in var.glob(f"bench-{contacts}.sqlite3*"):
            leftover.unlink()
        env = dict(os.environ)
        env.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{db}"))
        env["THRIVE_VAR_DIR"] = str(var)
        # DEBUG would keep every SQL statement in memory; the sandbox is plain HTTP.
        env.update(DJANGO_DEBUG="0", THRIVE_ALLOW_INSECURE_BASE_URL="1")
        out = subprocess.run(
            [sys.executable, __file__, "--worker", f"http://127.0.0.1:{port}/api/v2"]
            + ["--page-size", str(page_size), "--sandbox-pid", str(sandbox.pid)]
            + (["--profile", str(profile / f"import-{contacts}.prof")] if profile else []),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"the benchmark worker failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        sandbox.terminate()
        sandbox.wait()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of another process (Linux /proc), None where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """User + system CPU time of this process's reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spent(pid: int, before: float | None) -> float | None:
    after = cpu_seconds(pid)
    return None if before is None or after is None else round(after - before, 2)


def worker(base_url: str, page_size: int, sandbox_pid: int, profile: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    sys.path.insert(0, str(ROOT))
    import django
    import requests

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection as db

    settings.THRIVE_INTEGRATION = {**settings.THRIVE_INTEGRATION, "PAGE_SIZE": page_size}
    from thrive_integration.conf import integration_settings

    integration_settings.reload()
    from thrive_integration.connections import client_for, create_connection
    from thrive_integration.models import SyncStep
    from thrive_integration.sync.registry import BY_NAME
    from thrive_integration.sync.runner import execute_run, request_sync

    origin = base_url.removesuffix("/api/v2")

    def served() -> int:
        """Requests the sandbox has served: the import fetches in a process of its own."""
        log = requests.get(f"{origin}/__sandbox__/requests", timeout=30).json()["requests"]
        return len(log)

    call_command("migrate", verbosity=0)
    connection = create_connection(owner="bench", name="bench", api_key=KEY, base_url=base_url)

    # The floor: the same pages through the same client, parsed, and dropped.
    floor_counts = dict.fromkeys(RESOURCES, 0)
    served_before = served()
    started, sandbox_cpu = time.perf_counter(), cpu_seconds(sandbox_pid)
    with client_for(connection) as client:
        for name in RESOURCES:
            spec = BY_NAME[name]
            for page in client.iter_pages(spec.path, include=spec.include):
                floor_counts[name] += len(page.records)
    floor_seconds = time.perf_counter() - started
    floor_sandbox_cpu = spent(sandbox_pid, sandbox_cpu)
    floor_requests = served() - served_before

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    run = request_sync(connection, full=True, resources=RESOURCES)
    # PostgreSQL works in its own server process, on the same cores: count its CPU too.
    server_pid = None
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (server_pid,) = cursor.fetchone()
    server_cpu = cpu_seconds(server_pid) if server_pid else None
    started, cpu = time.perf_counter(), time.process_time()
    sandbox_cpu = cpu_seconds(sandbox_pid)
    served_before, preparer_cpu = served(), children_cpu()
    profiler = cProfile.Profile() if profile else None
    with db.execute_wrapper(count), profiler or contextlib.nullcontext():
        execute_run(run.pk)
    import_seconds = time.perf_counter() - started
    import_cpu = time.process_time() - cpu
    # The processes that fetched and prepared pages ahead (sync/prefetch.py), once reaped.
    preparer_cpu = children_cpu() - preparer_cpu
    requests_made = served() - served_before
    import_sandbox_cpu = spent(sandbox_pid, sandbox_cpu)
    import_database_cpu = spent(server_pid, server_cpu) if server_pid else None
    if profiler:
        profiler.dump_stats(profile)
    steps = list(SyncStep.objects.filter(run=run))
    # Re-mapping every stored contact from its stored payload (after a mapping change).
    from thrive_integration.mapping.bench import bench_remap

    remap = bench_remap(connection)
    pages = sum(step.pages for step in steps)
    records = sum(step.records_done for step in steps)
    minimum_pages = sum(max(1, math.ceil(count / page_size)) for count in floor_counts.values())
    print(
        json.dumps(
            {
                "records": records,
                "floor_records": sum(floor_counts.values()),
                "floor_seconds": round(floor_seconds, 2),
                "import_seconds": round(import_seconds, 2),
                "import_cpu": round(import_cpu, 2),
                "preparer_cpu": round(preparer_cpu, 2),
                "import_sandbox_cpu": import_sandbox_cpu,
                "import_database_cpu": import_database_cpu,
                "floor_sandbox_cpu": floor_sandbox_cpu,
                "cores": os.cpu_count(),
                "records_per_second": round(records / import_seconds),
                "requests": requests_made,
                "floor_requests": floor_requests,
                "pages": pages,
                "min_pages": minimum_pages,
                "sql_per_page": round(statements / max(pages, 1), 2),
                "statuses": {step.resource: step.status for step in steps},
                "remap": remap,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "preparer_peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                ),
            }
        )
    )


def print_cpu(figures: dict) -> None:
    """Where the import's time went in CPU, and the best ratio the cores allow for that work."""
    sandbox, database = figures["import_sandbox_cpu"], figures["import_database_cpu"]
    server = f", database server {database} s" if database is not None else ""
    print(
        f"  CPU during the import   importer {figures['import_cpu']} s writing + "
        f"{figures['preparer_cpu']} s fetching and preparing ahead, sandbox {sandbox} s"
        f"{server} (sandbox during the floor: {figures['floor_sandbox_cpu']} s)"
    )
    if sandbox is not None:
        # The sandbox (and a database server) share the machine: all the CPU work spread over
        # every core is the shortest possible import, however the importer were parallelised.
        work = figures["import_cpu"] + figures["preparer_cpu"] + sandbox + (database or 0)
        bound = work / figures["cores"]
        print(
            f"  bound on {figures['cores']} cores       {bound:.2f} s "
            f"({bound / max(figures['floor_seconds'], 0.001):.2f}x the floor)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--worker")
    parser.add_argument("--sandbox-pid", type=int)
    parser.add_argument("--profile")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.page_size, args.sandbox_pid, args.profile)
        return
    profile = Path(args.profile).resolve() if args.profile else None
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
    for size in [int(part) for part in args.sizes.split(",")]:
        figures = run_size(size, args.page_size, profile)
        ratio = figures["import_seconds"] / max(figures["floor_seconds"], 0.001)
        print(f"== {size} contacts (+ candidacies), page size {args.page_size}")
        print(f"  records imported        {figures['records']}")
        print(f"  records per second      {figures['records_per_second']}")
        extra = figures["requests"] / max(figures["min_pages"], 1) - 1
        print(
            f"  HTTP requests           {figures['requests']} "
            f"(minimum pages {figures['min_pages']}, {extra:+.1%})"
        )
        print(f"  SQL statements per page {figures['sql_per_page']}")
        print(
            f"  peak memory (RSS)       {figures['peak_rss_mb']} MB "
            f"(preparing process {figures['preparer_peak_rss_mb']} MB)"
        )
        print(
            f"  import time             {figures['import_seconds']} s "
            f"(floor {figures['floor_seconds']} s, {ratio:.2f}x)"
        )
        print_cpu(figures)
        print(f"  step statuses           {figures['statuses']}")
        remap = figures["remap"]
        print(
            f"  re-map stored contacts  {remap['contacts']} in {remap['seconds']} s "
            f"({remap['contacts_per_second']}/s), SQL statements per batch of 500: "
            f"{remap['statements_per_batch']}"
        )


if __name__ == "__main__":
    main()
