"""Errors a curator can read: what went wrong, with which file or item, and what to do."""

from __future__ import annotations


class StudioError(Exception):
    """A problem to show the user as a sentence, never as a traceback."""


class NotFound(StudioError):
    pass


class PermissionDenied(StudioError):
    """The person's role or the four-eyes rule forbids this action."""


class IntegrityError(StudioError):
    """Stored content no longer matches its recorded hash."""
