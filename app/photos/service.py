"""Content-addressed photo storage: checked by hash and by content, resumable, fsynced."""

import hashlib
import io
import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from app.access import Scope
from app.auth.models import User
from app.config import get_settings
from app.errors import Conflict, InsufficientStorage, Invalid, NotFound, TooLarge
from app.photos.models import Photo, RecordPhoto
from app.records.store import PushContext, Record

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a phone photo is ~12 MP; anything far beyond is a decompression bomb


def _root() -> Path:
    return Path(get_settings().upload_dir)


def photo_path(sha256: str) -> Path:
    return _root() / sha256[:2] / sha256


def _partial_path(sha256: str) -> Path:
    return _root() / "partial" / f"{sha256}.part"


def link_photos(ctx: PushContext, record_type: str, record: Record, shas: list[str]) -> None:
    """A record's photos, written with it; the bytes may arrive later (listed as missing)."""
    for sha in shas:
        ctx.add_row(
            RecordPhoto,
            record_type=record_type,
            record_id=record.id,
            sha256=sha,
            site_id=record.site_id,
        )


def _inspect_image(data: bytes) -> tuple[str, int, int]:
    """The content type, width and height, or Invalid for anything that is not a photo."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                width, height = img.size
                img.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid(
            "The image has too many pixels to be a photo; send a smaller one.",
            message_zh="图片像素过多，不像是照片，请上传较小的图片。",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid(
            "The upload is not a readable JPEG, PNG or WebP image.",
            message_zh="上传的文件不是可读取的 JPEG、PNG 或 WebP 图片。",
        ) from exc
    if fmt not in FORMATS:
        raise Invalid(
            f"Photos must be JPEG, PNG or WebP, not {fmt}.",
            message_zh=f"照片须为 JPEG、PNG 或 WebP 格式，不能是 {fmt}。",
        )
    return FORMATS[fmt], width, height


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _storage_error(exc) from exc


def _storage_error(exc: OSError) -> Exception:
    if exc.errno in (28, 122):  # ENOSPC, EDQUOT
        return InsufficientStorage(
            "The server's photo storage is full; the photo stays on the phone and will be "
            "sent again later. Tell your administrator.",
            message_zh="服务器照片存储已满：照片保留在手机上，稍后会重新上传。请告知管理员。",
        )
    return exc


def store(session: Session, *, sha256: str, data: bytes, user: User) -> tuple[Photo, bool]:
    """Stores a whole photo; (photo, created). Sending the same bytes again is a no-op."""
    limit = get_settings().max_photo_bytes
    if len(data) > limit:
        raise TooLarge(
            f"A photo may be at most {limit} bytes.",
            message_zh=f"照片最大 {limit} 字节。",
            details={"limit_bytes": limit},
        )
    # Checked before the no-op shortcut: other bytes under a stored photo's name are refused,
    # not answered "200 stored" (which would also tell a stranger the photo exists).
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Invalid(
            "The photo's bytes do not match its SHA-256 name; send it again.",
            message_zh="照片内容与其 SHA-256 名称不符，请重新上传。",
        )
    existing = session.get(Photo, sha256)
    if existing is not None:
        return existing, False
    content_type, width, height = _inspect_image(data)
    _write_atomically(photo_path(sha256), data)
    photo = Photo(
        sha256=sha256,
        size=len(data),
        content_type=content_type,
        width=width,
        height=height,
        uploaded_by=user.id,
    )
    session.add(photo)
    session.commit()
    return photo, True


def received_bytes(sha256: str) -> int:
    path = _partial_path(sha256)
    return path.stat().st_size if path.exists() else 0


def append_chunk(
    session: Session, *, sha256: str, offset: int, total: int, chunk: bytes, user: User
) -> tuple[int, Photo | None]:
    """Resumable upload: appends at `offset`; the last chunk checks and stores the photo."""
    if session.get(Photo, sha256) is not None:
        return total, session.get(Photo, sha256)
    limit = get_settings().max_photo_bytes
    if total > limit:
        raise TooLarge(
            f"A photo may be at most {limit} bytes.",
            message_zh=f"照片最大 {limit} 字节。",
            details={"limit_bytes": limit},
        )
    have = received_bytes(sha256)
    if offset != have:
        raise Conflict(
            f"The server holds {have} bytes of this photo; continue from offset {have}.",
            message_zh=f"服务器已收到该照片的 {have} 字节，请从第 {have} 字节继续上传。",
            details={"received": have},
        )
    if offset + len(chunk) > total:
        raise Invalid(
            "The chunk runs past the photo's declared total size.",
            message_zh="该分段超出了照片声明的总大小。",
        )
    path = _partial_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "ab") as fh:
            fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise _storage_error(exc) from exc
    have = offset + len(chunk)
    if have < total:
        return have, None
    data = path.read_bytes()
    try:
        photo, _ = store(session, sha256=sha256, data=data, user=user)
    except Invalid:
        path.unlink(missing_ok=True)  # start over: the assembled bytes were wrong
        raise
    path.unlink(missing_ok=True)
    return total, photo


def may_see(session: Session, *, scope: Scope, sha256: str) -> bool:
    sites = scope.site_filter()
    photo = session.get(Photo, sha256)
    if photo is None:
        raise NotFound(
            "No such photo (it may not have finished uploading).",
            message_zh="没有这张照片（可能尚未上传完成）。",
        )
    if sites is None or photo.uploaded_by == scope.user_id:
        return True
    if not sites:
        return False
    row = session.exec(
        select(RecordPhoto.sha256).where(
            RecordPhoto.sha256 == sha256, RecordPhoto.site_id.in_(sites)
        )
    ).first()
    return row is not None


def missing(session: Session, *, scope: Scope, limit: int = 500) -> list[dict]:
    """Records that name photos whose bytes have not fully arrived."""
    query = (
        sa_select(
            RecordPhoto.record_type, RecordPhoto.record_id, RecordPhoto.sha256, RecordPhoto.site_id
        )
        .outerjoin(Photo, Photo.sha256 == RecordPhoto.sha256)
        .where(Photo.sha256.is_(None))
        .order_by(RecordPhoto.record_id)
        .limit(limit)
    )
    sites = scope.site_filter()
    if sites is not None:
        query = query.where(RecordPhoto.site_id.in_(sites or {-1}))
    return [
        {"record_type": t, "record_id": r, "sha256": s, "site_id": site}
        for t, r, s, site in session.execute(query).all()
    ]
