"""HTTP routes of the reports area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["reports"])
