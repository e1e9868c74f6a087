"""HTTP routes of the photos area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["photos"])
