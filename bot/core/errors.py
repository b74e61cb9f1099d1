"""Known failures the person is told about in plain words."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """A known failure: its `key` names the catalog text shown to the person."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class DatabaseDown(UserFacingError):
    """The database did not answer: the person is asked to try again; nothing is lost."""

    def __init__(self) -> None:
        super().__init__("db_unavailable")
