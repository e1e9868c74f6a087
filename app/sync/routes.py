"""HTTP routes of the sync area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["sync"])
