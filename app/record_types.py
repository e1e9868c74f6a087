"""The record types this server accepts: importing each field domain's handlers registers
them (app.records.registry). Sync reads only the registry, so whatever runs a push imports
this first: app.main, bench/profile_push.py, tests that push without the app."""

import app.boarding.handlers  # noqa: F401  (boarding roll calls and leave)
import app.defences.handlers  # noqa: F401  (technical defences: checks, faults)
import app.drills.handlers  # noqa: F401  (safety lessons and drills)

# police at the gate and leadership duty (issue 19)
import app.duty.handlers  # noqa: F401,E402  (the duty cadre's record of the day)
import app.gate.handlers  # noqa: F401  (gate checks, visitors)
import app.hazards.handlers  # noqa: F401  (hazards and their lifecycle)
import app.police.handlers  # noqa: F401,E402  (police presence at a gate window)
import app.shifts.handlers  # noqa: F401  (shifts, scans, reviews)
import app.villages.handlers  # noqa: F401  (villages' dispute screening forms)
