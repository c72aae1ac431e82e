"""The project's tables, named in the museum's words.

The migrations in `studio/migrations/` create these tables with frozen SQL;
`tests/test_project.py` checks that the two agree. Timestamps are ISO-8601 UTC
strings so that what is hashed (revisions, the audit chain) is exactly what
is stored, with no driver-dependent datetime round trips.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pydantic_core import to_json, to_jsonable_python
from sqlalchemy import Column, String, Text, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from studio.errors import IntegrityError, NotStored


# ------------------------------------------------------------ closed vocabularies
# Each value is exactly the string stored in the database (the migrations' TEXT
# columns are unchanged); a StrEnum member compares equal to it and serialises as it.
class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # its process died while it ran


class Decision(StrEnum):
    """An editor's decision on one revision."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class AuthorKind(StrEnum):
    """Who wrote a revision: a model (asked by a person) or a person."""

    MODEL = "model"
    PERSON = "person"


class CandidateStatus(StrEnum):
    """What became of a candidate a model offered."""

    OFFERED = "offered"
    PICKED = "picked"
    PASSED_OVER = "passed_over"


class SourceKind(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    PDF = "pdf"
    DOCX = "docx"
    IMAGE = "image"
    AUDIO = "audio"


class PassageOrigin(StrEnum):
    SOURCE = "source"  # the source's own text
    TRANSCRIPT = "transcript"  # an audio guide's transcript


class DraftKind(StrEnum):
    """The kinds of draft the studio itself makes. The drafts table stays open to
    other kinds (studio.review checks only their spelling), so Draft.kind is a str."""

    CARD = "card"
    SUMMARY = "summary"
    AUDIO_CARD = "audio_card"
    CAPTION = "caption"
    ALT_TEXT = "alt_text"
    TRANSLATION = "translation"
    TRANSCRIPT = "transcript"
    RECORD = "record"  # the exhibit's own record (title, description, rights...)
    FACT = "fact"  # one fact on an exhibit's fact sheet


E = TypeVar("E", bound=StrEnum)


class StoredEnum(TypeDecorator[E]):
    """A TEXT column read back as its StrEnum; writing a value outside it fails at flush."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# ------------------------------------------------------------------ JSON columns
class JsonText(TypeDecorator[Any]):
    """A JSON value in a TEXT column (the `*_json` columns): code reads and writes dicts
    and lists, and the column's text is written here, and only here.

    Each column keeps the json.dumps options it has always been written with, so the
    text of a value is byte for byte what earlier versions wrote: revision content and
    grounds, and audit details, are hashed as text (studio.revision_store,
    studio.evidence, studio.audit), and the PostgreSQL gate writes some of these
    columns itself. `empty` is the column's default text, read back for an empty
    cell and written for None. No mutation tracking: changing a dict read from a row
    in place writes nothing (revisions and the audit log are append-only); a row
    changes only when its attribute is assigned."""

    impl = Text
    cache_ok = True

    def __init__(
        self,
        empty: str = "{}",
        *,
        name: str = "",
        sort_keys: bool = False,
        ensure_ascii: bool = True,
        compact: bool = False,
        default: Callable[[Any], Any] | None = None,
        pydantic: bool = False,
    ) -> None:
        super().__init__()
        self.empty = empty
        self.name = name
        self.sort_keys = sort_keys
        self.ensure_ascii = ensure_ascii
        self.compact = compact
        self.default = default
        self.pydantic = pydantic  # written by pydantic's serialiser (a model's model_dump_json), not json.dumps

    def dump(self, value: Any) -> str:
        """The column's text for a value."""
        if value is None:
            return self.empty
        if self.pydantic:
            return to_json(value).decode("utf-8")
        return json.dumps(
            value,
            sort_keys=self.sort_keys,
            ensure_ascii=self.ensure_ascii,
            separators=(",", ":") if self.compact else None,
            default=self.default,
        )

    def load(self, text: str | None) -> Any:
        """The value of a column's text (an empty cell reads as the column's default)."""
        try:
            return json.loads(text or self.empty)
        except ValueError as exc:  # written by hand outside the studio: say where, not a bare parse error
            shown = (text or "")[:60]
            raise IntegrityError(f"{self.name or 'a JSON column'} holds text that is not JSON: {shown!r}") from exc

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return self.dump(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return self.load(value)


# How a revision's content is written: one text per content, so its hash is stable
# across runs and machines (studio.revision_store.canonical_json).
CANONICAL: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "compact": True}


def json_column(name: str, empty: str = "{}", *, required: bool = False, **form: Any) -> Any:
    """A JSON attribute stored in the TEXT column `name` (the schema keeps its `*_json` names)."""
    json_type = JsonText(empty, name=name, **form)
    column: Column[Any] = Column(name, json_type, nullable=False)
    if required:
        return Field(sa_column=column)
    return Field(default_factory=lambda: json_type.load(None), sa_column=column)


def _json_attribute(attribute: Any) -> InstrumentedAttribute[Any]:
    """A JSON column's class attribute (typed as its value, `Revision.content`, for mypy)."""
    if not (isinstance(attribute, InstrumentedAttribute) and isinstance(attribute.type, JsonText)):
        raise TypeError(f"{attribute!r} is not a JSON column")
    return attribute


def stored_text(attribute: Any) -> ColumnElement[str]:
    """A JSON column selected as the text stored in it, for what is hashed as stored
    (the audit chain, a revision's content and grounds when `check` proves them)."""
    # Labelled: selected beside its own row, the column would otherwise be read once, parsed.
    column = _json_attribute(attribute)
    return type_coerce(column, Text).label(f"{column.key}_as_stored")


def as_stored(attribute: Any, value: Any) -> Any:
    """A value as its column will read it back (a deep copy, tuples become lists...): what a
    row keeps in memory after a write, so it never shares the caller's dicts."""
    column_type = _json_attribute(attribute).type
    assert isinstance(column_type, JsonText)
    return column_type.load(column_type.dump(value))


def jsonable(value: object) -> Any:
    """An object json cannot write (a job's dataclass outcome, an enum) in its JSON form."""
    return to_jsonable_python(value, fallback=str)


def json_text(attribute: Any, value: Any) -> str:
    """The text a JSON column stores for a value: what its hash, or a server function
    writing the same column, must see."""
    column_type = _json_attribute(attribute).type
    assert isinstance(column_type, JsonText)
    return column_type.dump(value)


class _HasId(Protocol):
    @property
    def id(self) -> int | None: ...


class Stored:
    """Gives a table's row `stored_id`: its id, typed `int`, once the row is saved.

    A row's `id` is `None` until it is flushed; reading `stored_id` before then
    raises `NotStored` rather than turning the missing id into 0 (which names no
    row, and passed silently before). The mixin declares no field of its own."""

    @property
    def stored_id(self: _HasId) -> int:
        if self.id is None:
            raise NotStored(f"This {type(self).__name__.lower()} has not been saved yet, so it has no id.")
        return self.id


class User(Stored, SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str  # curator | editor | producer
    created_at: str = Field(default_factory=utcnow)
    # Manages people, roles and policy settings, on top of the working role (migration 0020).
    admin: bool = False
    # argon2id hash of the sign-in passphrase ('' = none set); see studio/passphrases.py.
    passphrase_hash: str = Field(default="", repr=False)


class Exhibit(Stored, SQLModel, table=True):
    """An object or display on the gallery floor, described in Dublin Core."""

    __tablename__ = "exhibits"
    id: int | None = Field(default=None, primary_key=True)
    identifier: str | None = Field(default=None, unique=True)
    title: str
    creator: str = ""
    date: str = ""
    description: str = ""
    subject: str = ""  # semicolon-separated, as Dublin Core exports usually carry it
    rights: str = ""
    language: str = ""
    notes: str = ""
    created_at: str = Field(default_factory=utcnow)
    updated_at: str = Field(default_factory=utcnow)


class Source(Stored, SQLModel, table=True):
    """A file the museum already had, stored once as a blob, with its extracted text."""

    __tablename__ = "sources"
    id: int | None = Field(default=None, primary_key=True)
    exhibit_id: int | None = Field(default=None, foreign_key="exhibits.id")
    kind: SourceKind = Field(sa_type=StoredEnum(SourceKind))
    filename: str
    media_sha256: str
    mime: str = ""
    size_bytes: int = 0
    language: str = ""
    title: str = ""
    text: str = ""
    meta: dict[str, Any] = json_column("meta_json", ensure_ascii=False, default=str)  # what the file said of itself
    thumbnail_sha256: str | None = None
    created_at: str = Field(default_factory=utcnow)
    created_by: str = ""
    # public: may be quoted and linked in a package; internal (e.g. a condition
    # report) and restricted (by rights) may ground drafts but never leave.
    visibility: str = "public"
    retired_at: str | None = None
    retired_by: str = ""
    retired_reason: str = ""
    replaces_id: int | None = Field(default=None, foreign_key="sources.id")
    replaced_by_id: int | None = Field(default=None, foreign_key="sources.id")


class Passage(Stored, SQLModel, table=True):
    """A retrievable slice of a source's text (or of a transcript), indexed by FTS5."""

    __tablename__ = "passages"
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id")
    exhibit_id: int | None = Field(default=None, foreign_key="exhibits.id")
    seq: int
    text: str
    language: str = ""
    origin: PassageOrigin = Field(default=PassageOrigin.SOURCE, sa_type=StoredEnum(PassageOrigin))
    start_s: float | None = None
    end_s: float | None = None
    revision_id: int | None = None
    sha256: str = Field(default="", index=True)  # identity: source version + text (studio.passages.passage_sha256)


class PassageText(SQLModel, table=True):
    """Every passage text ever indexed, by hash (append-only), so a changed citation can show what it cited."""

    __tablename__ = "passage_texts"
    sha256: str = Field(primary_key=True)
    passage_id: int
    source_id: int = Field(foreign_key="sources.id", index=True)
    seq: int
    origin: str = "source"
    text: str
    version: str = ""
    created_at: str = Field(default_factory=utcnow)


class SourceText(Stored, SQLModel, table=True):
    """One version of a source's text (migration 0070): version 1 is what the file
    gave on import, each later one a person's correction. Never changed or deleted."""

    __tablename__ = "source_texts"
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id")
    number: int
    text: str
    sha256: str
    edited_by: str = ""
    note: str = ""
    created_at: str = Field(default_factory=utcnow)


class GroundConfirmation(Stored, SQLModel, table=True):
    """A person's decision that a revision is still true although what it cites changed."""

    __tablename__ = "ground_confirmations"
    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revisions.id", index=True)
    revision_sha256: str
    grounds: dict[str, Any] = json_column("grounds_json", sort_keys=True, ensure_ascii=False)
    note: str = ""
    confirmed_by: str
    confirmed_role: str
    created_at: str = Field(default_factory=utcnow)


class GlossaryTerm(Stored, SQLModel, table=True):
    __tablename__ = "glossary_terms"
    id: int | None = Field(default=None, primary_key=True)
    term: str
    preferred: str
    variants: list[str] = json_column("variants_json", "[]", ensure_ascii=False)  # forms to avoid
    language: str = ""
    note: str = ""
    created_at: str = Field(default_factory=utcnow)


class Draft(Stored, SQLModel, table=True):
    """A piece of visitor content in the making; its text lives in Revisions."""

    __tablename__ = "drafts"
    id: int | None = Field(default=None, primary_key=True)
    exhibit_id: int | None = Field(default=None, foreign_key="exhibits.id")
    kind: str  # a DraftKind, or another kind a tool adds
    language: str = ""
    source_id: int | None = Field(default=None, foreign_key="sources.id")
    title: str = ""
    created_at: str = Field(default_factory=utcnow)
    created_by: str = ""


class Revision(Stored, SQLModel, table=True):
    """One immutable version of a draft's content, with who or what made it.

    The database refuses UPDATE and DELETE on this table (migration 0002).
    """

    __tablename__ = "revisions"
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="drafts.id")
    number: int
    # Canonical JSON (sorted keys, no spaces, UTF-8): sha256 is the hash of this text.
    content: dict[str, Any] = json_column("content_json", required=True, **CANONICAL)
    sha256: str
    author_kind: AuthorKind = Field(sa_type=StoredEnum(AuthorKind))
    created_by: str  # the person who wrote it, or who asked the model for it
    engine: str = ""
    model: str = ""
    model_sha256: str = ""
    params: dict[str, Any] = json_column("params_json", sort_keys=True, ensure_ascii=False, default=str)
    template_id: str = ""
    template_version: str = ""
    # {"1": passage_id, ...} as numbered in the prompt
    citations: dict[str, int] = json_column("citations_json", sort_keys=True)
    checks: list[dict[str, Any]] = json_column("checks_json", "[]", ensure_ascii=False)
    parent_id: int | None = None
    note: str = ""
    created_at: str = Field(default_factory=utcnow)
    # {"passages": {"1": sha256, ...}, "transcript": {"draft_id", "revision_id", "sha256"}}
    # as they were when the revision was made (studio.staleness reads it; its text is
    # hashed into the revision's audit entry, studio.evidence.grounds_sha256).
    grounds: dict[str, Any] = json_column("grounds_json", sort_keys=True, ensure_ascii=False)


class Review(Stored, SQLModel, table=True):
    """A person's decision on one revision, bound to that revision's hash."""

    __tablename__ = "reviews"
    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revisions.id")
    revision_sha256: str
    decision: Decision = Field(sa_type=StoredEnum(Decision))
    reason: str = ""
    reviewer: str
    reviewer_role: str
    created_at: str = Field(default_factory=utcnow)
    # [{"kind", "field", "message", "note"}]: each open check flag the editor approved over
    # (bound, as the text stored, in the decision's audit entry: studio.evidence.review_binding)
    acks: list[dict[str, str]] = json_column("acks_json", "[]", sort_keys=True, ensure_ascii=False)


class AuditEntry(Stored, SQLModel, table=True):
    """Append-only, hash-chained record of every decision and export."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(default_factory=utcnow)
    actor: str
    action: str
    object_type: str = ""
    object_id: str = ""
    # Its text is chained as stored (studio.audit); the team server writes some entries itself.
    detail: dict[str, Any] = json_column("detail_json", sort_keys=True, ensure_ascii=False)
    prev_hash: str = ""
    hash: str = ""


class Setting(SQLModel, table=True):
    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: Any = json_column("value_json", "null", ensure_ascii=False)


class Job(Stored, SQLModel, table=True):
    """Long work (import, transcription, drafting, export) as a visible record."""

    __tablename__ = "jobs"
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=StoredEnum(JobStatus))
    progress: float = 0.0
    message: str = ""
    params: dict[str, Any] = json_column("params_json", sort_keys=True, ensure_ascii=False)
    result: Any = json_column("result_json", ensure_ascii=False, default=jsonable)
    error: str = ""
    created_by: str = ""
    created_at: str = Field(default_factory=utcnow)
    started_at: str | None = None
    finished_at: str | None = None
    pid: int | None = None
    # Set by whoever asks the job to stop; the process running it polls this
    # (a job started in the terminal can be cancelled from the window, and back).
    cancel_requested_at: str | None = None
    cancel_requested_by: str = ""
    # The machine running it (migration 0120): its pid means nothing on another
    # workstation, which judges the job by its heartbeat instead (seconds since
    # 1970 on the database's clock, studio.workstation.database_clock).
    workstation: str = ""
    heartbeat_s: float | None = None


class DraftRequestRecord(Stored, SQLModel, table=True):
    """One request to a model (migration 0004); its cache_key answers identical requests."""

    __tablename__ = "draft_requests"
    id: int | None = Field(default=None, primary_key=True)
    cache_key: str = Field(index=True)
    exhibit_id: int | None = Field(default=None, foreign_key="exhibits.id")
    draft_id: int | None = Field(default=None, foreign_key="drafts.id", index=True)
    kind: str
    language: str = ""
    engine: str
    model: str
    model_sha256: str = ""
    template_id: str
    template_version: str
    template_sha256: str
    # The typed forms of these are read in studio.drafting.record (StoredGrounding, stored_limits...).
    messages: list[dict[str, str]] = json_column("messages_json", "[]", ensure_ascii=False)  # [{"role", "content"}]
    grounding: dict[str, Any] = json_column("grounding_json", pydantic=True)  # a StoredGrounding, as pydantic writes it
    limits: dict[str, dict[str, Any]] = json_column("limits_json")  # {field: FieldLimit}
    settings: dict[str, Any] = json_column("settings_json")  # EngineSettings
    prompt_tokens: int = 0
    job_id: int | None = Field(default=None, foreign_key="jobs.id")
    created_by: str = ""
    created_at: str = Field(default_factory=utcnow)


class DraftCandidateRecord(Stored, SQLModel, table=True):
    """A candidate the model offered; status says whether the curator picked it."""

    __tablename__ = "draft_candidates"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="draft_requests.id")
    idx: int
    params: dict[str, Any] = json_column("params_json")  # the sampling (GenerationParams)
    text: str = ""
    content: dict[str, Any] = json_column("content_json", ensure_ascii=False)
    citations: list[dict[str, Any]] = json_column("citations_json", "[]", ensure_ascii=False)
    checks: list[dict[str, Any]] = json_column("checks_json", "[]", ensure_ascii=False)
    finish_reason: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0
    status: CandidateStatus = Field(default=CandidateStatus.OFFERED, sa_type=StoredEnum(CandidateStatus))
    revision_id: int | None = Field(default=None, foreign_key="revisions.id")


class PassageWarning(Stored, SQLModel, table=True):
    """A passage that addresses a language model (migration 0060); kept out of
    fact extraction until a curator clears it."""

    __tablename__ = "passage_warnings"
    id: int | None = Field(default=None, primary_key=True)
    passage_sha256: str
    source_id: int = Field(foreign_key="sources.id", index=True)
    kind: str
    excerpt: str = ""
    found_at: str = Field(default_factory=utcnow)
    cleared_by: str = ""
    cleared_at: str | None = None
    cleared_note: str = ""
