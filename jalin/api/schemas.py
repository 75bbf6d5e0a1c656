"""Base schemas: request bodies refuse unknown fields; pages of results share one shape."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict, Field


class InputSchema(Schema):
    """Base of every request body: an unknown field is a 422 naming it (``extra_forbidden``)."""

    model_config = ConfigDict(extra="forbid")


class Page[T](Schema):
    """One page of a list; pass ``next_cursor`` as ``?cursor=`` for the next page (null: the last)."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque cursor of the next page; null on the last page.")


class PageParams(Schema):
    """Query parameters of every list: ``def view(request, page: Query[PageParams])``."""

    cursor: str | None = Field(None, description="next_cursor of the previous page")
    limit: int | None = Field(None, ge=1, le=200, description="items per page (default 50)")
