"""Why a draft is left out of a package: one template per reason.

A reason is a code and its parameters (`Reason`). Packages, reports and the CLI
keep its English text; the app renders the code and parameters in the reader's
language at display time (ui/i18n.py), so the core knows nothing of languages
and nothing is parsed back out of English. `parse` remains for reasons that come
back as text only (an export record written before reasons carried their code).
"""

from __future__ import annotations

import re
from typing import ClassVar

from generators.messages import CodedText

LEFT_OUT: dict[str, str] = {
    "no_revision": "has no revision",
    # {revision_id} is what `review approve` takes; {number} counts the draft's own versions.
    "pending": "revision {revision_id} is pending review (version {number} of the draft)",
    "edited_after_approval": "edited after approval: revision {revision_id} is pending review "
    "(version {number} of the draft)",
    "rejected": "rejected by {reviewer}: {reason}",
    "changes_requested": "changes requested by {reviewer}: {reason}",
    "approval_hash": "approval does not match the revision's hash",
    "content_altered": "content was altered after approval (hash mismatch)",
    "not_editor": "approved by {reviewer}, who was not an editor",
    "incomplete": "revision {revision_id} is incomplete (no {fields}) and cannot be reviewed",
    "stale": "stale: {changes}; confirm it is still true or revise it",
    "transcript_unapproved": "waits for its transcript: {transcripts}",
    "record_not_approved": "exhibit record (title, description, rights…) left out: {reason}",
    "language_not_requested": "language {language} not requested",
    "no_language": "no language set on the draft",
    "no_exhibit": "not attached to an exhibit",
    "card_no_title": "the card text has no title",
    "language_taken": "{language} already comes from {kind} draft {draft_id}",
    "no_card_text": "the exhibit has no approved card text in {language}",
    "card_unrenderable": "card cannot be rendered: {error}",
}


class Reason(CodedText):
    """A reason as its English text (so every consumer that stores or prints text is
    unchanged) that also carries its code and parameters for rendering elsewhere.
    A parameter may itself be a Reason (an exhibit record's own reason, nested)."""

    TEMPLATES: ClassVar[dict[str, str]] = LEFT_OUT


def why(code: str, **params: object) -> Reason:
    """The reason `code` with its details filled in."""
    return Reason(code, **params)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = [(code, _pattern(template)) for code, template in LEFT_OUT.items()]


def parse(text: str) -> tuple[str, dict[str, str]] | None:
    """(code, details) of a reason written by `why`, or None for any other text.

    Details match as little as they can, so only the last one (e.g. the
    reviewer's free-text reason) may itself contain the text that follows an
    earlier one; user names do not contain ": "."""
    for code, pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            return code, match.groupdict()
    return None
