"""HTTP routes of the shifts area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["shifts"])
