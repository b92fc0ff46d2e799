#!/usr/bin/env python3
"""A goalstream job worker written in Python, through the SQL interface.

goalstream's migrations install SQL functions in its schema: add_job / add_jobs (enqueue inside
your own transaction; workers are woken on commit), claim_jobs (register + heartbeat + claim),
complete_job and fail_job (fenced by attempt; DAG release, retries with backoff and history as
goalstream's own workers). This worker enqueues a job in a transaction of its own, then claims
and runs jobs of one queue, waiting on LISTEN goalstream_jobs between claims.

    pip install 'psycopg[binary]>=3.1'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goalstream python3 examples/sql_worker.py

Run `goalstream migrate` on that database first. Stops after --max-jobs jobs or on Ctrl-C.
"""
import argparse
import json
import os
import socket

import psycopg


def handle(kind, args):
    """The work. Raise to fail the attempt (it is retried with backoff, then failed for good)."""
    if kind == "report.render":
        return f"rendered report for {args.get('player', '?')}"
    raise ValueError(f"no handler for kind {kind!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="python")
    parser.add_argument("--max-jobs", type=int, default=1)
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/goalstream")
    worker_id = f"py-{socket.gethostname()}-{os.getpid()}"

    with psycopg.connect(url, autocommit=True) as conn:
        # Enqueue inside a transaction of our own: the job exists only if it commits.
        with conn.transaction():
            job_id = conn.execute(
                "SELECT add_job(%s, %s::jsonb, queue => %s)",
                ("report.render", json.dumps({"player": "p-42"}), options.queue),
            ).fetchone()[0]
        print(f"enqueued job {job_id}")

        conn.execute("LISTEN goalstream_jobs")
        done = 0
        while done < options.max_jobs:
            rows = conn.execute(
                "SELECT id, kind, args, attempt FROM claim_jobs(%s, 10, %s)",
                (options.queue, worker_id),
            ).fetchall()
            if not rows:
                # Woken by a NOTIFY naming a queue, or every 5 s (scheduled jobs, rescues).
                for _ in conn.notifies(timeout=5, stop_after=1):
                    pass
                continue
            for job_id, kind, args, attempt in rows:
                try:
                    result = handle(kind, args)
                    conn.execute("SELECT complete_job(%s, %s)", (job_id, attempt))
                    print(f"job {job_id} ({kind}) completed: {result}")
                except Exception as error:  # the job's failure, recorded on the job
                    state = conn.execute(
                        "SELECT fail_job(%s, %s, %s)", (job_id, attempt, str(error))
                    ).fetchone()[0]
                    print(f"job {job_id} ({kind}) failed: {error} -> {state}")
                done += 1


if __name__ == "__main__":
    main()
