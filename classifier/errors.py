"""Errors and warnings of the classifier package."""

from __future__ import annotations


class DataError(Exception):
    """Bad input data: the message names the file, the row and the fix (shown to users as is)."""


class ModelError(Exception):
    """A model directory that cannot be used (missing, damaged, or built for other categories)."""


class ModelVersionWarning(UserWarning):
    """The model was built with other library versions than the ones installed now."""
