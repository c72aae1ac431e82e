"""Build a kiosk or app package from approved content, atomically.

Everything is written into a hidden build folder next to the destination and
moved into place with a rename only when complete; a killed export leaves no
package (only a build folder that the next export removes), and the export
record is written after the package exists.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.cards import CardContent, CardError, load_template
from generators.transcription.captions import cues, to_text, to_webvtt
from generators.transcription.types import Segment
from studio import anchor, evidence, provenance, settings
from studio.errors import StudioError
from studio.export import dublincore, iiif, names, publish, record, seal
from studio.export.content import LanguageText, Omission, PackageItem, collect
from studio.export.record import ExportRecord
from studio.export.work import ItemFiles, ItemJob, prepare
from studio.jobs import JobContext, process_alive
from studio.messages import say
from studio.models import AuthorKind, DraftKind, Source, json_text
from studio.project import Project
from studio.reasons import why
from studio.workstation import this_workstation

REPO = Path(__file__).resolve().parents[2]
KIOSK_PLAYER = REPO / "assets" / "kiosk"
PLAYER_FILES = ("index.html", "kiosk.css", "kiosk.js")
SCHEMA_FILE = Path(__file__).with_name("package.schema.json")
SCHEMA_VERSION = "1.0.0"
MANIFEST = "manifest-sha256.txt"
BUILD_PREFIX = ".building-"
DEFAULT_TEMPLATES = {"kiosk": "kiosk_portrait", "app": "app_card"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same content zips to the same bytes

PERSON_DISCLOSURE = {
    "en": "Written by museum staff; approved by {editor}, {date}.",
    "zh": "本内容由本馆工作人员撰写，经 {editor} 于 {date} 审核批准。",
}
# The kiosk's own words. {n}/{total}, {s}, {editor} and {date} are filled in by kiosk.js.
UI_STRINGS = {
    "en": {
        "home": "All objects",
        "previous": "Previous",
        "next": "Next",
        "position": "{n} of {total}",
        "browse": "Browse the objects",
        "choose": "Choose an object",
        "start": "Touch to explore",
        "empty": "This guide has no objects yet.",
        "pause_loop": "Pause slideshow",
        "resume_loop": "Play slideshow",
        "key_facts": "At a glance",
        "audio_guide": "Audio guide",
        "play": "Play audio guide",
        "pause": "Pause",
        "show_transcript": "Read the transcript",
        "hide_transcript": "Hide the transcript",
        "title": "Gallery guide",
        "disclosure_heading": "How this text was made",
        "disclosure_ai": "Drafted with AI assistance from the museum's own sources.",
        "disclosure_translated": "Translated by machine, then checked by museum staff.",
        "disclosure_transcribed": "The audio transcript and captions were made by speech recognition software, "
        "then checked by museum staff.",
        "disclosure_approved": "Approved by {editor}, {date}.",
        "idle_title": "Are you still there?",
        "idle_message": "This guide will go back to the start in {s} seconds.",
        "idle_stay": "Keep exploring",
        "idle_leave": "Start over",
    },
    "zh": {
        "home": "全部展品",
        "previous": "上一件",
        "next": "下一件",
        "position": "第 {n} 件，共 {total} 件",
        "browse": "浏览展品",
        "choose": "请选择展品",
        "start": "轻触屏幕开始探索",
        "empty": "本导览暂无展品。",
        "pause_loop": "暂停轮播",
        "resume_loop": "继续轮播",
        "key_facts": "要点",
        "audio_guide": "语音导览",
        "play": "播放语音导览",
        "pause": "暂停",
        "show_transcript": "阅读文字稿",
        "hide_transcript": "收起文字稿",
        "title": "展厅导览",
        "disclosure_heading": "内容说明",
        "disclosure_ai": "本内容由人工智能根据本馆资料辅助起草。",
        "disclosure_translated": "本文由机器翻译，并经本馆工作人员核对。",
        "disclosure_transcribed": "语音文字稿和字幕由语音识别软件生成，并经本馆工作人员核对。",
        "disclosure_approved": "经 {editor} 于 {date} 审核批准。",
        "idle_title": "您还在浏览吗？",
        "idle_message": "{s} 秒后，本导览将回到开始画面。",
        "idle_stay": "继续浏览",
        "idle_leave": "回到开始",
    },
}
MIN_WARNING_SECONDS = 20.0
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


@dataclass
class ExportOptions:
    kind: str  # kiosk | app
    languages: list[str]
    out_dir: Path | None = None
    template: str | None = None
    version: str | None = None
    exhibit_ids: list[int] | None = None
    idle_seconds: float = 90.0  # kiosk: quiet time before the "are you still there?" warning
    warning_seconds: float = 30.0  # kiosk: how long the warning waits; WCAG 2.2.1 asks at least 20
    attract_seconds: float = 6.0
    disclosure: dict[str, str] | None = None  # language -> template with {editor} and {date}
    base_url: str = "https://museum.example/heritage"
    processes: int | None = None
    actor: str = ""
    # An empty package, or one without content the last one had, is published
    # only when the person confirmed it (--confirm-removal; a dialog in the app).
    confirm_removal: bool = False


@dataclass
class ExportResult:
    kind: str
    version: str
    name: str
    folder: Path
    zip_path: Path
    sha256: str
    manifest_sha256: str
    size_bytes: int
    items: int
    pieces: list[dict[str, Any]]
    left_out: list[dict[str, Any]]
    diff: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _base(lang: str) -> str:
    return lang.split("-")[0].lower()


def _progress(ctx: JobContext | None, fraction: float, message: str) -> None:
    if ctx is not None:
        ctx.check_cancelled()
        ctx.progress(fraction, message)


def _workstation_tag(workstation: str) -> str:
    """A short, file-name-safe stand-in for a workstation's name in a build folder's name."""
    return hashlib.sha256(workstation.encode("utf-8")).hexdigest()[:8]


def clean_stale_builds(out_dir: Path, workstation: str | None = None) -> list[Path]:
    """Remove build folders left by exports whose process died (never a live one).

    A folder is named `.building-<pid>-<workstation tag>-…`: in an output folder on
    a share, another workstation's pid cannot be looked up here, so its builds are
    left to it (older folders, named by pid alone, were made on one machine).
    """
    here = _workstation_tag(workstation if workstation is not None else this_workstation())
    removed: list[Path] = []
    for path in out_dir.glob(BUILD_PREFIX + "*"):
        parts = path.name[len(BUILD_PREFIX) :].split("-")
        try:
            pid = int(parts[0])
        except ValueError:
            continue
        if len(parts) >= 3 and parts[1] != here:
            continue
        if pid != os.getpid() and process_alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@dataclass(frozen=True)
class Wording:
    """What a visitor is told about how a text was made, in one language: the AI line
    (with {editor} and {date}) and the other clauses (studio.settings.disclosure_wording)."""

    ai_line: str
    clauses: dict[str, str]


def _disclosures(s: Any, opts: ExportOptions) -> dict[str, Wording]:
    out: dict[str, Wording] = {}
    for lang in opts.languages:
        given = (opts.disclosure or {}).get(lang) or (opts.disclosure or {}).get(_base(lang))
        stored = settings.get(s, f"disclosure_{_base(lang)}") if _base(lang) != "en" else None
        text = given or stored or settings.get(s, "disclosure") or ""
        try:
            text.format(editor="x", date="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise StudioError(
                f"the AI-disclosure text for {lang} is not valid: use {{editor}} and {{date}} only ({exc})"
            ) from exc
        out[lang] = Wording(text, settings.disclosure_wording(s, lang))
    return out


def _lineage(text: LanguageText) -> provenance.Lineage:
    """The text's pieces' lineages as one: a person's edit of a model's text stays AI-drafted."""
    return provenance.merge([provenance.from_dict(r.lineage) for r in text.revisions])


def _disclosure_line(text: LanguageText, wording: Wording) -> str:
    """Which of AI-drafted, edited by, machine-transcribed and machine-translated apply, who
    approved and when, from the lineage of every revision (never the last author alone)."""
    card = text.revisions[0]
    editors = ", ".join(dict.fromkeys(r.reviewer for r in text.revisions))
    merged = _lineage(text)
    if text.machine_translated and not merged.machine_translated:
        merged = provenance.merge([merged, provenance.Lineage(machine_translated=True)])
    return provenance.disclosure_text(
        text.language,
        merged,
        ai_line=wording.ai_line,
        approved_by=editors,
        approved_on=card.approved_at[:10],
        clauses=wording.clauses,
    )


def _visitor_provenance(text: LanguageText) -> dict[str, Any]:
    """Which machines had a hand in what a visitor reads or hears, from the approved revisions.

    The kiosk turns these flags into plain sentences next to the disclosure line, so machine
    translation and machine transcription are said even when the line itself does not say them.
    """
    written = [r for r in text.revisions if r.kind != DraftKind.TRANSCRIPT]
    heard = [r for r in text.revisions if r.kind == DraftKind.TRANSCRIPT]
    merged = _lineage(text)
    return {
        "ai_drafted": merged.ai_drafted or any(r.author_kind == AuthorKind.MODEL for r in written),
        "edited_by": list(merged.edited_by),
        "machine_translated": text.machine_translated or any(r.kind == DraftKind.TRANSLATION for r in written),
        # A transcript keeps its speech engine in its content, so a corrected one still says so.
        "machine_transcribed": merged.machine_transcribed
        or bool(text.transcribed_by)
        or any(r.author_kind == AuthorKind.MODEL for r in heard),
        # _disclosure_line's AI template already says "AI" when any revision was a model's, and
        # its clauses (the project's wording) say machine translation and transcription: the kiosk
        # adds its own sentence only for what the line does not say.
        "disclosure_says_ai": merged.ai_drafted or merged.machine_translated,
        "disclosure_says_translated": merged.machine_translated or text.machine_translated,
        "disclosure_says_transcribed": merged.machine_transcribed,
        "approved_by": ", ".join(dict.fromkeys(r.reviewer for r in text.revisions)),
        "approved_on": text.revisions[0].approved_at[:10],
    }


def _card_content(item: PackageItem, text: LanguageText) -> CardContent:
    return CardContent(
        language=text.language,
        title=text.title,
        body=text.body_text,
        key_facts=tuple(text.key_facts),
        image_caption=text.image_caption if item.image is not None else "",
        credit=text.credit,  # an approved credit line or none: never the catalogue number in its place
        focal=item.focal,
        label=f"{item.exhibit.title} ({item.slug})",
    )


def _pieces(items: list[PackageItem]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        for r in item.revisions:
            out.append({"key": f"{item.slug}/{r.kind}/{r.language or '-'}", "item": item.slug, **r.as_dict()})
    seen: dict[str, dict[str, Any]] = {}
    for p in out:
        seen.setdefault(p["key"], p)
    return sorted(seen.values(), key=lambda p: p["key"])


class RemovalNeedsConfirmation(StudioError):
    """The export would publish an empty package or take content away; the person must confirm."""

    def __init__(self, message: str, left_out: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.left_out = left_out or []  # why each draft stayed out, so the person can see what to do


def _needs_confirmation(items: list[PackageItem], prev: ExportRecord | None, pieces: list[dict[str, Any]]) -> str:
    if not items:
        return say("export_empty")
    if prev is None:
        return ""
    kept = {p["draft_id"] for p in pieces}
    gone = sorted({f"{p['key']} (draft {p['draft_id']})" for p in prev.items if p["draft_id"] not in kept})
    if gone:
        shown, version = ", ".join(gone[:8]), prev.version
        if len(gone) > 8:
            return say("export_takes_away_more", n=len(gone), version=version, shown=shown, more=len(gone) - 8)
        return say("export_takes_away", n=len(gone), version=version, shown=shown)
    return ""


def export_package(project: Project, opts: ExportOptions, ctx: JobContext | None = None) -> ExportResult:
    started = time.monotonic()
    if opts.kind not in DEFAULT_TEMPLATES:
        raise StudioError(f"unknown package kind {opts.kind!r}: choose kiosk or app")
    # Every value that reaches a path is held to a strict form before anything is written.
    languages = names.language_tags([lang for lang in opts.languages if lang.strip(" ")])
    opts.languages = languages
    if opts.version is not None:
        names.semver(opts.version)
    if opts.idle_seconds <= 0 or opts.attract_seconds <= 0:
        raise StudioError("idle and attract times must be positive numbers of seconds")
    if opts.warning_seconds < MIN_WARNING_SECONDS:
        raise StudioError(
            f"the idle warning must give visitors at least {MIN_WARNING_SECONDS:g} seconds to continue "
            f"(WCAG 2.2.1); {opts.warning_seconds:g} was asked"
        )
    try:
        template_name = names.template_name(opts.template or DEFAULT_TEMPLATES[opts.kind])
        template = load_template(template_name)
    except CardError as exc:
        raise StudioError(str(exc)) from exc
    out_dir = (opts.out_dir or project.exports_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_builds(out_dir, project.workstation)
    publish.recover(project)
    # Tamper evidence, part 1 of 2: nothing leaves a project whose approvals
    # cannot all be proved (studio/evidence.py says what failed).
    evidence.require_intact(project)

    with project.read() as s:
        audit_head = anchor.head(s)
        items, omissions = collect(s, languages, opts.exhibit_ids)
        prev = record.previous(s, opts.kind)
        if opts.version is not None and record.taken(s, opts.kind, opts.version):  # said early; reserve checks again
            raise StudioError(
                f"a {opts.kind} package version {opts.version} was already exported; choose another version"
            )
        disclosures = _disclosures(s, opts)
        audio_sources = {
            sid: s.get(Source, sid)
            for item in items
            for t in item.texts.values()
            if (sid := t.audio_source_id) is not None
        }
    _check_file_names(items, languages)
    _progress(ctx, 0.05, say("exhibits_with_content", n=len(items)))

    tag = _workstation_tag(project.workstation)
    build_root = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{os.getpid()}-{tag}-", dir=out_dir))
    reservation: publish.Reservation | None = None
    committed = False
    try:
        pkg = build_root / "package"
        pkg.mkdir()
        content_root = pkg / "data" if opts.kind == "app" else pkg
        results = _prepare_all(project, items, audio_sources, template_name, content_root, opts.processes, ctx)
        items, omissions, warnings = _apply_results(items, results, omissions)
        pieces = _pieces(items)
        change = record.diff(prev.items if prev else [], pieces)
        why_confirm = _needs_confirmation(items, prev, pieces)
        if why_confirm and not opts.confirm_removal:
            raise RemovalNeedsConfirmation(
                say("export_needs_confirmation", why=why_confirm),
                [o.as_dict() for o in omissions],
            )
        version = opts.version or record.next_version(prev, change)
        name = f"{_safe_name(project.name)}-{opts.kind}-{version}"
        if ctx is not None:
            ctx.check_cancelled()
        reservation = publish.reserve(project, opts.kind, version, name, out_dir, prev.id if prev else None)
        _progress(ctx, 0.8, say("writing_package"))
        meta = {
            "name": name,
            "kind": opts.kind,
            "version": version,
            "languages": languages,
            "created_at": _now(),
            "created_by": opts.actor,
            "template": {"id": template.id, "version": template.version},
            "project": project.name,
            "audit_head": audit_head.as_dict() if audit_head else {},
        }
        diff_out = {"previous_version": prev.version if prev else None, **change}
        left_out = [o.as_dict() for o in omissions]
        _write_content(content_root, items, results, meta, left_out, diff_out, disclosures, opts)
        if opts.kind == "kiosk":
            _write_kiosk_player(content_root, items, meta, opts)
            manifest_sha = _write_manifest(pkg)
        else:
            manifest_sha = _make_bag(pkg, meta, opts)
        # Tamper evidence, part 2 of 2: the manifest and audit head, signed.
        if audit_head is not None:
            seal.seal(project, pkg, pkg / MANIFEST, meta, audit_head)
        _progress(ctx, 0.92, say("zipping"))
        zip_tmp = build_root / f"{name}.zip"
        _zip(pkg, name, zip_tmp)
        zip_sha = _sha256_file(zip_tmp)
        size = sum(p.stat().st_size for p in pkg.rglob("*") if p.is_file())
        if ctx is not None:
            ctx.check_cancelled()
        record_fields = {
            "kind": opts.kind,
            "version": version,
            "name": name,
            # The record's cells as stored (publishing.commit_row inserts them, after a crash too).
            "languages_json": json_text(ExportRecord.languages, languages),
            "folder": str(reservation.folder),
            "zip_path": str(reservation.zip_path),
            "sha256": zip_sha,
            "manifest_sha256": manifest_sha,
            "size_bytes": size,
            "items_json": json_text(ExportRecord.items, pieces),
            "left_out_json": json_text(ExportRecord.left_out, left_out),
            "diff_json": json_text(ExportRecord.diff, change),
            "created_by": opts.actor,
        }
        audit_detail = {
            "kind": opts.kind,
            "version": version,
            "sha256": zip_sha,
            "items": len(items),
            "revisions": [p["revision_id"] for p in pieces],
            **change,
        }
        publish.stage(project, reservation, zip_sha, manifest_sha, record_fields, audit_detail)
        publish.place_zip(reservation, zip_tmp)
        publish.place_folder(reservation, pkg)
        publish.commit(project, reservation)
        committed = True
    finally:
        if reservation is not None and not committed:
            publish.release(project, reservation)
        shutil.rmtree(build_root, ignore_errors=True)

    _progress(ctx, 1.0, say("exported", name=name))
    return ExportResult(
        kind=opts.kind,
        version=version,
        name=name,
        folder=reservation.folder,
        zip_path=reservation.zip_path,
        sha256=zip_sha,
        manifest_sha256=manifest_sha,
        size_bytes=size,
        items=len(items),
        pieces=pieces,
        left_out=left_out,
        diff=change,
        warnings=warnings,
        seconds=time.monotonic() - started,
    )


def _check_file_names(items: list[PackageItem], languages: list[str]) -> None:
    """No two exhibits (or languages) share a file: checked before anything is written."""
    files: dict[str, str] = {}
    for item in items:
        what = f"exhibit {item.exhibit.identifier or item.exhibit.id!s} ({item.exhibit.title})"
        files[what] = f"items/{item.slug}.json"
        for lang in languages:
            files[f"{what} in {lang}"] = f"cards/{item.slug}.{lang}.png"
    names.check_unique(files)


def _now() -> str:
    from studio.models import utcnow

    return utcnow()


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return cleaned or "package"


def _prepare_all(
    project: Project,
    items: list[PackageItem],
    audio_sources: dict[int, Source | None],
    template_name: str,
    content_root: Path,
    processes: int | None,
    ctx: JobContext | None,
) -> dict[str, ItemFiles]:
    jobs = []
    for item in items:
        audio: dict[str, tuple[str, str]] = {}
        for lang, t in item.texts.items():
            src = audio_sources.get(t.audio_source_id) if t.audio_source_id is not None else None
            if src is not None:
                audio[lang] = (str(project.media.require(src.media_sha256)), src.filename)
        jobs.append(
            ItemJob(
                slug=item.slug,
                package_dir=str(content_root),
                template=template_name,
                image_path=str(project.media.require(item.image.media_sha256)) if item.image else None,
                image_name=item.image.filename if item.image else "",
                cards={lang: _card_content(item, t) for lang, t in item.texts.items()},
                audio=audio,
            )
        )
    results: dict[str, ItemFiles] = {}
    for n, res in enumerate(_run(jobs, processes)):
        results[res.slug] = res
        _progress(ctx, 0.05 + 0.75 * (n + 1) / max(len(jobs), 1), say("preparing_exhibits", done=n + 1, n=len(jobs)))
    return results


def _run(jobs: list[ItemJob], processes: int | None) -> Iterator[ItemFiles]:
    workers = max(1, min(processes or os.cpu_count() or 1, len(jobs)))
    if workers == 1 or len(jobs) < 3:
        yield from map(prepare, jobs)
        return
    # spawn: the desktop app has threads; a forked copy of their locks can hang a worker.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            yield from pool.map(prepare, jobs, chunksize=max(1, len(jobs) // (workers * 16)))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _apply_results(
    items: list[PackageItem], results: dict[str, ItemFiles], omissions: list[Omission]
) -> tuple[list[PackageItem], list[Omission], list[str]]:
    kept: list[PackageItem] = []
    warnings: list[str] = []
    for item in items:
        res = results[item.slug]
        if res.error:
            for r in item.revisions:
                omissions.append(Omission(r.draft_id, r.kind, r.language, item.exhibit.title, res.error))
            continue
        for lang in list(item.texts):
            if lang in res.card_errors:
                for r in item.texts[lang].revisions:
                    omissions.append(
                        Omission(
                            r.draft_id,
                            r.kind,
                            r.language,
                            item.exhibit.title,
                            why("card_unrenderable", error=res.card_errors[lang]),
                        )
                    )
                del item.texts[lang]
            elif lang in res.audio_errors:
                warnings.append(f"{item.slug} {lang}: audio left out: {res.audio_errors[lang]}")
                item.texts[lang].transcript = []
        for lang, report in res.card_reports.items():
            warnings.extend(f"{item.slug} {lang} card: {w}" for w in report.get("warnings", []))
        if item.texts:
            kept.append(item)
    return kept, omissions, warnings


def _segments(text: LanguageText) -> list[Segment]:
    return [Segment(start=s["start"], end=s["end"], text=s["text"], speaker=s["speaker"]) for s in text.transcript]


def _item_record(item: PackageItem, res: ItemFiles, disclosures: dict[str, Wording]) -> dict[str, Any]:
    texts: dict[str, Any] = {}
    for lang, t in item.texts.items():
        entry: dict[str, Any] = {
            "title": t.title,
            "body_html": t.body_html,
            "body_text": t.body_text,
            "key_facts": t.key_facts,
            "image_caption": t.image_caption,
            "alt_text": t.alt_text,  # approved alt text or none: never the title in its place
            "card": f"cards/{item.slug}.{lang}.png",
            "card_alt": "\n".join([t.title, t.body_text, *t.key_facts]).strip(),
            "card_report": res.card_reports.get(lang, {}),
            "summary": t.summary,
            "machine_translated": t.machine_translated,
            "disclosure": _disclosure_line(t, disclosures[lang]),
        }
        if t.transcript and lang in res.audio_durations:
            entry["audio"] = f"audio/{item.slug}.{lang}.mp3"
            entry["captions"] = f"captions/{item.slug}.{lang}.vtt"
            entry["transcript"] = f"transcripts/{item.slug}.{lang}.txt"
        texts[lang] = entry
    ex = item.public  # only the approved record's fields
    return {
        "id": item.slug,
        "exhibit": {
            k: getattr(ex, k)
            for k in ("identifier", "title", "creator", "date", "description", "subject", "rights", "language")
        },
        "texts": texts,
        "image": res.image,
        "credits": {
            "creator": ex.creator,
            "date": ex.date,
            "identifier": ex.identifier or "",
            "image": item.image.filename if item.image else "",
        },
        "rights": ex.rights,
        "revisions": [r.as_dict() for r in item.revisions],
        # Per language: the sentence a visitor reads and which of AI-drafted, edited by,
        # machine-transcribed and machine-translated apply, who approved it and when.
        "disclosure": {
            lang: {"text": texts[lang]["disclosure"], **_visitor_provenance(t)} for lang, t in item.texts.items()
        },
        "cited_sources": item.cited,
        "iiif": f"iiif/{item.slug}.json",
        "dublin_core": f"dc/{item.slug}.xml",
    }


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _write_content(
    root: Path,
    items: list[PackageItem],
    results: dict[str, ItemFiles],
    meta: dict[str, Any],
    left_out: list[dict[str, Any]],
    diff_out: dict[str, Any],
    disclosures: dict[str, Wording],
    opts: ExportOptions,
) -> None:
    listing = []
    kept = {item.slug for item in items}
    for slug, res in results.items():  # exhibits dropped after their files were prepared
        if slug not in kept:
            for rel in res.files:
                (root / rel).unlink(missing_ok=True)
    for item in items:
        res = results[item.slug]
        rec = _item_record(item, res, disclosures)
        _write_json(root / "items" / f"{item.slug}.json", rec)
        audio_tracks = []
        for lang, t in item.texts.items():
            entry = rec["texts"][lang]
            if "audio" in entry:
                segments = _segments(t)
                (root / "captions").mkdir(exist_ok=True)
                (root / entry["captions"]).write_text(to_webvtt(segments), encoding="utf-8")
                (root / "transcripts").mkdir(exist_ok=True)
                (root / entry["transcript"]).write_text(to_text(segments, timestamps=True), encoding="utf-8")
                audio_tracks.append(
                    {
                        "language": lang,
                        "path": entry["audio"],
                        "captions": entry["captions"],
                        "duration": res.audio_durations[lang],
                    }
                )
        titles = {lang: t.title for lang, t in item.texts.items()}
        manifest = iiif.manifest(
            opts.base_url + "/" + meta["name"], item.slug, item.public, titles, res.image, audio_tracks
        )
        _write_json(root / "iiif" / f"{item.slug}.json", manifest)
        (root / "dc").mkdir(exist_ok=True)
        summaries = {lang: t.summary.get("short", "") for lang, t in item.texts.items() if t.summary.get("short")}
        (root / "dc" / f"{item.slug}.xml").write_bytes(dublincore.record(item.public, titles, summaries))
        listing.append(
            {"id": item.slug, "file": f"items/{item.slug}.json", "languages": list(item.texts), "title": titles}
        )
    (root / "schema").mkdir(exist_ok=True)
    shutil.copyfile(SCHEMA_FILE, root / "schema" / SCHEMA_FILE.name)
    _write_json(
        root / "package.json",
        {
            "schema_version": SCHEMA_VERSION,
            "package": meta,
            "items": listing,
            "left_out": left_out,
            "diff": diff_out,
        },
    )


def _write_kiosk_player(root: Path, items: list[PackageItem], meta: dict[str, Any], opts: ExportOptions) -> None:
    for name in PLAYER_FILES:
        shutil.copyfile(KIOSK_PLAYER / name, root / name)
    views = []
    for item in items:
        rec = json.loads((root / "items" / f"{item.slug}.json").read_text(encoding="utf-8"))
        langs: dict[str, Any] = {}
        for lang, t in item.texts.items():
            e = rec["texts"][lang]
            v = {
                "language": lang,
                "title": e["title"],
                "body_html": e["body_html"],
                "key_facts": e["key_facts"],
                "image_caption": e["image_caption"],
                "credit": t.credit,  # an approved credit line or none
                # The card bitmap (text baked in) stays in cards/ for other screens; the kiosk
                # page sets the same text live, at reading size, and does not repeat it.
                "disclosure": e["disclosure"],
                "provenance": _visitor_provenance(t),
                "image": rec["image"]["path"] if rec["image"] else None,
                "image_alt": e["alt_text"],
            }
            if "audio" in e:
                segments = _segments(t)
                v.update(
                    audio=e["audio"],
                    vtt=e["captions"],
                    captions_label=LANGUAGE_NAMES.get(_base(lang), lang),
                    captions=[{"start": c.start, "end": c.end, "text": "\n".join(c.lines)} for c in cues(segments)],
                    transcript=t.transcript,
                )
            langs[lang] = v
        views.append({"id": item.slug, "languages": langs})
    config = {
        "languages": opts.languages,
        "default_language": opts.languages[0],
        "idle_seconds": opts.idle_seconds,
        "warning_seconds": opts.warning_seconds,
        "attract_seconds": opts.attract_seconds,
        "language_names": {lang: LANGUAGE_NAMES.get(_base(lang), lang) for lang in opts.languages},
        "ui": {lang: UI_STRINGS.get(_base(lang), UI_STRINGS["en"]) for lang in opts.languages},
    }
    data = {"config": config, "package": {"name": meta["name"], "version": meta["version"]}, "items": views}
    # ensure_ascii: the file is a script; escaping keeps U+2028 and friends inert.
    (root / "content.js").write_text(
        "window.HERITAGE_KIOSK = " + json.dumps(data, ensure_ascii=True, sort_keys=True) + ";\n", encoding="utf-8"
    )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(pkg: Path) -> str:
    lines = [f"{_sha256_file(p)}  {p.relative_to(pkg).as_posix()}" for p in _files(pkg) if p.name != MANIFEST]
    text = "\n".join(lines) + "\n"
    (pkg / MANIFEST).write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _make_bag(pkg: Path, meta: dict[str, Any], opts: ExportOptions) -> str:
    import bagit

    # The content was written under data/ already; bagit wants to move the
    # folder's contents into data/ itself, so hand it the inner folder's parent.
    inner = pkg / "data"
    staging = pkg.parent / "bag"
    inner.rename(staging)
    shutil.rmtree(pkg)
    bag = bagit.make_bag(
        str(staging),
        {
            "Source-Organization": meta["project"],
            "External-Description": f"Heritage Studio app content package {meta['name']}",
            "External-Identifier": meta["name"],
            "Bag-Group-Identifier": f"heritage-studio-app-{meta['project']}",
            "Package-Version": meta["version"],
        },
        processes=max(1, min(opts.processes or os.cpu_count() or 1, 4)),
        checksums=["sha256"],
    )
    staging.rename(pkg)
    del bag
    return _sha256_file(pkg / "manifest-sha256.txt")


def _zip(pkg: Path, name: str, dest: Path) -> None:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in _files(pkg):
            info = zipfile.ZipInfo(f"{name}/{path.relative_to(pkg).as_posix()}", date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if path.suffix in (".png", ".jpg", ".mp3") else zipfile.ZIP_DEFLATED
            with open(path, "rb") as src, zf.open(info, "w") as out:
                shutil.copyfileobj(src, out, 1 << 20)
