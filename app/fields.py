"""Input rules shared by every API schema."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator
from sqlmodel import SQLModel


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


# Free text from a client: no NUL bytes (Postgres cannot store them; SQLite would).
Text = Annotated[str, AfterValidator(_no_nul)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CleanInput(SQLModel):
    """Base of request schemas: refuses NUL in any text field, on every backend alike."""

    @field_validator("*", mode="before")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        if isinstance(value, list):
            for item in value:
                _no_nul(item)
        return _no_nul(value)
