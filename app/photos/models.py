"""Content-addressed photos (SHA-256) and which records reference them."""

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary
from sqlmodel import Field, SQLModel

from app.db import utc_field, utcnow


# A photo whose bytes have fully arrived and were checked to be an image.
class Photo(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_type=BigInteger)
    content_type: str = Field(max_length=32)
    width: int
    height: int
    uploaded_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = utc_field(default_factory=utcnow)


# A record's reference to a photo; the photo may arrive after the record.
class RecordPhoto(SQLModel, table=True):
    __tablename__ = "record_photo"
    record_type: str = Field(primary_key=True, max_length=32)
    record_id: str = Field(primary_key=True, max_length=36)
    sha256: str = Field(primary_key=True, max_length=64, index=True)
    site_id: int = Field(foreign_key="site.id", index=True)


# What has arrived of one uploader's resumable upload of one photo (the chunks are in the
# photo store under partial/<user>/<sha>/<offset>). Each uploader has their own: a stranger
# sending the same name touches only their own.
class PhotoUpload(SQLModel, table=True):
    __tablename__ = "photo_upload"
    sha256: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(primary_key=True, foreign_key="app_user.id", index=True)
    total: int = Field(sa_type=BigInteger)
    received: int = Field(sa_type=BigInteger)
    started_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow, index=True)


# Photo bytes kept in the database (PATROL_PHOTO_STORE=database), by store key.
class PhotoBlob(SQLModel, table=True):
    __tablename__ = "photo_blob"
    key: str = Field(primary_key=True, max_length=200)
    data: bytes = Field(sa_type=LargeBinary)
    size: int = Field(sa_type=BigInteger)
    created_at: datetime = utc_field(default_factory=utcnow)
