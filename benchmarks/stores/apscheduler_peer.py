"""APScheduler 3 side of the job-store benchmark, in a fresh process.

    /usr/bin/python3 benchmarks/stores/apscheduler_peer.py <add|bulk|fire> <jobs> <directory>

APScheduler's BackgroundScheduler with its SQLAlchemyJobStore on a SQLite file (Debian's
python3-apscheduler 3.9.1 and python3-sqlalchemy 1.4), the ThreadPoolExecutor of 10 workers it
uses by default, and misfire_grace_time=None so that no run of a large due batch is dropped as
missed (as on the Kairos side). The database file is new; SQLAlchemy leaves SQLite's defaults
(journal_mode=DELETE, synchronous=FULL): each add_job and each job update is one committed,
fsynced transaction.

- add: on a started scheduler, <jobs> interval jobs (every hour, first run an hour ahead) added
  with scheduler.add_job, one after the other.
- bulk: APScheduler 3 has no bulk add; its nearest is jobs added before start() (kept pending
  in memory), which start() then writes to the store. <jobs> such jobs, timed from start(paused=True)
  to its return: one add_job transaction per job, as the store has no batch write.
- fire: on a scheduler started paused, <jobs> interval jobs (every hour) due now, added; then
  the time from resume() until the last of them has run.

Prints one JSON line.
"""

import json
import os
import sqlite3
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

from apscheduler import __version__ as apscheduler_version
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import __version__ as sqlalchemy_version

WARMUP_JOBS = 200
FIRE_LIMIT_S = 300


def tick():
    """The no-op task (a module-level function, so the store can keep a reference to it)."""


def new_scheduler(path):
    store = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    return BackgroundScheduler(
        jobstores={"default": store},
        job_defaults={"misfire_grace_time": None},
        timezone=timezone.utc,
    )


def pragmas(path):
    connection = sqlite3.connect(path)
    try:
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        connection.close()
    return {"journal_mode": journal, "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[synchronous]}


def add(jobs, path):
    scheduler = new_scheduler(path)
    scheduler.start()
    try:
        for i in range(WARMUP_JOBS):
            scheduler.add_job(tick, "interval", hours=1, id=f"warm-{i}")
        scheduler.remove_all_jobs()
        began = time.perf_counter()
        for i in range(jobs):
            scheduler.add_job(tick, "interval", hours=1, id=f"add-{i}")
        seconds = time.perf_counter() - began
        stored = len(scheduler.get_jobs())
        if stored != jobs:
            raise RuntimeError(f"{stored} jobs stored, {jobs} added")
        return {"seconds": seconds, "perSecond": jobs / seconds}
    finally:
        scheduler.shutdown(wait=False)


def bulk(jobs, path):
    # Warm-up in a scheduler of its own on another file, as the measured one must start fresh.
    warm = new_scheduler(path + ".warm")
    for i in range(WARMUP_JOBS):
        warm.add_job(tick, "interval", hours=1, id=f"warm-{i}")
    warm.start(paused=True)
    warm.shutdown(wait=False)
    os.remove(path + ".warm")
    scheduler = new_scheduler(path)
    for i in range(jobs):
        scheduler.add_job(tick, "interval", hours=1, id=f"add-{i}")
    began = time.perf_counter()
    scheduler.start(paused=True)
    seconds = time.perf_counter() - began
    try:
        stored = len(scheduler.get_jobs())
        if stored != jobs:
            raise RuntimeError(f"{stored} jobs stored, {jobs} added")
        return {"seconds": seconds, "perSecond": jobs / seconds}
    finally:
        scheduler.shutdown(wait=False)


def fire(jobs, path):
    scheduler = new_scheduler(path)
    counts = {"executed": 0, "missed": 0, "error": 0}
    state = {"expected": 0}
    done = threading.Event()

    def listener(event):
        if event.code == EVENT_JOB_EXECUTED:
            counts["executed"] += 1
            if counts["executed"] == state["expected"]:
                done.set()
        elif event.code == EVENT_JOB_MISSED:
            counts["missed"] += 1
        else:
            counts["error"] += 1

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)

    def run_pass(prefix, count):
        due = datetime.now(timezone.utc) - timedelta(seconds=1)
        for i in range(count):
            scheduler.add_job(tick, "interval", hours=1, id=f"{prefix}-{i}", next_run_time=due)
        counts.update(executed=0, missed=0, error=0)
        state["expected"] = count
        done.clear()
        began = time.perf_counter()
        scheduler.resume()
        if not done.wait(FIRE_LIMIT_S):
            raise RuntimeError(f"{counts['executed']} of {count} runs after {FIRE_LIMIT_S} s")
        ms = (time.perf_counter() - began) * 1000
        scheduler.pause()
        scheduler.remove_all_jobs()
        return ms

    try:
        run_pass("warm", WARMUP_JOBS)
        ms = run_pass("due", jobs)
        return {"ms": ms, "perSecond": jobs / (ms / 1000), "counts": dict(counts)}
    finally:
        scheduler.shutdown(wait=False)


def main():
    workload, jobs, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    path = os.path.join(directory, f"apscheduler-{workload}.sqlite")
    if os.path.exists(path):
        os.remove(path)
    try:
        result = {"add": add, "bulk": bulk, "fire": fire}[workload](jobs, path)
        result.update(pragmas(path))
    finally:
        if os.path.exists(path):
            os.remove(path)
    result.update(
        workload=workload,
        store="apscheduler",
        jobs=jobs,
        version=apscheduler_version,
        sqlalchemy=sqlalchemy_version,
    )
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
