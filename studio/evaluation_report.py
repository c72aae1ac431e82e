"""Evaluation runs side by side: a plain table for the terminal and a self-contained
HTML report with charts.

Charts are SVG from pygal: pure Python, a few hundred kilobytes installed, no
browser, numpy or font cache needed (matplotlib would bring all three for a
handful of bar charts). The SVG is written inline with pygal's tooltip script
left out, so the report opens offline and fetches nothing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    better: str  # "higher" | "lower"
    kind: str = "share"  # share | count | seconds | rate


DRAFT_FIGURES = (
    Figure("score", "quality score", "higher", "rate"),
    Figure("approved_similarity", "close to the approved text", "higher"),
    Figure("required_present", "required fields present", "higher"),
    Figure("within_length", "within length", "higher"),
    Figure("cited_share", "sentences cited", "higher"),
    Figure("supported_share", "citations supported", "higher"),
    Figure("grounded_share", "numbers and names grounded", "higher"),
    Figure("must_appear_recall", "must-appear recall", "higher"),
    Figure("must_not_appear", "must-not-appear per draft", "lower", "count"),
    Figure("language_ok", "right language", "higher"),
    Figure("mixed_script", "mixed-script runs per draft", "lower", "count"),
    Figure("loop", "loops", "lower"),
    Figure("copied_example", "copied the prompt's example", "lower"),
    Figure("repetition", "repeated 4-grams", "lower"),
    Figure("refusal_ok", "refused when right", "higher"),
    Figure("first_token_s", "first token (s)", "lower", "seconds"),
    Figure("total_s", "whole draft (s)", "lower", "seconds"),
    Figure("tokens_per_s", "tokens/s", "higher", "rate"),
    Figure("drafts", "drafts", "higher", "count"),
)
TRANSCRIPT_FIGURES = (
    Figure("error_rate", "WER/CER", "lower"),
    Figure("error_rate_after_suggestions", "WER/CER after good suggestions", "lower"),
    Figure("terms_recognised", "glossary terms recognised", "higher"),
    Figure("suggestion_precision", "suggestion precision", "higher"),
    Figure("suggestion_recall", "suggestion recall", "higher"),
    Figure("timing_error_s", "timing error (s)", "lower", "seconds"),
    Figure("rtf", "real-time factor", "lower", "rate"),
    Figure("recordings", "recordings", "higher", "count"),
)


def _fmt(value: object, kind: str) -> str:
    if value is None:
        return "–"
    v = float(value)  # type: ignore[arg-type]
    if kind == "share":
        return f"{v:.0%}"
    if kind == "count":
        return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    if kind == "seconds":
        return f"{v:.1f}"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def columns(runs: Sequence[Mapping[str, Any]], part: str, language: str | None = None) -> list[tuple[str, dict]]:
    """(column name, summary) for every config of every run, in run order. Two runs
    with a config of the same name are told apart by the run id."""
    out: list[tuple[str, dict]] = []
    for run in runs:
        for name, summary in run.get("summary", {}).get(part, {}).items():
            if language is not None:
                summary = summary.get("by_language", {}).get(language)
                if summary is None:
                    continue
            column = name if len(runs) == 1 else f"{run['id']}: {name}"
            out.append((column, summary))
    return out


def comparison_rows(
    runs: Sequence[Mapping[str, Any]], part: str = "drafts", language: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the side-by-side table: one row per figure, one column
    per config; the best value of a row is marked with *."""
    cols = columns(runs, part, language)
    figures = DRAFT_FIGURES if part == "drafts" else TRANSCRIPT_FIGURES
    headers = ["figure", *[c for c, _ in cols]]
    rows = []
    for f in figures:
        values = [summary.get(f.key) for _, summary in cols]
        present = [float(v) for v in values if v is not None]
        best = (max(present) if f.better == "higher" else min(present)) if present and f.key != "drafts" else None
        cells = []
        for v in values:
            text = _fmt(v, f.kind)
            if best is not None and v is not None and float(v) == best and len(present) > 1:
                text += " *"
            cells.append(text)
        rows.append([f"{f.label} ({'↑' if f.better == 'higher' else '↓'})", *cells])
    return headers, rows


def _chart(title: str, figures: Sequence[Figure], cols: Sequence[tuple[str, dict]], percent: bool) -> str:
    import pygal
    from pygal.style import DefaultStyle

    chart = pygal.Bar(
        js=[],  # pygal's tooltips script would be fetched from the web
        disable_xml_declaration=True,
        width=900,
        height=360,
        title=title,
        legend_at_bottom=True,
        x_label_rotation=20,
        style=DefaultStyle,
        truncate_legend=40,
        value_formatter=(lambda v: f"{v:.0%}") if percent else (lambda v: f"{v:.2f}"),
    )
    chart.x_labels = [f.label for f in figures]
    for name, summary in cols:
        chart.add(name, [summary.get(f.key) for f in figures])
    return str(chart.render(is_unicode=True))


def _table_html(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(c.removesuffix(' *'))}{'' if not c.endswith(' *') else ' ★'}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _items_html(runs: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for run in runs:
        for item in run.get("drafts", []):
            f = item["figures"]
            problems = []
            if f.get("loop"):
                problems.append("loop")
            if f.get("copied_example"):
                problems.append("copied the example")
            if f.get("mixed_script"):
                problems.append("mixed scripts")
            if not f.get("language_ok", True):
                problems.append("wrong language")
            if f.get("must_not_appear"):
                problems.append("says: " + ", ".join(f.get("details", {}).get("forbidden", [])))
            if f.get("refusal_ok") is False:
                problems.append("refused wrongly" if f.get("refused") else "should have refused")
            missed = ", ".join(f.get("details", {}).get("missed", []))
            rows.append(
                [
                    str(run["id"]),
                    item["config"],
                    item["case"],
                    str(item["seed"]),
                    _fmt(f.get("score"), "rate"),
                    _fmt(f.get("must_appear_recall"), "share"),
                    "; ".join(problems),
                    missed,
                    (item.get("refused") or item.get("text", ""))[:400],
                ]
            )
    headers = ["run", "config", "case", "seed", "score", "recall", "problems", "missed", "text"]
    return _table_html(headers, rows)


_CSS = """
body { font-family: system-ui, 'Noto Sans CJK SC', sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td:nth-child(n+2) { white-space: pre-wrap; }
.note { color: #555; }
svg { max-width: 100%; height: auto; }
"""


def render_html(runs: Sequence[Mapping[str, Any]]) -> str:
    """One self-contained page: what was run, the tables, the charts, every draft."""
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Evaluation</title><style>{_CSS}</style></head><body>"
    ]
    parts.append("<h1>Evaluation: runs side by side</h1>")
    for run in runs:
        machine = run.get("machine", {})
        parts.append(
            "<p class='note'>"
            + html.escape(
                f"run {run['id']} ({run.get('kind', '')}, {run.get('created_at', '')}): seeds {run.get('seeds')}, "
                f"{machine.get('cpus')} CPUs {machine.get('cpu', '')}, load {run.get('load_before')} → "
                f"{run.get('load_after')}, {run.get('seconds')} s. {run.get('note', '')}"
            )
            + "</p>"
        )
    draft_cols = columns(runs, "drafts")
    if draft_cols:
        parts.append("<h2>Drafts</h2>")
        parts.append(_table_html(*comparison_rows(runs, "drafts")))
        languages = sorted(
            {
                lang
                for run in runs
                for s in run.get("summary", {}).get("drafts", {}).values()
                for lang in s.get("by_language", {})
            }
        )
        for lang in languages:
            parts.append(f"<h3>{html.escape(lang)} drafts only</h3>")
            parts.append(_table_html(*comparison_rows(runs, "drafts", lang)))
        shares = [f for f in DRAFT_FIGURES if f.kind == "share"]
        parts.append(_chart("Draft quality (higher is better, except loops and repetition)", shares, draft_cols, True))
        speed = [f for f in DRAFT_FIGURES if f.key in ("first_token_s", "total_s", "tokens_per_s")]
        parts.append(_chart("Speed", speed, draft_cols, False))
    t_cols = columns(runs, "transcripts")
    if t_cols:
        parts.append("<h2>Transcripts</h2>")
        parts.append(_table_html(*comparison_rows(runs, "transcripts")))
        shares = [f for f in TRANSCRIPT_FIGURES if f.kind == "share"]
        parts.append(_chart("Transcription quality", shares, t_cols, True))
    if draft_cols:
        parts.append("<h2>Every draft</h2>")
        parts.append(_items_html(runs))
    parts.append("</body></html>")
    return "\n".join(parts)
