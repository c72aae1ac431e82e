"""The exhibit's fact sheet: facts extracted from its sources, decided by a person, and text composed from them.

Facts are drafts of kind `fact` whose revisions are the fact (content: kind,
claim, value, slot, spans, visitors) with the usual provenance. That keeps one
review gate for everything: a fact is accepted, rejected or edited through
`studio.review` (a curator or an editor may decide on facts; the four-eyes
rule, hashes, audit and staleness apply unchanged), and a fact revision cites
the passages of its spans, so `studio.staleness` makes it stale when a source
is replaced, retired or edited. Facts never leave in a package themselves
(export takes visitor kinds only) and do not crowd the editors' review queue.

Composition (`compose_draft`) writes visitor text from approved facts only:
each sentence names its facts by construction, and the draft records the
facts (by revision hash) and their passages as its grounds, so an edited,
rejected or stale fact makes the composed text stale too.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from generators.checks import check_content
from generators.facts import compose as composing
from generators.facts import proposals, rules
from generators.facts.internal_notes import find_internal, masked, nothing_for_visitors
from generators.facts.merge import conflicts, merge
from generators.facts.support import added_content
from generators.facts.types import Fact, PassageRef, Span
from generators.glossary import GlossaryEntry, GlossaryRule
from generators.llm.base import LanguageModel, LanguageModelError, ModelIdentity
from studio import exhibits, glossary, review, revision_store, screening, staleness, users
from studio.drafting.engines import engine_settings, load_model
from studio.errors import NotFound, StudioError
from studio.jobs import Cancelled, JobContext, run_job
from studio.messages import say
from studio.models import (
    AuthorKind,
    Decision,
    Draft,
    DraftKind,
    Exhibit,
    Passage,
    PassageOrigin,
    Revision,
    Source,
    User,
)
from studio.passages import passage_text_of, passages_of_exhibit

if TYPE_CHECKING:
    from studio.project import Project

RULES_VERSION = "facts-rules-1"
COMPOSABLE = composing.COMPOSABLE


# ------------------------------------------------------------------ reading
@dataclass
class FactRow:
    """One line of the fact sheet."""

    draft_id: int
    revision_id: int
    number: int
    sha256: str
    status: str  # pending | approved | rejected | changes_requested
    content: dict[str, Any]
    created_by: str
    author_kind: str
    stale: list[str] = field(default_factory=list)
    # Each changed passage under a stale fact: {"ref", "why", "old_text", "new_text"}, for the sheet's diff.
    changes: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)  # checks on this revision (an edit off its passage)
    conflicts_with: list[int] = field(default_factory=list)  # other facts with the same slot and another value
    sources: list[str] = field(default_factory=list)

    @property
    def claim(self) -> str:
        return str(self.content.get("claim", ""))

    @property
    def visitors(self) -> bool:
        return self.content.get("visitors") is not False

    @property
    def usable(self) -> bool:
        """May text for visitors be composed from it? Not while it conflicts with
        another fact: the curator settles that first (by rejecting one)."""
        return self.status == Decision.APPROVED and self.visitors and not self.stale and not self.conflicts_with


def fact_sheet(s: Session, exhibit_id: int) -> list[FactRow]:
    """Every fact of the exhibit with its decision, staleness and conflicts, in the order found."""
    rows: list[FactRow] = []
    names: dict[int, str] = {}
    for draft, revision, state in review.list_drafts(s, exhibit_id, kinds=[DraftKind.FACT]):
        if revision is None:
            continue
        decision = review.latest_review(s, revision.stored_id)
        if state == Decision.APPROVED and (decision is None or decision.revision_sha256 != revision.sha256):
            state = "pending"
        content = revision.content
        changes = staleness.stale(s, revision)
        sources = []
        for span in content.get("spans", []):
            sid = span.get("source_id")
            if sid is not None and sid not in names:
                src = s.get(Source, int(sid))
                names[int(sid)] = src.filename if src else f"source {sid}"
            if sid is not None and names[int(sid)] not in sources:
                sources.append(names[int(sid)])
        rows.append(
            FactRow(
                draft_id=draft.stored_id,
                revision_id=revision.stored_id,
                number=revision.number,
                sha256=revision.sha256,
                status=state,
                content=content,
                created_by=revision.created_by,
                author_kind=revision.author_kind,
                stale=[c.describe() for c in changes],
                changes=[
                    {"ref": c.ref, "why": c.why, "old_text": c.old_text, "new_text": c.new_text}
                    for c in changes
                    if c.why != "fact"
                ],
                flags=list(revision.checks),
                sources=sources,
            )
        )
    live = [r for r in rows if r.status != Decision.REJECTED]
    for row in live:
        row.conflicts_with = [
            o.draft_id
            for o in live
            if o is not row
            and o.content.get("slot") == row.content.get("slot")
            and o.content.get("value") != row.content.get("value")
        ]
    return rows


def get_fact(s: Session, fact_id: int) -> tuple[Draft, Revision]:
    draft = s.get(Draft, fact_id)
    if draft is None or draft.kind != DraftKind.FACT:
        raise NotFound(f"no fact {fact_id}")
    revision = revision_store.latest_revision(s, fact_id)
    if revision is None:
        raise NotFound(f"fact {fact_id} has no revision")
    return draft, revision


# --------------------------------------------------------------- extraction
@dataclass
class ExtractionReport:
    exhibit_id: int
    passages: int = 0
    created: list[int] = field(default_factory=list)  # new fact ids
    updated: list[int] = field(default_factory=list)  # facts found in more passages than before
    unchanged: int = 0
    from_rules: int = 0
    from_model: int = 0
    dropped: list[dict[str, Any]] = field(
        default_factory=list
    )  # model proposals not literally in their passage, or of a kind that does not fit
    held_back: list[dict[str, Any]] = field(default_factory=list)  # passages that address a model
    # Placeholders and internal notes (generators.facts.internal_notes): whole passages left out,
    # and sentences of real labels read without ({"passage", "kind": passage|sentence, "words"}).
    left_out: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    model: str = ""
    seconds: float = 0.0


def _glossary_terms(s: Session) -> list[GlossaryEntry]:
    return [
        GlossaryEntry(t.term, t.preferred, tuple(t.variants), note=t.note, language=t.language)
        for t in glossary.list_terms(s)
    ]


def apply_glossary(text: str, terms: list[GlossaryEntry]) -> str:
    """The glossary's spelling for every variant it names (whole words in Latin script)."""
    for term in terms:
        for variant in sorted(term.variants, key=len, reverse=True):
            if not variant or variant == term.written:
                continue
            if variant.isascii():
                text = re.sub(rf"(?<![A-Za-z]){re.escape(variant)}(?![A-Za-z])", term.written, text)
            else:
                text = text.replace(variant, term.written)
    return text


def _refs(s: Session, exhibit: Exhibit) -> tuple[list[PassageRef], list[dict[str, Any]], list[dict[str, Any]]]:
    """The exhibit's passages as extraction sees them, those held back for addressing a model, and the
    placeholders and internal notes left out: a passage that is nothing else stays out, a real label is
    read with its internal sentences blanked (in place, so spans keep their offsets into the stored text).
    This reads the text itself rather than the import's record, so passages imported before the finder
    existed are treated alike."""
    passages = [
        p
        for p in passages_of_exhibit(s, exhibit.stored_id)
        if p.origin in (PassageOrigin.SOURCE, PassageOrigin.TRANSCRIPT)
    ]
    held = screening.held_back(s, {p.source_id for p in passages})
    refs: list[PassageRef] = []
    kept_out: list[dict[str, Any]] = []
    left_out: list[dict[str, Any]] = []
    names: dict[int, str] = {}
    for p in passages:
        if p.source_id not in names:
            src = s.get(Source, p.source_id)
            names[p.source_id] = src.filename if src else f"source {p.source_id}"
        if p.source_id in held:
            if not any(k["source_id"] == p.source_id for k in kept_out):
                open_warnings = screening.warnings_of(s, source_ids=[p.source_id], open_only=True)
                kept_out.append(
                    {
                        "source_id": p.source_id,
                        "source": names[p.source_id],
                        "warning": open_warnings[0].id if open_warnings else None,
                        "excerpt": open_warnings[0].excerpt if open_warnings else "",
                        "passages": 0,
                    }
                )
            next(k for k in kept_out if k["source_id"] == p.source_id)["passages"] += 1
            continue
        label = f"{names[p.source_id]}, passage {p.seq + 1}"
        internal = find_internal(p.text)
        if internal.whole:
            left_out.append({"passage": label, "kind": "passage", "words": internal.excerpt})
            continue
        left_out += [{"passage": label, "kind": "sentence", "words": n.sentence} for n in internal.notes]
        refs.append(
            PassageRef(
                text=masked(p.text, internal) if internal.notes else p.text,
                passage_id=p.id,
                source_id=p.source_id,
                seq=p.seq,
                language=p.language,
                label=label,
                identity=p.sha256,
            )
        )
    return refs, kept_out, left_out


def extract(
    project: Any,
    exhibit_ref: int | str,
    user: User,
    *,
    use_model: bool = True,
    model: LanguageModel | None = None,
    max_passages: int | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    cancel_event: threading.Event | None = None,
) -> ExtractionReport:
    """Find the exhibit's facts (rules, then the model unless `use_model` is off) and
    put new ones on its fact sheet, pending. Facts already there are left as they
    are unless they were found in new passages; a rejected fact is not offered again."""
    users.require(user, "draft")
    with project.read() as s:
        exhibit = exhibits.get_exhibit(s, exhibit_ref)
        s.expunge(exhibit)
        refs, kept_out, left_out = _refs(s, exhibit)
        terms = _glossary_terms(s)
        cfg = engine_settings(s) if use_model and model is None else None
    label = f"{exhibit.title} ({exhibit.identifier})" if exhibit.identifier else exhibit.title

    def work(ctx: JobContext) -> dict[str, Any]:
        started = time.perf_counter()
        report = ExtractionReport(
            exhibit_id=exhibit.stored_id, passages=len(refs), held_back=kept_out, left_out=left_out
        )
        found: list[Fact] = []
        for ref in refs:
            found += rules.extract(ref, terms)
        report.from_rules = len(found)
        identity: ModelIdentity | None = None
        if use_model:
            lm = model if model is not None else _load(cfg)
            identity = lm.identity
            report.model = f"{identity.engine} {identity.model}"
            asked = refs[:max_passages] if max_passages else refs
            for i, ref in enumerate(asked):
                if ctx.cancelled:
                    raise Cancelled("cancelled by the user; no facts were added")
                ctx.progress(i / max(1, len(asked)), say("reading_passage", label=ref.label))
                try:
                    result = proposals.propose(lm, ref, exhibit=label, cancelled=lambda: ctx.cancelled)
                except LanguageModelError as exc:
                    raise StudioError(str(exc)) from None
                report.from_model += len(result.facts)
                report.dropped += [{**d, "passage": ref.label} for d in result.dropped]
                found += [_spelled(f, terms) for f in result.facts]
        if ctx.cancelled:
            raise Cancelled("cancelled by the user; no facts were added")
        merged = merge(found)
        report.conflicts = [c.describe() for c in conflicts(merged)]
        with project.session() as s:
            _store(s, exhibit, merged, user, identity, report)
        report.seconds = time.perf_counter() - started
        ctx.progress(1.0, say("facts_found", new=len(report.created), updated=len(report.updated)))
        return asdict(report)

    result = run_job(
        project,
        "facts.extract",
        {"exhibit": exhibit.id, "model": use_model},
        work,
        created_by=user.name,
        cancel_event=cancel_event,
        on_progress=on_progress,
    )
    return ExtractionReport(**result)


def _spelled(fact: Fact, terms: list[GlossaryEntry]) -> Fact:
    claim = apply_glossary(fact.claim, terms)
    if claim == fact.claim:
        return fact
    value = re.sub(r"\s+", " ", claim).strip().lower()
    return Fact(**{**fact.__dict__, "claim": claim, "value": value, "slot": f"{fact.kind}:{value}"})


def _load(cfg: Any) -> LanguageModel:
    return load_model(cfg)  # the engine drafting uses, with its errors said as StudioError


def _span_key(span: dict[str, Any]) -> tuple[str, int, int]:
    return (str(span.get("passage_sha256")), int(span.get("start", 0)), int(span.get("end", 0)))


def _provenance(fact: Fact, identity: ModelIdentity | None, note: str) -> revision_store.Provenance:
    citations = {str(i + 1): int(sp.passage_id) for i, sp in enumerate(fact.spans) if sp.passage_id is not None}
    if fact.origin == "model" and identity is not None:
        return revision_store.Provenance(
            author_kind=AuthorKind.MODEL,
            engine=identity.engine,
            model=identity.model,
            model_sha256=identity.digest,
            params={"schema": proposals.extraction_schema(), "temperature": 0.0},
            template_id="facts-extract",
            template_version=proposals.PROMPT_VERSION,
            citations=citations,
            note=note,
        )
    # Rules are machine work too: recorded as such, never as a person's.
    return revision_store.Provenance(
        author_kind=AuthorKind.MODEL,
        engine="rules",
        model="generators.facts.rules",
        template_id="facts-rules",
        template_version=RULES_VERSION,
        citations=citations,
        note=note,
    )


def _store(
    s: Session,
    exhibit: Exhibit,
    facts: list[Fact],
    user: User,
    identity: ModelIdentity | None,
    report: ExtractionReport,
) -> None:
    known: dict[tuple[str, str], int] = {}
    for draft, _revision, _state in review.list_drafts(s, exhibit.id, kinds=[DraftKind.FACT]):
        for revision in revision_store.revisions(s, draft.stored_id):
            c = revision.content
            known.setdefault((str(c.get("slot")), str(c.get("value"))), draft.stored_id)
    for fact in facts:
        content = fact.as_content()
        fact_id = known.get((fact.slot, fact.value))
        if fact_id is None:
            revision = revision_store.create_draft(
                s,
                exhibit_id=exhibit.id,
                kind=DraftKind.FACT,
                content=content,
                created_by=user.name,
                provenance=_provenance(
                    fact, identity, f"found by {'the model' if fact.origin == 'model' else 'rules'}"
                ),
                language=fact.language,
                title=fact.claim[:200],
            )
            report.created.append(revision.draft_id)
            known[(fact.slot, fact.value)] = revision.draft_id
            continue
        latest = revision_store.latest_revision(s, fact_id)
        if latest is None or review.draft_status(s, fact_id) == Decision.REJECTED:
            report.unchanged += 1
            continue
        old = list(latest.content.get("spans", []))
        seen = {_span_key(sp) for sp in old}
        extra = [sp for sp in content["spans"] if _span_key(sp) not in seen]
        if not extra:
            report.unchanged += 1
            continue
        merged_fact = Fact(
            **{
                **fact.__dict__,
                "spans": tuple(Span.from_dict(sp) for sp in [*old, *extra]),
            }
        )
        revision_store.add_revision(
            s,
            fact_id,
            {**latest.content, "spans": [*old, *extra]},
            created_by=user.name,
            provenance=_provenance(merged_fact, identity, f"also found in {len(extra)} more passage(s)"),
        )
        report.updated.append(fact_id)


# ---------------------------------------------------------------- decisions
def accept(s: Session, fact_id: int, user: User, expected_sha256: str | None = None) -> None:
    _draft, revision = get_fact(s, fact_id)
    review.approve(s, revision.stored_id, user, expected_sha256)


def reject(s: Session, fact_id: int, user: User, reason: str) -> None:
    _draft, revision = get_fact(s, fact_id)
    review.reject(s, revision.stored_id, user, reason)


def edit(
    s: Session,
    fact_id: int,
    user: User,
    *,
    claim: str | None = None,
    value: str | None = None,
    visitors: bool | None = None,
    based_on: int | None = None,
) -> Revision:
    """A person's correction: a new pending revision by that person (glossary spellings
    applied to the claim), still tied to the passages of its spans, so the fact goes
    stale when they change. An edit that says what those passages do not is flagged
    (`leaves_passage`): the curator's words are kept, and the reviewer sees which.
    `based_on`: the revision the person saw; if someone saved another since, EditConflict."""
    person = users.require_stored(s, user, "edit")
    _draft, revision = get_fact(s, fact_id)
    content = dict(revision.content)
    if claim is not None:
        if not claim.strip():
            raise StudioError("a fact needs a claim; reject it instead of emptying it")
        content["claim"] = apply_glossary(claim.strip(), _glossary_terms(s))
    if value is not None:
        if not value.strip():
            raise StudioError("a fact needs a value; reject it instead of emptying it")
        content["value"] = value.strip()
    if visitors is not None:
        content["visitors"] = visitors
    if content == revision.content:
        raise StudioError(f"fact {fact_id} already says that")
    grounds = staleness.effective_grounds(s, revision)
    reworded = content.get("claim") != revision.content.get("claim") or content.get("value") != revision.content.get(
        "value"
    )
    flags = _off_passage(s, content, grounds) if reworded else []
    what = "not for visitors" if visitors is False else ("for visitors" if visitors else "corrected")
    return revision_store.add_revision(
        s,
        fact_id,
        content,
        created_by=person.name,
        provenance=revision_store.Provenance(
            author_kind=AuthorKind.PERSON,
            citations=dict(revision.citations),
            checks=flags,
            # Unlike a card edit (whose citations are the [n] markers in its text), a fact's
            # passages are its spans: the edit relies on what the fact relied on.
            grounds=grounds,
            note=f"edited by {person.name}: {what}",
        ),
        based_on=based_on,
    )


def _off_passage(s: Session, content: dict[str, Any], grounds: dict[str, Any]) -> list[dict[str, Any]]:
    """A flag when the fact's claim or value says what none of its passages (as relied on) says."""
    texts = [passage_text(s, str(sp.get("passage_sha256", ""))) for sp in content.get("spans", [])]
    texts += [
        t.text for sha in (grounds.get("passages") or {}).values() if (t := passage_text_of(s, str(sha))) is not None
    ]
    texts = [t for t in texts if t]
    if not texts:
        return []
    terms = _glossary_terms(s)
    allowed = [form for t in terms for form in (t.preferred, *t.variants)]
    added = added_content(f"{content.get('claim', '')} {content.get('value', '')}", texts, allowed)
    if not added:
        return []
    return [
        {
            "kind": "leaves_passage",
            "field": "claim",
            "message": "the edited fact says what its passage does not: " + ", ".join(added[:8]),
            "excerpt": str(content.get("claim", ""))[:60],
        }
    ]


def not_for_visitors(s: Session, fact_id: int, user: User) -> Revision:
    """True but internal (an insurance value, a condition detail): kept, never composed into visitor text."""
    return edit(s, fact_id, user, visitors=False)


# -------------------------------------------------------------- composition
@dataclass
class ComposeOutcome:
    draft_id: int
    revision_id: int
    facts: list[dict[str, Any]]  # the facts offered, numbered as cited
    used: list[int]
    checks: list[dict[str, Any]]
    finish_reason: str
    seconds: float
    job_id: int | None = None
    content: dict[str, Any] = field(default_factory=dict)
    sentences: list[dict[str, Any]] = field(default_factory=list)  # how each was made (composing.SentenceRecord)


def compose_draft(
    project: Any,
    exhibit_ref: int | str,
    kind: str,
    user: User,
    *,
    language: str | None = None,
    seed: int = 42,
    model: LanguageModel | None = None,
    on_token: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    cancel_event: threading.Event | None = None,
) -> ComposeOutcome:
    """Compose `kind` for an exhibit from its approved facts and leave it pending review."""
    users.require(user, "draft")
    if kind not in COMPOSABLE:
        raise StudioError(f"'{kind}' cannot be composed from facts (choose one of: {', '.join(COMPOSABLE)})")
    with project.read() as s:
        exhibit = exhibits.get_exhibit(s, exhibit_ref)
        s.expunge(exhibit)
        language = language or ("zh-Hans" if exhibit.language.startswith("zh") else "en")
        usable = [r for r in fact_sheet(s, exhibit.stored_id) if r.usable]
        internal = _all_internal(s, exhibit)
        rules_for_checks = [
            GlossaryRule(t.preferred, tuple(t.variants))
            for t in glossary.list_terms(s)
            if not t.language or t.language[:2] == language[:2]
        ]
        # The glossary's terms in the text's language, every spelling of each: a sentence
        # may use one where its facts hold one of its spellings, never to add a term.
        terms = [
            (t.preferred, *t.variants)
            for t in glossary.list_terms(s)
            if not t.language or t.language[:2] == language[:2]
        ]
        cfg = engine_settings(s) if model is None else None
        read_from = {r.draft_id: _passage_texts(s, r.content.get("spans", [])) for r in usable}
    template_limits = _limits(kind, language, project.root)
    limits = composing.char_limits(template_limits)
    items = composing.item_limits(template_limits)
    if not usable and internal:
        raise StudioError(f"exhibit '{exhibit.title}' cannot be composed: {nothing_for_visitors(internal)}")
    if not usable:
        raise StudioError(
            f"exhibit '{exhibit.title}' has no approved facts for visitors: extract its facts "
            "(heritage-studio facts extract) and accept some first, or draft directly"
        )
    offered = [
        composing.FactForText(
            n=0,
            fact_id=usable[i].draft_id,
            kind=str(usable[i].content.get("kind")),
            claim=claim,
            quotes=tuple(str(sp.get("quote", "")) for sp in usable[i].content.get("spans", [])),
            # Composition keeps a sentence only if these passages support it by the weak_support measure.
            passages=read_from[usable[i].draft_id],
        )
        for i, claim in composing.in_language([r.content for r in usable], language)
    ]
    # As many facts as the text has room for (a card's body sentences and key facts' lines).
    room = composing.room(kind, limits, language, items)
    chosen = composing.choose(offered, kind, room, language, record_title(exhibit, language))
    if not chosen and internal:
        raise StudioError(
            f"exhibit '{exhibit.title}' cannot be composed: its approved facts are identifiers only and "
            + nothing_for_visitors(internal)
        )
    if not chosen:
        raise StudioError(
            f"none of the approved facts of '{exhibit.title}' fits a {kind} (an object number alone is not a {kind})"
        )
    by_id = {r.draft_id: r for r in usable}
    label = f"{exhibit.title} ({exhibit.identifier})" if exhibit.identifier else exhibit.title

    def work(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(0.0, say("loading_the_model"))
        lm = model if model is not None else _load(cfg)
        try:
            result = composing.compose(
                lm,
                kind,
                language,
                label,
                chosen,
                seed=seed,
                limits=limits,
                items=items,
                glossary=terms,
                title=record_title(exhibit, language),
                on_token=on_token,
                cancelled=lambda: ctx.cancelled,
            )
        except (LanguageModelError, ValueError) as exc:
            raise StudioError(str(exc)) from None
        if ctx.cancelled:
            raise Cancelled("cancelled by the user; no draft was made")
        # Each [n] is checked against the passages its fact was read from, as composition measured
        # it (a fact without a passage against its own words).
        evidence = {f.n: "\n".join(f.passages) or " ".join([f.claim, *f.quotes]) for f in chosen}
        flags = check_content(
            {k: v for k, v in result.content.items() if isinstance(v, (str, list))},
            passages=evidence,
            glossary=rules_for_checks,
            cited_fields=[k for k in result.content if k != "title"],
            language=language,
        )
        checks = [f.as_dict() for f in flags] + [
            {"kind": "composition", "field": "", "message": p, "excerpt": ""} for p in result.problems
        ]
        if result.finish_reason == "length":
            checks.append(
                {"kind": "composition", "field": "", "message": "the answer ended at the length limit", "excerpt": ""}
            )
        facts_used = [
            {
                "n": f.n,
                "fact": f.fact_id,
                "revision": by_id[f.fact_id].revision_id,
                "sha256": by_id[f.fact_id].sha256,
                "claim": f.claim,
                "spans": by_id[f.fact_id].content.get("spans", []),
            }
            for f in chosen
        ]
        cited = [f for f in facts_used if f["n"] in result.used]
        grounds = _grounds(cited)  # what the text relies on: the facts its sentences name
        with project.session() as s:
            citations = {}
            for f in cited:
                first = next(iter(f["spans"]), None)
                passage = (
                    s.exec(select(Passage).where(Passage.sha256 == first["passage_sha256"])).first() if first else None
                )
                if passage is not None:
                    citations[str(f["n"])] = passage.stored_id
            completion = result.completion
            revision = revision_store.create_draft(
                s,
                exhibit_id=exhibit.id,
                kind=kind,
                content=result.content,
                created_by=user.name,
                provenance=revision_store.Provenance(
                    author_kind=AuthorKind.MODEL,
                    engine=lm.identity.engine,
                    model=lm.identity.model,
                    model_sha256=lm.identity.digest,
                    params={
                        "mode": "composed",
                        "composed_from_facts": facts_used,
                        "seed": seed,
                        "finish_reason": result.finish_reason,
                        # How each sentence was made: by the model, trimmed to its part that keeps to its facts, or the facts' own words.
                        "sentences": [r.as_dict() for r in result.sentences],
                        "title_from": result.title_from,
                        "prompt_tokens": completion.prompt_tokens if completion else 0,
                        "completion_tokens": completion.completion_tokens if completion else 0,
                    },
                    template_id=f"compose-{kind}",
                    template_version=composing.PROMPT_VERSION,
                    citations=citations,
                    checks=checks,
                    grounds=grounds,
                    note=_composition_note(result),
                ),
                language=language,
                title=str(result.content.get("title", ""))[:200],
            )
        ctx.progress(1.0, say("draft_waiting", draft_id=revision.draft_id))
        return {
            "draft_id": revision.draft_id,
            "revision_id": revision.stored_id,
            "facts": facts_used,
            "used": result.used,
            "checks": checks,
            "finish_reason": result.finish_reason,
            "seconds": completion.total_s if completion else 0.0,
            "job_id": ctx.job_id,
            "content": result.content,
            "sentences": [r.as_dict() for r in result.sentences],
        }

    outcome = run_job(
        project,
        "draft.compose",
        {"exhibit": exhibit.id, "kind": kind, "language": language, "facts": [f.fact_id for f in chosen]},
        work,
        created_by=user.name,
        cancel_event=cancel_event,
        on_progress=on_progress,
    )
    return ComposeOutcome(**outcome)


def _passage_texts(s: Session, spans: list[dict[str, Any]]) -> tuple[str, ...]:
    """The texts of the passages a fact's spans quote (as indexed: a revised source keeps the
    text the fact was read from), each once."""
    found = (passage_text_of(s, str(sp.get("passage_sha256", ""))) for sp in spans)
    return tuple(dict.fromkeys(t.text for t in found if t is not None and t.text))


def record_title(exhibit: Exhibit, language: str) -> str:
    """The exhibit's own title in `language` (`exhibits.title_in`)."""
    return exhibits.title_in(exhibit, language)


def _composition_note(result: composing.Composition) -> str:
    hows = [r.how for r in result.sentences]
    note = f"composed from {len(result.used)} approved facts"
    if hows:
        note += (
            f"; {hows.count('model')} sentence(s) by the model, {hows.count('trimmed')} trimmed to what keeps to "
            f"the facts, {hows.count('template')} in the facts' own words (the model added to them)"
        )
    return note


def _limits(kind: str, language: str, project_root: Any) -> Any:
    """The same field limits direct drafting works to: the card template's, else the prompt's."""
    from generators.drafting.prompts import PromptTemplateError, load_template
    from studio.drafting import DEFAULT_CARD_TEMPLATE, card_limits

    if kind in (DraftKind.CARD, DraftKind.AUDIO_CARD):
        return card_limits(DEFAULT_CARD_TEMPLATE, language)
    try:
        return load_template("caption" if kind == DraftKind.ALT_TEXT else kind, project_root).limits
    except PromptTemplateError:
        return {}


def _grounds(facts_used: list[dict[str, Any]]) -> dict[str, Any]:
    """What composed text relies on: each fact's approved revision and every passage its spans quote."""
    passages: dict[str, str] = {}
    for f in facts_used:
        for k, span in enumerate(f["spans"]):
            passages[f"{f['n']}" if k == 0 else f"{f['n']}.{k + 1}"] = str(span["passage_sha256"])
    return {
        "passages": passages,
        "transcript": None,
        "facts": {
            str(f["n"]): {"draft_id": f["fact"], "revision_id": f["revision"], "sha256": f["sha256"]}
            for f in facts_used
        },
    }


def composed_from(revision: Revision) -> list[dict[str, Any]]:
    """The facts a composed revision was written from (empty for direct drafts)."""
    return list(revision.params.get("composed_from_facts", []))


def _all_internal(s: Session, exhibit: Exhibit) -> list[tuple[str, str]]:
    """(label, matched words) of each passage when every passage of the exhibit is a placeholder or
    internal note; empty when any passage is content (or there is none)."""
    passages = [
        p
        for p in passages_of_exhibit(s, exhibit.stored_id)
        if p.origin in (PassageOrigin.SOURCE, PassageOrigin.TRANSCRIPT)
    ]
    found = [(p, find_internal(p.text)) for p in passages]
    if not found or not all(f.whole for _p, f in found):
        return []
    names = {x.stored_id: x.filename for x in s.exec(select(Source).where(Source.exhibit_id == exhibit.stored_id))}
    return [(f"{names.get(p.source_id, 'source')}, passage {p.seq + 1}", f.excerpt) for p, f in found]


def warnings(s: Session, exhibit_id: int | None = None, *, internal: bool = False) -> list[tuple[Any, str]]:
    """Passage warnings (open and cleared) with their source's file name; `internal`: the placeholders
    and internal notes recorded at import instead."""
    source_ids = None
    if exhibit_id is not None:
        source_ids = [x.stored_id for x in s.exec(select(Source).where(Source.exhibit_id == exhibit_id))]
    out = []
    for w in screening.warnings_of(s, source_ids=source_ids, internal=internal):
        src = s.get(Source, w.source_id)
        out.append((w, src.filename if src else f"source {w.source_id}"))
    return out


# ------------------------------------------------------- what the facts tab calls
# Each opens its own transaction; a decision is one write, as in the CLI.
@dataclass(frozen=True)
class FactSheetView:
    """An exhibit's fact sheet, the open warnings that hold its sources back (with the file name), and
    the placeholders and internal notes left out of extraction (nothing to clear: they are not content)."""

    rows: list[FactRow]
    held: list[tuple[Any, str]]
    left_out: list[tuple[Any, str]] = field(default_factory=list)


def read_fact_sheet(project: Project, exhibit_id: int) -> FactSheetView:
    with project.read() as s:
        held = [(w, name) for w, name in warnings(s, exhibit_id) if w.cleared_at is None]
        return FactSheetView(fact_sheet(s, exhibit_id), held, warnings(s, exhibit_id, internal=True))


def accept_fact(project: Project, fact_id: int, user: User, expected_sha256: str | None = None) -> None:
    with project.session() as s:
        accept(s, fact_id, user, expected_sha256)


def reject_fact(project: Project, fact_id: int, user: User, reason: str) -> None:
    with project.session() as s:
        reject(s, fact_id, user, reason)


def hide_fact(project: Project, fact_id: int, user: User) -> None:
    with project.session() as s:
        not_for_visitors(s, fact_id, user)


def edit_fact(
    project: Project, fact_id: int, user: User, *, claim: str | None, value: str | None, based_on: int | None
) -> None:
    with project.session() as s:
        edit(s, fact_id, user, claim=claim, value=value, based_on=based_on)


def let_source_be_used(project: Project, warning_id: int, user: User, note: str) -> None:
    """A curator clears a source's warnings (`screening.clear`), in a write of its own."""
    with project.session() as s:
        screening.clear(s, warning_id, user, note)


def passage_text(s: Session, sha256: str) -> str:
    """The text a passage hash names, live or kept since its source changed."""
    p = s.exec(select(Passage).where(col(Passage.sha256) == sha256)).first()
    if p is not None:
        return p.text
    kept = passage_text_of(s, sha256)
    return kept.text if kept is not None else ""
