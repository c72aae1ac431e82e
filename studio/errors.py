"""Errors a curator can read: what went wrong, with which file or item, and what to do."""

from __future__ import annotations


class StudioError(Exception):
    """A problem to show the user as a sentence, never as a traceback."""


class NotFound(StudioError):
    pass


class PermissionDenied(StudioError):
    """The person's role or the four-eyes rule forbids this action."""


class NotStored(StudioError):
    """A row was asked for its id before it was saved: a mistake in the studio's code,
    said plainly instead of passing on id 0, which names no row."""


class IntegrityError(StudioError):
    """Stored content no longer matches its recorded hash."""


class EditConflict(StudioError):
    """Someone saved a newer revision of a draft since the person began editing it.

    Saving refuses instead of writing over their work (no lost update); the
    person's text is not stored, so the caller keeps it on screen to compare
    and save again. `latest_revision_id` is what the draft holds now."""

    def __init__(self, message: str, *, draft_id: int, based_on: int | None, latest_revision_id: int, by: str) -> None:
        super().__init__(message)
        self.draft_id = draft_id
        self.based_on = based_on
        self.latest_revision_id = latest_revision_id
        self.by = by
