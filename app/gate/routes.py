"""HTTP routes of the gate area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["gate"])
