"""`make test-clock`: the date-sensitive tests, run with the whole process tree's clock moved
to chosen instants (a Saturday, both sides of midnight in Shanghai, the year's end, a
daylight-saving change on a machine in a DST zone).

libfaketime (Debian `faketime`) is preloaded into pytest, so it reaches everything the tests
start: the in-process and subprocess servers, Playwright's driver and Chromium. The clock is
moved by an offset from the real time (FAKETIME="+N"), not pinned to a start instant, so every
process agrees on "now" whenever it starts and time still flows (timeouts, token expiry).
Postgres runs outside the tree on its real clock; the app never asks the database for the time.

    python -m tests.clock_run                       # every instant below
    python -m tests.clock_run 2026-12-31T15:55:00Z  # one instant
"""

import glob
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

# (instant in UTC, the machine's TZ, with the browser tests and Postgres too, why this instant).
# Every instant runs the server modules on SQLite; the slow parts (the browser tests, the second
# backend) run at the instants where the phone's own idea of "today" is most at stake, so the
# whole target stays near half an hour on this 2-core machine.
INSTANTS = [
    ("2026-12-05T04:00:00Z", "Asia/Shanghai", False, "a Saturday noon: no school day at the gate"),
    ("2026-12-06T15:55:00Z", "Asia/Shanghai", False, "Sunday 23:55 in Shanghai, Sunday in UTC"),
    ("2026-12-06T16:05:00Z", "Asia/Shanghai", True, "Monday 00:05 in Shanghai, Sunday in UTC"),
    ("2026-12-31T15:55:00Z", "UTC", False, "31 December 23:55 in Shanghai, the machine on UTC"),
    ("2026-12-31T16:05:00Z", "UTC", True, "1 January 00:05 in Shanghai, 31 December in UTC"),
    ("2027-03-14T07:30:00Z", "America/New_York", False, "an hour after New York's clocks jump"),
    ("2029-02-28T10:00:00Z", "Europe/Berlin", False, "years later: no test may rot"),
]

# Tests whose outcome could depend on the date or hour they run: everything that records with
# "now", reads a report of "today" or "this week", judges gate windows by weekday, checks token
# and roster deadlines, or drives the phone's clock in the browser.
DATE_SENSITIVE = [
    "tests/test_villages.py",
    "tests/browser/test_villages.py",
    # drills and technical defences (their `now` is the test's)
    "tests/test_drills.py",
    "tests/test_defences.py",
    "tests/browser/test_drills.py",
    "tests/browser/test_defences.py",
    "tests/test_records.py",
    "tests/test_reports_coverage.py",
    "tests/test_reports_gate.py",
    "tests/test_reports_hazards.py",
    "tests/test_reports_logs.py",
    "tests/test_reports_rosters.py",
    "tests/test_reports_warm.py",
    "tests/test_rosters.py",
    "tests/test_sync_clock.py",
    "tests/test_rules_kept.py",
    "tests/test_sync_records.py",
    "tests/test_loops.py",
    "tests/browser/test_loops.py",
    "tests/test_sync_conflicts.py",
    "tests/test_sync_push.py",
    "tests/test_push_input.py",
    "tests/test_tokens.py",
    "tests/test_ops_retention.py",
    "tests/test_auth.py",
    "tests/test_demo.py",
    "tests/test_audit_trail.py",
    "tests/test_boarding.py",
    "tests/test_notices.py",  # a notice is numbered in the year of its issue
    "tests/test_police_duty.py",  # police at the gate and leadership duty (issue 19)
    "tests/browser/test_police_duty.py",
    "tests/browser/test_console.py",
    "tests/browser/test_console_phone.py",
    "tests/browser/test_journey.py",
    "tests/browser/test_login_expiry.py",
    "tests/browser/test_roster_plan.py",
]


def faketime_library() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    if not found:
        sys.exit("libfaketime is missing: apt-get install faketime (make test-clock does it)")
    return found[0]


def run_at(instant: str, tz: str, full: bool, why: str, extra: list[str]) -> int:
    target = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC)
    offset = round(target.timestamp() - time.time())
    env = {
        **os.environ,
        "LD_PRELOAD": faketime_library(),
        "FAKETIME": f"{offset:+d}",
        "FAKETIME_NO_CACHE": "1",
        "TZ": tz,
    }
    print(f"\n=== {instant} (TZ={tz}): {why}", flush=True)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *extra]
    modules = [m for m in DATE_SENSITIVE if full or not m.startswith("tests/browser/")]
    only_sqlite = [] if full else ["-k", "sqlite or not postgres"]
    return subprocess.call([*command, *only_sqlite, *modules], env=env)


def main(argv: list[str]) -> int:
    """Arguments: instants to run (default: all of INSTANTS); anything starting with - goes to
    pytest."""
    extra = [a for a in argv if a.startswith("-")]
    named = [a for a in argv if not a.startswith("-")]
    known = {i[0]: i for i in INSTANTS}
    chosen = [known.get(a, (a, "UTC", True, "from the command line")) for a in named] or INSTANTS
    failed = [i[0] for i in chosen if run_at(*i, extra) != 0]
    print(f"\ntest-clock: {len(chosen) - len(failed)} instants passed, {len(failed)} failed")
    for instant in failed:
        print(f"  failed at {instant}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
