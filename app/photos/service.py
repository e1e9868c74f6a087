"""Content-addressed photo storage: checked by hash and by content, resumable, in a store
every app machine can share (app.photos.store).

Transactions: an upload writes bytes to the store and state to the database, so it manages
its own short transactions (app.db): bytes first, outside any transaction, then one short
write transaction that records them. No write transaction (on SQLite, the process's write
turn) is held while bytes travel, and none outlives the call. Every function here is
blocking: routes run them in a worker thread."""

import hashlib
import io
import warnings
from datetime import datetime, timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, exists, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.access import Scope
from app.auth.models import User
from app.config import get_settings
from app.db import read_session, utcnow, write_session
from app.errors import Conflict, Invalid, NotFound, TooLarge, TooManyRequests
from app.photos.models import Photo, PhotoUpload, RecordPhoto
from app.photos.store import PhotoStore, get_store, part_key, part_prefix, photo_key
from app.records.store import PushContext, Record

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a phone photo is ~12 MP; anything far beyond is a decompression bomb
NOT_FOUND = "No such photo (it may not have finished uploading)."
NOT_FOUND_ZH = "没有这张照片（可能尚未上传完成）。"


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


def _check_size(total: int) -> None:
    limit = get_settings().max_photo_bytes
    if total > limit:
        raise TooLarge(
            f"A photo may be at most {limit} bytes.",
            details={"limit_bytes": limit},
            message_zh=f"照片最大 {limit} 字节。",
        )


def unreferenced_bytes(session: Session, *, user_id: int) -> int:
    """What the user holds on the server that no record names: finished photos no record
    refers to, and unfinished uploads (their declared size)."""
    referenced = exists().where(RecordPhoto.sha256 == Photo.sha256)
    photos = session.execute(
        sa_select(func.coalesce(func.sum(Photo.size), 0)).where(
            Photo.uploaded_by == user_id, ~referenced
        )
    ).scalar_one()
    partial = session.execute(
        sa_select(func.coalesce(func.sum(PhotoUpload.total), 0)).where(
            PhotoUpload.user_id == user_id
        )
    ).scalar_one()
    return int(photos) + int(partial)


def _check_quota(session: Session, *, user_id: int, sha256: str, adding: int) -> None:
    referenced = session.exec(
        select(RecordPhoto.sha256).where(RecordPhoto.sha256 == sha256)
    ).first()
    if referenced is not None:
        return  # a photo a record is waiting for is never held up
    quota = get_settings().orphan_photo_quota_bytes
    if unreferenced_bytes(session, user_id=user_id) + adding > quota:
        raise TooManyRequests(
            "You have sent many photos that no record refers to yet; send the records first "
            "(or wait until old unused photos are cleaned up), then send the photos again.",
            code="photo_quota",
            details={"quota_bytes": quota},
            message_zh="已上传的照片中有太多尚未被任何记录引用；请先同步记录，然后再上传照片。",
        )


def _visible(session: Session, photo: Photo, scope: Scope) -> bool:
    sites = scope.site_filter()
    if sites is None or photo.uploaded_by == scope.user_id:
        return True
    if not sites:
        return False
    row = session.exec(
        select(RecordPhoto.sha256).where(
            RecordPhoto.sha256 == photo.sha256, RecordPhoto.site_id.in_(sites)
        )
    ).first()
    return row is not None


def _forget_lost(sha256: str) -> None:
    """The database names a photo whose bytes the store no longer has: drop the row, so the
    photo is listed missing and its next upload stores it again."""
    with write_session() as session:
        session.execute(delete(Photo).where(Photo.sha256 == sha256))


def _record_photo(
    store: PhotoStore,
    *,
    sha256: str,
    data: bytes,
    content_type: str,
    size: tuple[int, int],
    user: User,
) -> tuple[Photo, bool]:
    """Bytes into the store, then the row; (photo, created). A concurrent upload of the
    same photo that committed first wins the row (the bytes are the same)."""
    store.put(photo_key(sha256), data)
    photo = Photo(
        sha256=sha256,
        size=len(data),
        content_type=content_type,
        width=size[0],
        height=size[1],
        uploaded_by=user.id,
    )
    try:
        with write_session() as session:
            session.execute(
                delete(PhotoUpload).where(
                    PhotoUpload.sha256 == sha256, PhotoUpload.user_id == user.id
                )
            )
            if session.get(Photo, sha256) is not None:
                return photo, False
            session.add(photo)
    except IntegrityError:
        return photo, False
    return photo, True


def store(*, sha256: str, data: bytes, user: User) -> tuple[Photo, bool]:
    """Stores a whole photo; (photo, created). Sending the same bytes again is a no-op, and
    stores them again when the store has lost them."""
    _check_size(len(data))
    # Checked before anything else: other bytes under a stored photo's name are refused,
    # not answered "200 stored" (which would also tell a stranger the photo exists).
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Invalid(
            "The photo's bytes do not match its SHA-256 name; send it again.",
            message_zh="照片内容与其 SHA-256 名称不符，请重新上传。",
        )
    photo_store = get_store()
    with read_session() as session:
        existing = session.get(Photo, sha256)
        if existing is None:
            _check_quota(session, user_id=user.id, sha256=sha256, adding=len(data))
    if existing is not None and photo_store.exists(photo_key(sha256)):
        return existing, False
    content_type, width, height = _inspect_image(data)
    photo, created = _record_photo(
        photo_store,
        sha256=sha256,
        data=data,
        content_type=content_type,
        size=(width, height),
        user=user,
    )
    return photo, created or existing is not None


def upload_state(*, sha256: str, user: User, scope: Scope) -> tuple[int, bool]:
    """(received, complete) as this caller sees it: a photo they may not see answers as one
    that does not exist, with what they themselves have sent of it."""
    with read_session() as session:
        photo = session.get(Photo, sha256)
        if photo is not None and _visible(session, photo, scope):
            return photo.size, True
        upload = session.get(PhotoUpload, (sha256, user.id))
        return (upload.received if upload else 0), False


def append_chunk(
    *, sha256: str, offset: int, total: int, chunk: bytes, user: User, scope: Scope
) -> tuple[int, Photo | None]:
    """Resumable upload: appends at `offset` to this caller's own upload; the last chunk
    checks and stores the photo. The state is in the database and the chunks in the store,
    so when the store is shared any app machine continues an upload another began."""
    photo_store = get_store()
    with read_session() as session:
        photo = session.get(Photo, sha256)
        if (
            photo is not None
            and _visible(session, photo, scope)
            and photo_store.exists(photo_key(sha256))
        ):
            return photo.size, photo
        _check_size(total)
        upload = session.get(PhotoUpload, (sha256, user.id))
        have = upload.received if upload is not None else 0
        if offset != have:
            raise Conflict(
                f"The server holds {have} bytes of this photo; continue from offset {have}.",
                details={"received": have},
                message_zh=f"服务器已收到该照片的 {have} 字节，请从第 {have} 字节继续上传。",
            )
        if offset + len(chunk) > total or (upload is not None and upload.total != total):
            raise Invalid(
                "The chunk runs past the photo's declared total size.",
                message_zh="该分段超出了照片声明的总大小。",
            )
        if not chunk and offset < total:
            raise Invalid(
                "An empty chunk adds nothing; send the photo's next bytes.",
                message_zh="空的分段没有内容，请发送照片的下一段。",
            )
        if upload is None:
            _check_quota(session, user_id=user.id, sha256=sha256, adding=total)
    photo_store.put(part_key(user.id, sha256, offset), chunk)
    have = offset + len(chunk)
    _advance(sha256=sha256, user_id=user.id, offset=offset, have=have, total=total)
    if have < total:
        return have, None
    try:
        data = _assemble(photo_store, sha256=sha256, user_id=user.id, total=total)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise Invalid(
                "The photo's bytes do not match its SHA-256 name; send it again.",
                message_zh="照片内容与其 SHA-256 名称不符，请重新上传。",
            )
        content_type, width, height = _inspect_image(data)
    except Invalid:
        _drop_upload(photo_store, sha256=sha256, user_id=user.id)  # start over
        raise
    photo, _ = _record_photo(
        photo_store,
        sha256=sha256,
        data=data,
        content_type=content_type,
        size=(width, height),
        user=user,
    )
    photo_store.delete_prefix(part_prefix(user.id, sha256))
    return total, photo


def _advance(*, sha256: str, user_id: int, offset: int, have: int, total: int) -> None:
    """Records the chunk, if nobody moved the upload on meanwhile (two requests with the
    same chunk: one wins, the other is told where the upload stands)."""
    now = utcnow()
    with write_session() as session:
        if offset == 0:
            session.execute(
                delete(PhotoUpload).where(
                    PhotoUpload.sha256 == sha256,
                    PhotoUpload.user_id == user_id,
                    PhotoUpload.received == 0,
                )
            )
            session.add(
                PhotoUpload(
                    sha256=sha256,
                    user_id=user_id,
                    total=total,
                    received=have,
                    started_at=now,
                    updated_at=now,
                )
            )
            try:
                session.flush()
            except IntegrityError as exc:
                raise Conflict(
                    "Another request is sending this photo; ask where the upload stands.",
                    details={"received": have},
                    message_zh="另一个请求正在上传这张照片；请先查询上传进度。",
                ) from exc
            return
        moved = session.execute(
            update(PhotoUpload)
            .where(
                PhotoUpload.sha256 == sha256,
                PhotoUpload.user_id == user_id,
                PhotoUpload.received == offset,
            )
            .values(received=have, updated_at=now)
        )
        if moved.rowcount != 1:
            raise Conflict(
                "Another request moved this upload on; ask where the upload stands.",
                details={"received": offset},
                message_zh="另一个请求已推进这次上传；请先查询上传进度。",
            )


def _assemble(photo_store: PhotoStore, *, sha256: str, user_id: int, total: int) -> bytes:
    parts: list[bytes] = []
    at = 0
    while at < total:
        part = photo_store.get(part_key(user_id, sha256, at))
        if not part:
            raise Invalid(
                "Part of the upload was lost on the server; send the photo again.",
                message_zh="服务器上丢失了部分上传内容，请重新发送照片。",
            )
        parts.append(part)
        at += len(part)
    if at != total:
        raise Invalid(
            "The upload's chunks do not add up to its size; send the photo again.",
            message_zh="上传的各分段加起来与照片大小不符，请重新发送照片。",
        )
    return b"".join(parts)


def _drop_upload(photo_store: PhotoStore, *, sha256: str, user_id: int) -> None:
    with write_session() as session:
        session.execute(
            delete(PhotoUpload).where(PhotoUpload.sha256 == sha256, PhotoUpload.user_id == user_id)
        )
    photo_store.delete_prefix(part_prefix(user_id, sha256))


def read(*, sha256: str, scope: Scope) -> tuple[bytes, str]:
    """The photo's bytes and content type, for a caller who may see it. A photo the caller
    may not see answers exactly as one that does not exist (404): existence is not told."""
    with read_session() as session:
        photo = session.get(Photo, sha256)
        if photo is None or not _visible(session, photo, scope):
            raise NotFound(NOT_FOUND, message_zh=NOT_FOUND_ZH)
        content_type = photo.content_type
    data = get_store().get(photo_key(sha256))
    if data is None:
        _forget_lost(sha256)
        raise NotFound(NOT_FOUND, message_zh=NOT_FOUND_ZH)
    return data, content_type


def missing(session: Session, *, scope: Scope, limit: int = 500) -> list[dict]:
    """Records that name photos whose bytes have not fully arrived (or were lost)."""
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


def verify(*, batch: int = 500) -> int:
    """Drops the rows of photos whose bytes the store no longer has (a lost disk, a restore
    without photos), so they are listed missing and phones send them again. Returns how
    many were dropped."""
    photo_store = get_store()
    lost = 0
    after = ""
    while True:
        with read_session() as session:
            shas = list(
                session.exec(
                    select(Photo.sha256)
                    .where(Photo.sha256 > after)
                    .order_by(Photo.sha256)
                    .limit(batch)
                ).all()
            )
        if not shas:
            return lost
        for sha in shas:
            if not photo_store.exists(photo_key(sha)):
                _forget_lost(sha)
                lost += 1
        after = shas[-1]


def clean(*, now: datetime, older_than: timedelta) -> dict[str, int]:
    """Removes unfinished uploads untouched for `older_than`, and finished photos that no
    record names and that arrived more than `older_than` ago, with their bytes."""
    photo_store = get_store()
    cutoff = now - older_than
    with write_session() as session:
        stale = session.exec(select(PhotoUpload).where(PhotoUpload.updated_at < cutoff)).all()
        uploads = [(u.sha256, u.user_id) for u in stale]
        for upload in stale:
            session.delete(upload)
        referenced = exists().where(RecordPhoto.sha256 == Photo.sha256)
        orphans = list(
            session.execute(
                delete(Photo).where(Photo.created_at < cutoff, ~referenced).returning(Photo.sha256)
            ).scalars()
        )
    for sha, user_id in uploads:
        photo_store.delete_prefix(part_prefix(user_id, sha))
    for sha in orphans:
        photo_store.delete(photo_key(sha))
    return {"uploads": len(uploads), "photos": len(orphans)}
