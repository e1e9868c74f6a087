"""HTTP routes of the hazards area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["hazards"])
