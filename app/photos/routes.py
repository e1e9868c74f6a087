"""Photo upload (whole or resumable) and download for callers who may see the record."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel

from app.access import ScopeDep
from app.auth.deps import AnyCaller
from app.db import ReadSessionDep, WriteSessionDep
from app.errors import Forbidden
from app.photos import service

router = APIRouter(prefix="/api/photos", tags=["photos"])
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes, hex")]


class UploadState(BaseModel):
    sha256: str
    received: int
    complete: bool


class MissingPhoto(BaseModel):
    record_type: str
    record_id: str
    sha256: str
    site_id: int


@router.get("/missing", response_model=list[MissingPhoto])
def missing_photos(session: ReadSessionDep, scope: ScopeDep):
    return service.missing(session, scope=scope)


@router.put("/{sha256}", response_model=UploadState)
async def put_photo(
    sha256: ShaPath,
    request: Request,
    session: WriteSessionDep,
    caller: AnyCaller,
    response: Response,
):
    data = await request.body()
    photo, created = service.store(session, sha256=sha256, data=data, user=caller.user)
    response.status_code = 201 if created else 200
    return UploadState(sha256=sha256, received=photo.size, complete=True)


@router.patch("/{sha256}", response_model=UploadState)
async def put_chunk(
    sha256: ShaPath,
    request: Request,
    session: WriteSessionDep,
    caller: AnyCaller,
    offset: Annotated[int, Query(ge=0)],
    total: Annotated[int, Query(ge=1)],
):
    chunk = await request.body()
    received, photo = service.append_chunk(
        session, sha256=sha256, offset=offset, total=total, chunk=chunk, user=caller.user
    )
    return UploadState(sha256=sha256, received=received, complete=photo is not None)


@router.get("/{sha256}/upload", response_model=UploadState)
def upload_state(sha256: ShaPath, session: ReadSessionDep, caller: AnyCaller):
    from app.photos.models import Photo

    photo = session.get(Photo, sha256)
    if photo is not None:
        return UploadState(sha256=sha256, received=photo.size, complete=True)
    return UploadState(sha256=sha256, received=service.received_bytes(sha256), complete=False)


@router.get("/{sha256}", response_class=FileResponse)
def get_photo(sha256: ShaPath, session: ReadSessionDep, scope: ScopeDep):
    if not service.may_see(session, scope=scope, sha256=sha256):
        raise Forbidden(
            "This photo belongs to a record you may not see.",
            message_zh="该照片属于您无权查看的记录。",
        )
    from app.photos.models import Photo

    photo = session.get(Photo, sha256)
    return FileResponse(
        service.photo_path(sha256),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )
