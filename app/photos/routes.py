"""Photo upload (whole or resumable) and download for callers who may see the record.

The routes read the body on the event loop and run everything else (database, store,
image checks) in a worker thread: no request blocks the event loop, and the service's
short transactions end before each answer (app.photos.service)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.access import Scope, ScopeDep
from app.auth.deps import AnyCaller, Caller
from app.db import ReadSessionDep, read_session
from app.photos import service

router = APIRouter(prefix="/api/photos", tags=["photos"])
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes, hex")]
_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            mt: {"schema": {"type": "string", "format": "binary"}}
            for mt in ("image/jpeg", "image/png", "image/webp", "application/octet-stream")
        },
    }
}


class UploadState(BaseModel):
    sha256: str
    received: int
    complete: bool


class MissingPhoto(BaseModel):
    record_type: str
    record_id: str
    sha256: str
    site_id: int


def _caller_scope(request: Request, caller: AnyCaller) -> Scope:
    """What the caller may see, for upload routes that a disabled user's phone may also use
    (ScopeDep is for active callers only)."""
    with read_session() as session:
        return request.app.state.resolve_scope(session, caller.user)


CallerScope = Annotated[Scope, Depends(_caller_scope)]


@router.get("/missing", response_model=list[MissingPhoto])
def missing_photos(session: ReadSessionDep, scope: ScopeDep):
    return service.missing(session, scope=scope)


@router.put("/{sha256}", response_model=UploadState, openapi_extra=_IMAGE_BODY)
async def put_photo(sha256: ShaPath, request: Request, caller: AnyCaller, response: Response):
    data = await request.body()
    photo, created = await run_in_threadpool(
        lambda: service.store(sha256=sha256, data=data, user=caller.user)
    )
    response.status_code = 201 if created else 200
    return UploadState(sha256=sha256, received=photo.size, complete=True)


@router.patch("/{sha256}", response_model=UploadState, openapi_extra=_IMAGE_BODY)
async def put_chunk(
    sha256: ShaPath,
    request: Request,
    caller: AnyCaller,
    scope: CallerScope,
    offset: Annotated[int, Query(ge=0)],
    total: Annotated[int, Query(ge=1)],
):
    chunk = await request.body()
    received, photo = await run_in_threadpool(_append, sha256, offset, total, chunk, caller, scope)
    return UploadState(sha256=sha256, received=received, complete=photo is not None)


def _append(sha256: str, offset: int, total: int, chunk: bytes, caller: Caller, scope: Scope):
    return service.append_chunk(
        sha256=sha256, offset=offset, total=total, chunk=chunk, user=caller.user, scope=scope
    )


@router.get("/{sha256}/upload", response_model=UploadState)
def upload_state(sha256: ShaPath, caller: AnyCaller, scope: CallerScope):
    received, complete = service.upload_state(sha256=sha256, user=caller.user, scope=scope)
    return UploadState(sha256=sha256, received=received, complete=complete)


@router.get(
    "/{sha256}",
    response_class=Response,
    responses={200: {"content": {mt: {} for mt in service.FORMATS.values()}}},
)
def get_photo(sha256: ShaPath, scope: ScopeDep):
    data, content_type = service.read(sha256=sha256, scope=scope)
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )
