"""The record types this server accepts: importing each field domain's handlers registers
them (app.records.registry). Sync reads only the registry, so whatever runs a push imports
this first: app.main, bench/profile_push.py, tests that push without the app."""

import app.boarding.handlers  # noqa: F401  (boarding roll calls and leave)
import app.defences.handlers  # noqa: F401  (technical defences: checks, faults)
import app.drills.handlers  # noqa: F401  (safety lessons and drills)
import app.gate.handlers  # noqa: F401  (gate checks, visitors)
import app.hazards.handlers  # noqa: F401  (hazards and their lifecycle)
import app.shifts.handlers  # noqa: F401  (shifts, scans, reviews)
import app.villages.handlers  # noqa: F401  (villages' dispute screening forms)
