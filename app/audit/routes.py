"""HTTP routes of the audit area."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["audit"])
