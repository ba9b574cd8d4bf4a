"""APScheduler 3 side of the core benchmark: the workloads of workload.mjs, in a fresh process.

    /usr/bin/python3 benchmarks/core/apscheduler_peer.py <dispatch|lateness|hold> <jobs>

Runs under Debian's python3-apscheduler (apt-get install python3-apscheduler) with what a user
gets by default: BackgroundScheduler, MemoryJobStore, ThreadPoolExecutor (10 workers), except
misfire_grace_time=None so that no run is dropped as missed (as on the Kairos side). Prints one
JSON line with the same fields as workload.mjs; memory is RSS (Python has no heapUsed).
"""

import gc
import json
import math
import resource
import sys
import threading
import time
from datetime import datetime, timezone

from apscheduler import __version__ as apscheduler_version
from apscheduler.schedulers.background import BackgroundScheduler

SPREAD_MS = 10_000
LEAD_MS = 200
WARMUP_JOBS = 1000
# Dispatch bursts per process, as in workload.mjs (Python has no JIT: kept for a like method).
DISPATCH_BURSTS = 3
STRAGGLER_LIMIT_S = 30
ADD_COST_US = 150


def main():
    workload, jobs = sys.argv[1], int(sys.argv[2])
    scheduler = BackgroundScheduler(job_defaults={"misfire_grace_time": None})
    scheduler.start()
    result = {"dispatch": dispatch, "lateness": lateness, "hold": hold}[workload](scheduler, jobs)
    result.update(workload=workload, library="APScheduler", jobs=jobs, version=apscheduler_version)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    scheduler.shutdown(wait=False)


def at(epoch_ms):
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)


def now_ms():
    return time.time() * 1000


def warm_up(scheduler):
    done = threading.Event()
    fired = []

    def task():
        fired.append(None)
        if len(fired) == WARMUP_JOBS:
            done.set()

    run_at = at(now_ms() + LEAD_MS + WARMUP_JOBS * ADD_COST_US / 1000)
    for _ in range(WARMUP_JOBS):
        scheduler.add_job(task, "date", run_date=run_at)
    done.wait(STRAGGLER_LIMIT_S + 10)


def dispatch(scheduler, jobs):
    """Three bursts, as workload.mjs runs them: the first reported as is, the third as warm*."""
    warm_up(scheduler)
    result = dispatch_burst(scheduler, jobs)
    for _ in range(DISPATCH_BURSTS - 1):
        warm = dispatch_burst(scheduler, jobs)
    for field, value in warm.items():
        result["warm" + field[0].upper() + field[1:]] = value
    return result


def dispatch_burst(scheduler, jobs):
    times = []  # list.append is atomic under the GIL
    done = threading.Event()

    def task():
        times.append(time.perf_counter())
        if len(times) == jobs:
            done.set()

    due_ms = now_ms() + LEAD_MS + jobs * ADD_COST_US / 1000
    due = at(due_ms)
    add_start = time.perf_counter()
    for _ in range(jobs):
        scheduler.add_job(task, "date", run_date=due)
    add_ms = (time.perf_counter() - add_start) * 1000
    overran = len(times) > 0 or now_ms() >= due_ms
    done.wait((due_ms - now_ms()) / 1000 + STRAGGLER_LIMIT_S)
    fired = len(times)
    span_ms = (max(times) - min(times)) * 1000 if fired > 1 else 0
    # perf_counter of the due instant, from the wall clock now and perf_counter now.
    due_counter = time.perf_counter() - (now_ms() - due_ms) / 1000
    from_due_ms = (max(times) - due_counter) * 1000 if fired > 0 else 0
    return {
        "fired": fired,
        "spanMs": span_ms,
        "perSecond": (fired - 1) * 1000 / span_ms if span_ms > 0 else 0,
        "fromDuePerSecond": fired * 1000 / from_due_ms if from_due_ms > 0 else 0,
        "addMs": add_ms,
        "overran": overran,
    }


def lateness(scheduler, jobs):
    warm_up(scheduler)
    late = [None] * jobs
    fired = []
    done = threading.Event()
    start = now_ms() + LEAD_MS + jobs * ADD_COST_US / 1000
    step = SPREAD_MS / jobs

    def make_task(index, run_at_ms):
        def task():
            late[index] = now_ms() - run_at_ms
            fired.append(None)
            if len(fired) == jobs:
                done.set()

        return task

    for i in range(jobs):
        run_at_ms = round(start + i * step)
        scheduler.add_job(make_task(i, run_at_ms), "date", run_date=at(run_at_ms))
    overran = len(fired) > 0 or now_ms() >= start
    done.wait((start - now_ms() + SPREAD_MS) / 1000 + STRAGGLER_LIMIT_S)
    values = sorted(value for value in late if value is not None)
    return {
        "fired": len(values),
        "p50Ms": quantile(values, 0.5),
        "p99Ms": quantile(values, 0.99),
        "maxMs": values[-1] if values else None,
        "minMs": values[0] if values else None,
        "overran": overran,
    }


def hold(scheduler, jobs):
    def noop():
        pass

    base = now_ms() + 3_600_000
    for i in range(WARMUP_JOBS):
        scheduler.add_job(noop, "date", run_date=at(base - WARMUP_JOBS + i))
    before = rss_after_gc()
    add_start = time.perf_counter()
    for i in range(jobs):
        scheduler.add_job(noop, "date", run_date=at(base + i))
    add_s = time.perf_counter() - add_start
    after = rss_after_gc()
    return {"addSeconds": add_s, "heapPerJob": None, "rssPerJob": (after - before) / jobs}


def rss_after_gc():
    gc.collect()
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


def quantile(values, q):
    """Nearest-rank quantile of sorted values."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


if __name__ == "__main__":
    main()
