"""What goes into a package, read through the review gate's one door.

Every piece of generated text (card text, summaries, captions and alt text,
translations, transcripts) comes from `review.approved_for_export`, whose
hash we check again here. Everything else the gate did not let through is
listed with its reason so the producer sees what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlmodel import Session

from studio import provenance, review, revision_store
from studio.errors import IntegrityError
from studio.exhibits import RECORD_FIELDS, RECORD_KIND
from studio.export import names, richtext
from studio.models import Draft, DraftKind, Exhibit, Review, Revision, Source, SourceKind
from studio.passages import live_passage
from studio.reasons import why
from studio.sources import is_public

CARD_KINDS = ("card", "audio_card", "translation")  # in order of preference for a card's text
EXPORTED_KINDS = ("card", "audio_card", "translation", "summary", "caption", "alt_text", "transcript")


@dataclass(frozen=True)
class UsedRevision:
    """One approved revision in a package: what it is and who approved it."""

    draft_id: int
    revision_id: int
    kind: str
    language: str
    sha256: str
    author_kind: str
    created_by: str
    engine: str
    model: str
    template_id: str
    template_version: str
    reviewer: str
    approved_at: str
    review_id: int
    # The passage hashes (and transcript revision) this text relies on, so
    # `verify` can tell later whether any of them has changed.
    grounds: dict[str, Any] = field(default_factory=dict)
    # What machines and people did to it across its revisions (studio.provenance.lineage):
    # a person's edit of a model's text is still AI-drafted, and says who edited it.
    lineage: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class LanguageText:
    language: str
    title: str = ""
    body_markdown: str = ""
    key_facts: list[str] = field(default_factory=list)
    image_caption: str = ""
    credit: str = ""
    alt_text: str = ""
    summary: dict[str, str] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)  # approved segments
    audio_source_id: int | None = None
    transcribed_by: str = ""  # the speech engine named in the transcript's content; kept through a person's edits
    machine_translated: bool = False
    revisions: list[UsedRevision] = field(default_factory=list)

    @cached_property
    def body_html(self) -> str:
        return richtext.to_html(self.body_markdown)

    @cached_property
    def body_text(self) -> str:
        return richtext.to_plain(self.body_markdown)


@dataclass
class PackageItem:
    """One exhibit as visitors meet it, in each language that has approved card text."""

    slug: str
    exhibit: Exhibit
    texts: dict[str, LanguageText]
    image: Source | None
    focal: tuple[float, float]
    cited: list[dict[str, Any]]
    record: UsedRevision | None = None  # the approved revision of the exhibit's record, if any
    record_content: dict[str, Any] = field(default_factory=dict)

    @property
    def revisions(self) -> list[UsedRevision]:
        out = [r for t in self.texts.values() for r in t.revisions]
        return out + ([self.record] if self.record is not None else [])

    @property
    def public(self) -> Exhibit:
        """The exhibit as a package may show it: the approved record's fields, nothing else
        (the catalogue identifier and language are keys, not prose). Never stored."""
        fields = {k: str(self.record_content.get(k) or "") for k in RECORD_FIELDS}
        return Exhibit(id=self.exhibit.id, identifier=self.exhibit.identifier, language=self.exhibit.language, **fields)


@dataclass(frozen=True)
class Omission:
    draft_id: int
    kind: str
    language: str
    exhibit: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def requested_language(language: str | None, languages: list[str]) -> str | None:
    """The requested code a draft's language counts as ('zh-Hans' is 'zh' when 'zh' was asked for)."""
    if not language:
        return None
    if language in languages:
        return language
    base = language.split("-")[0].lower()
    return next((req for req in languages if req.split("-")[0].lower() == base), None)


def slug_for(exhibit: Exhibit) -> str:
    # Unique per exact identifier (C.1, C-1 and c/1 once shared one file): see studio.export.names.
    return names.item_slug(exhibit.identifier, exhibit.stored_id)


def _used(item: review.ApprovedItem, s: Session | None = None) -> UsedRevision:
    rev: Revision = item.revision
    rv: Review = item.review
    if not revision_store.content_intact(rev) or rv.revision_sha256 != rev.sha256:
        # The gate already checks this; a package must never rely on one check.
        raise IntegrityError(f"draft {item.draft.id}: revision {rev.id} no longer matches its approved hash")
    return UsedRevision(
        draft_id=item.draft.stored_id,
        revision_id=rev.stored_id,
        kind=item.draft.kind,
        language=item.draft.language or "",
        sha256=rev.sha256,
        author_kind=rev.author_kind,
        created_by=rev.created_by,
        engine=rev.engine,
        model=rev.model,
        template_id=rev.template_id,
        template_version=rev.template_version,
        reviewer=rv.reviewer,
        approved_at=rv.created_at,
        review_id=rv.stored_id,
        grounds=item.grounds,
        lineage=provenance.lineage(s, rev).as_dict() if s is not None else {},
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _facts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [richtext.to_line(str(v)) for v in value if str(v).strip()]
    if isinstance(value, str):
        return [richtext.to_line(v) for v in value.splitlines() if v.strip()]
    return []


def _cited(s: Session, revisions: list[tuple[Revision, UsedRevision]]) -> list[dict[str, Any]]:
    """The passages the texts cite, by hash (never by a row id that may hold other
    text now), and only from public sources: an internal or restricted source
    may ground a text but is never quoted or named in a package."""
    seen: dict[int, dict[str, Any]] = {}
    for _rev, used_rev in revisions:
        for sha in (used_rev.grounds.get("passages") or {}).values():
            passage = live_passage(s, str(sha))
            if passage is None or passage.stored_id in seen:
                continue
            source = s.get(Source, passage.source_id)
            if not is_public(source):
                continue
            seen[passage.stored_id] = {
                "passage_id": passage.id,
                "passage_sha256": passage.sha256,
                "source_id": passage.source_id,
                "source": source.filename if source else "",
                "title": source.title if source else "",
                "excerpt": " ".join(passage.text.split())[:300],
                "start_s": passage.start_s,
                "end_s": passage.end_s,
            }
    return [seen[k] for k in sorted(seen)]


def collect(
    s: Session, languages: list[str], exhibit_ids: list[int] | None = None
) -> tuple[list[PackageItem], list[Omission]]:
    """Approved content grouped by exhibit, plus everything left out and why."""
    omissions = [
        Omission(lo.draft.stored_id, lo.draft.kind, lo.draft.language or "", _exhibit_name(s, lo.draft), lo.reason)
        for lo in review.left_out(s, exhibit_ids, EXPORTED_KINDS)
    ]
    approved = list(review.approved_for_export(s, exhibit_ids, EXPORTED_KINDS))
    by_exhibit: dict[int, list[review.ApprovedItem]] = {}
    for item in approved:
        if requested_language(item.draft.language, languages) is None:
            omissions.append(
                Omission(
                    item.draft.stored_id,
                    item.draft.kind,
                    item.draft.language,
                    _exhibit_name(s, item.draft),
                    why("language_not_requested", language=item.draft.language)
                    if item.draft.language
                    else why("no_language"),
                )
            )
            continue
        if item.draft.exhibit_id is None:
            omissions.append(
                Omission(item.draft.stored_id, item.draft.kind, item.draft.language or "", "", why("no_exhibit"))
            )
            continue
        by_exhibit.setdefault(item.draft.exhibit_id, []).append(item)

    items: list[PackageItem] = []
    records = {int(a.draft.exhibit_id or 0): a for a in review.approved_for_export(s, exhibit_ids, [RECORD_KIND])}
    record_left_out = {int(lo.draft.exhibit_id or 0): lo for lo in review.left_out(s, exhibit_ids, [RECORD_KIND])}
    for exhibit_id in sorted(by_exhibit):
        exhibit = s.get(Exhibit, exhibit_id)
        if exhibit is None:
            continue
        built, unattached = _build_item(s, exhibit, by_exhibit[exhibit_id], languages)
        if built is not None:
            if exhibit_id in records:
                built.record = _used(records[exhibit_id], s)
                built.record_content = records[exhibit_id].content
            else:
                lo = record_left_out.get(exhibit_id)
                omissions.append(
                    Omission(
                        lo.draft.stored_id if lo else 0,
                        RECORD_KIND,
                        "",
                        exhibit.title,
                        why("record_not_approved", reason=lo.reason if lo else "not submitted for review"),
                    )
                )
        for a, reason in unattached:
            omissions.append(Omission(a.draft.stored_id, a.draft.kind, a.draft.language or "", exhibit.title, reason))
        if built is None:
            reported = {id(a) for a, _ in unattached}
            for a in (a for a in by_exhibit[exhibit_id] if id(a) not in reported):
                omissions.append(
                    Omission(
                        a.draft.stored_id,
                        a.draft.kind,
                        a.draft.language or "",
                        exhibit.title,
                        "the exhibit has no approved card text in the requested languages",
                    )
                )
            continue
        items.append(built)
    return items, omissions


def _exhibit_name(s: Session, draft: Draft) -> str:
    if draft.exhibit_id is None:
        return ""
    exhibit = s.get(Exhibit, draft.exhibit_id)
    return exhibit.title if exhibit else ""


def _build_item(
    s: Session, exhibit: Exhibit, approved: list[review.ApprovedItem], languages: list[str]
) -> tuple[PackageItem | None, list[tuple[review.ApprovedItem, str]]]:
    """The exhibit's item (None without any card text) and approved pieces that fit no text."""
    texts: dict[str, LanguageText] = {}
    used_pairs: list[tuple[Revision, UsedRevision]] = []
    ordered = sorted(
        approved,
        key=lambda a: (CARD_KINDS.index(a.draft.kind) if a.draft.kind in CARD_KINDS else 9, -a.draft.stored_id),
    )
    image: Source | None = None
    focal = (0.5, 0.5)
    unattached: list[tuple[review.ApprovedItem, str]] = []
    for a in ordered:
        lang = requested_language(a.draft.language, languages) or ""
        content = a.revision.content
        if a.draft.kind in CARD_KINDS:
            if not _text(content.get("title")):
                unattached.append((a, why("card_no_title")))
                continue
            if lang in texts:
                used_by = texts[lang].revisions[0]
                unattached.append(
                    (a, why("language_taken", language=lang, kind=used_by.kind, draft_id=used_by.draft_id))
                )
                continue
            used = _used(a, s)
            t = LanguageText(
                language=lang,
                title=richtext.to_line(_text(content.get("title"))),
                body_markdown=_text(content.get("body")),
                key_facts=_facts(content.get("key_facts")),
                image_caption=richtext.to_line(_text(content.get("image_caption") or content.get("caption"))),
                credit=richtext.to_line(_text(content.get("credit"))),
                machine_translated=bool(content.get("machine_translated")),
                revisions=[used],
            )
            texts[lang] = t
            used_pairs.append((a.revision, used))
    if not texts:
        return None, unattached
    for a in ordered:
        lang = requested_language(a.draft.language, languages) or ""
        content = a.revision.content
        kind = a.draft.kind
        if kind in CARD_KINDS:
            continue
        # Same language only: an English transcript must never be labelled as Chinese captions.
        targets = [texts[lang]] if lang in texts else []
        if not targets:
            unattached.append((a, why("no_card_text", language=a.draft.language)))
            continue
        used = _used(a, s)
        for t in targets:
            if kind == DraftKind.SUMMARY and not t.summary:
                t.summary = {
                    k: richtext.to_plain(_text(v))
                    for k, v in content.items()
                    if isinstance(v, str) and k in ("short", "long")
                }
            elif kind in (DraftKind.CAPTION, DraftKind.ALT_TEXT):
                if content.get("alt_text") and not t.alt_text:
                    t.alt_text = richtext.to_line(_text(content["alt_text"]))
                if content.get("caption") and not t.image_caption:
                    t.image_caption = richtext.to_line(_text(content["caption"]))
                if a.draft.source_id and image is None:
                    image = s.get(Source, a.draft.source_id)
            elif kind == DraftKind.TRANSCRIPT and not t.transcript and a.draft.source_id:
                segments = content.get("segments")
                if isinstance(segments, list) and segments:
                    t.transcript = [_segment(seg) for seg in segments if isinstance(seg, dict)]
                    t.audio_source_id = a.draft.source_id
                    engine = content.get("engine")
                    if isinstance(engine, dict):
                        t.transcribed_by = str(engine.get("model") or engine.get("name") or "")
            else:
                continue
            t.revisions.append(used)
        used_pairs.append((a.revision, used))
    if image is None:
        image = _first_image(s, exhibit)
    if image is not None:
        meta = image.meta
        fp = meta.get("focal") if isinstance(meta, dict) else None
        if isinstance(fp, list) and len(fp) == 2:
            focal = (float(fp[0]), float(fp[1]))
    return PackageItem(slug_for(exhibit), exhibit, texts, image, focal, _cited(s, used_pairs)), unattached


def _segment(seg: dict[str, Any]) -> dict[str, Any]:
    return {
        "start": float(seg.get("start", 0.0)),
        "end": float(seg.get("end", 0.0)),
        "speaker": seg.get("speaker") or None,
        "text": richtext.to_line(str(seg.get("text", ""))),
    }


def _first_image(s: Session, exhibit: Exhibit) -> Source | None:
    from studio.sources import list_sources

    images = list_sources(s, exhibit.id, SourceKind.IMAGE)
    return images[0] if images else None
