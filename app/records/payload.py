"""The base of every mutation payload (the envelope around it is sync's: app.sync.schemas)."""

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """Base of every mutation payload; unknown fields from newer app versions are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
