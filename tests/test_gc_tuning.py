"""A served app freezes its start-up objects and raises the collector's first threshold
(issue 18: the cyclic collector ran many times per push)."""

import gc

from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import create_app


def test_starting_the_served_app_freezes_start_up_objects_and_raises_the_gc_threshold(
    monkeypatch,
):
    monkeypatch.setenv("PATROL_GC_TUNING", "true")
    get_settings.cache_clear()
    threshold = gc.get_threshold()
    try:
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        with TestClient(create_app()):
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold()[0] >= 50_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        get_settings.cache_clear()


def test_tests_start_apps_without_the_tuning(monkeypatch):
    monkeypatch.setenv("PATROL_GC_TUNING", "false")
    get_settings.cache_clear()
    threshold = gc.get_threshold()
    try:
        gc.unfreeze()
        with TestClient(create_app()):
            assert gc.get_freeze_count() == 0
            assert gc.get_threshold() == threshold
    finally:
        get_settings.cache_clear()
