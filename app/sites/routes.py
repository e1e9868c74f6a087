"""HTTP routes of the sites area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["sites"])
