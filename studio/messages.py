"""What long work says while it runs (job progress) and what it says when done, as coded messages.

Each message is its English text (job records, the CLI and logs keep it) carrying
its code and values, so the app says it in the reader's language (ui/i18n.py);
see `generators.messages` for the idea. Templates are keyed by a code, never by
the English, so rewording one here does not break a translation's lookup.
"""

from __future__ import annotations

from typing import ClassVar

from generators.messages import CodedText


class Message(CodedText):
    TEMPLATES: ClassVar[dict[str, str]] = {
        # drafting
        "loading_model": "loading {engine} model {model}",
        "reading_sources": "reading {n} passage(s) of the exhibit's sources ({tokens} tokens) before the first word",
        "candidate_of": "candidate {index} of {n}",
        "draft_waiting": "draft {draft_id} is waiting for review",
        "continuing": "continuing",
        # where a passage comes from (the prompt and the curator's notes name it so)
        "source_n": "source {id}",
        "at_times": "{name} {start}-{end}",
        "passage_of": "{name}, passage {n}",
        "approved_transcript_at": "{name} {start}-{end} (approved transcript)",
        "curators_description": "curator's description of the exhibit",
        "metadata_of": "metadata of {name}",
        "text_of": "text of {name}",
        "exhibit_record": "exhibit record",
        # facts
        "reading_passage": "reading {label}",
        "facts_found": "{new} new facts, {updated} updated",
        "loading_the_model": "loading the model",
        # export
        "exhibits_with_content": "{n} exhibits with approved content",
        "preparing_exhibits": "prepared {done} of {n} exhibits",
        "writing_package": "writing package files",
        "zipping": "zipping",
        "exported": "exported {name}",
    }


def say(code: str, **params: object) -> Message:
    """The message `code` with its details filled in."""
    return Message(code, **params)
