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
        # refusals a curator or an editor meets (the text of a StudioError)
        "four_eyes_approve": "four-eyes rule: {name} wrote or requested this revision, so another editor must approve it",
        "four_eyes_confirm": "four-eyes rule: {name} wrote or requested this revision, so another editor must confirm it",
        # {noun} (card, summary…) stays out of the translations: they say "draft"
        "conflict_editing": "{by} saved a newer version of this {noun} while you were editing; "
        "your text is kept, compare and save again",
        "conflict_reviewing": "{by} saved a newer version of this {noun} while you were reviewing it; "
        "look at it and decide again",
        "superseded_conflict": "revision {revision_id} has been superseded by revision {latest}: {conflict}",
        "flags_blocking": "revision {revision_id} has {kinds}, which this project does not let anyone approve over "
        "(setting review.blocking_flags): revise the text",
        "flags_unacknowledged": "revision {revision_id} has open check flags; acknowledge each to approve over it "
        "({acks}): {details}",
        "incomplete_approve": "revision {revision_id} cannot be approved: it has no {fields}",
        "stale_approve": "revision {revision_id} is stale: {changes}. Look at what changed, then confirm it is "
        "still true (review confirm) or revise it",
        "transcript_waiting": "revision {revision_id} cannot be approved yet: {waiting}. "
        "Approve the transcript first, then check the text still agrees with it",
        "changes_need_reason": "say what should change: a request for changes needs a reason",
        "rejection_needs_reason": "a rejection needs a reason",
        "superseded_review_latest": "revision {revision_id} has been superseded by revision {latest}; "
        "review the latest one",
        "superseded_confirm_latest": "revision {revision_id} has been superseded; confirm the latest one",
        "hash_mismatch_review": "revision {revision_id}: stored content does not match its hash; it cannot be reviewed",
        "hash_mismatch": "revision {revision_id}: stored content does not match its hash",
        "not_what_you_reviewed": "revision {revision_id} is not the text you reviewed (hash {stored}, you saw {seen})",
        "nothing_to_confirm": "nothing revision {revision_id} cites has changed: there is nothing to confirm",
        "no_such_draft": "no draft {draft_id}",
        "no_such_revision": "no revision {revision_id}",
        "exhibit_needs_title": "an exhibit needs a title",
        # an export that would take content away from visitors waits for the person's yes
        "export_empty": "nothing approved is left to export: the package would be empty",
        "export_takes_away": "{n} piece(s) in version {version} would no longer be published: {shown}",
        "export_takes_away_more": "{n} piece(s) in version {version} would no longer be published: "
        "{shown} and {more} more",
        "export_needs_confirmation": "{why}. Nothing was exported; to publish it anyway, export again with "
        "--confirm-removal",
        # a role not allowed to do something: one code per action, so each says it in its own words;
        # {role} is itself a message ("role_curator"), {who} the roles that may (English only)
        "role_curator": "curator",
        "role_editor": "editor",
        "role_producer": "producer",
        **{
            f"denied_{action}": "{name} is a {role}; only {who} may " + action
            for action in (
                "import",
                "edit",
                "draft",
                "glossary",
                "transcribe",
                "review",
                "review_facts",
                "configure",
                "export",
            )
        },
        "not_admin_people": "{name} is not an admin; only an admin may change people and their roles",
        "not_admin_policy": "{name} is not an admin; only an admin may change policy settings",
        "nobody_working": "nobody is working: choose who you are (Working as) first",
        "not_registered": "only a person registered in this project can do this",
        "blob_missing": "media blob {short} is not in the media store at {root}: it was removed, "
        "or the project was copied without its media folder (heritage-studio check)",
        "blob_missing_shared": "media blob {short} is not in the media store at {root}: is the team's shared media "
        "folder mounted on this workstation, and is it the one named in team.json? "
        "(heritage-studio check lists every missing blob)",
    }


def say(code: str, **params: object) -> Message:
    """The message `code` with its details filled in."""
    return Message(code, **params)
