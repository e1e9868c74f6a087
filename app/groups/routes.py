"""HTTP routes of the groups area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["groups"])
