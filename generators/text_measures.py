"""Text facts the quality figures and the checks share: scripts, numbers (Arabic and
Chinese), proper names (English and Chinese) and repetition."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from functools import lru_cache

import cn2an

from generators.citations import CITATION, sentences, strip_citations

CJK = re.compile(r"[\u3400-\u9fff]")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
# A number may touch Chinese characters or a unit ("重3.42公斤") but not be the tail
# of a Latin word or code ("Q4").
_ARABIC = re.compile(r"(?<![A-Za-z0-9_.,])\d[\d,]*(?:\.\d+)?")
_CHINESE_NUMERAL = re.compile(r"[零〇一二三四五六七八九十百千万亿两点]+")


def _norm_number(token: str) -> str:
    token = token.replace(",", "").rstrip(".")
    if "." in token:
        token = token.rstrip("0").rstrip(".")
    return token


@lru_cache(maxsize=4096)
def _chinese_numbers(text: str) -> frozenset[str]:
    """Numbers written in Chinese numerals (一九八七年, 三足, 七十六点五), via cn2an.

    "一" alone is left out: it is as often an article (一件, 一种) or part of a
    word (统一) as a count, and counting it would flag nearly every Chinese card."""
    if not _CHINESE_NUMERAL.search(text):
        return frozenset()
    try:
        with warnings.catch_warnings():  # cn2an warns about runs it leaves alone (a lone 万)
            warnings.simplefilter("ignore")
            converted = cn2an.transform(text, "cn2an")
    except (ValueError, KeyError, IndexError):  # cn2an refuses odd runs such as 点点; keep what we have
        return frozenset()
    found = {_norm_number(m.group(0)) for m in _ARABIC.finditer(converted)}
    already = {_norm_number(m.group(0)) for m in _ARABIC.finditer(text)}
    return frozenset(found - already - {"1"})


def numbers(text: str) -> set[str]:
    """Every number in `text`, normalised ("1,200" -> "1200", 七十六点五 -> "76.5");
    citation markers are not numbers."""
    plain = CITATION.sub(" ", text)
    found = {_norm_number(m.group(0)) for m in _ARABIC.finditer(plain)}
    return found | set(_chinese_numbers(plain))


@lru_cache(maxsize=1)
def _jieba_posseg():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)  # it logs its dictionary loading at INFO
    return jieba.posseg


_NAME_TAGS = {"nr", "nrfg", "nrt", "ns", "nt", "nz"}  # person, place, organisation, other proper noun


def chinese_names(text: str) -> set[str]:
    """Proper names in Chinese text (陕西, 李明), by jieba's part-of-speech tags.

    A segmenter is needed because Chinese writes no capitals and no spaces; jieba
    is the common one and runs offline from its bundled dictionary."""
    runs = CJK_RUN.findall(strip_citations(text))
    if not runs:
        return set()
    posseg = _jieba_posseg()
    return {w.word for run in runs for w in posseg.cut(run) if w.flag in _NAME_TAGS and len(w.word) >= 2}


def script_counts(text: str) -> tuple[int, int]:
    """(CJK characters, Latin letters) of the visible text."""
    visible = strip_citations(text)
    return len(CJK.findall(visible)), sum(len(w) for w in LATIN_WORD.findall(visible))


def foreign_runs(text: str, language: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Runs of the other script inside a text: Chinese in an English card, an
    English phrase in a Chinese one. `allowed` holds terms and names that may
    stand in either script (饕餮 in an English card, "Fu Hao" in a Chinese one).

    In a Chinese text a lone Latin word is usually a name, code or unit (CT, RMAA);
    a run of three or more Latin words is an English phrase."""
    visible = strip_citations(text)
    base = language.split("-")[0].lower()
    allowed_cf = {a.casefold() for a in allowed}
    runs: list[str] = []
    if base == "en":
        for run in CJK_RUN.findall(visible):
            rest = run
            for term in sorted(allowed, key=len, reverse=True):
                rest = rest.replace(term, "")
            if CJK.search(rest):
                runs.append(run)
    elif base == "zh":
        for m in re.finditer(r"[A-Za-z][A-Za-z'’\-]*(?:[ ,]+[A-Za-z][A-Za-z'’\-]*){2,}", visible):
            if m.group(0).casefold() not in allowed_cf:
                runs.append(m.group(0))
    return runs


# Capitalised words that are not names, or that open a sentence for grammar's sake.
NOT_NAMES = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "his",
        "her",
        "their",
        "our",
        "in",
        "on",
        "at",
        "of",
        "for",
        "from",
        "with",
        "by",
        "and",
        "but",
        "or",
        "as",
        "after",
        "before",
        "during",
        "when",
        "while",
        "although",
        "today",
        "here",
        "there",
        "visitors",
        "some",
        "many",
        "one",
        "two",
        "three",
        "each",
        "every",
        "both",
        "made",
        "key",
        "facts",
        # the kind labels of a fact given in its own words ("Material: iron.", generators.facts.compose)
        "date",
        "material",
        "place",
        "technique",
    }
)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+\b")


def english_names(sentence: str) -> list[str]:
    """Capitalised words that name something ("Anyang", "Fu"), minus a sentence's
    first word and the everyday words in NOT_NAMES. Citation markers are ignored."""
    body = CITATION.sub(" ", sentence)
    found = []
    for i, match in enumerate(_NAME.finditer(body)):
        word = match.group(0)
        if word.lower() in NOT_NAMES:
            continue
        if i == 0 and match.start() == len(body) - len(body.lstrip()):
            continue  # a sentence's first word is capitalised anyway
        if re.search(r"[·•]\s*$", body[: match.start()]):
            continue  # so is the first word of each item of a list on one line ("Diameter 22 cm · Thickness 5 mm")
        found.append(word)
    return found


def _units(text: str) -> list[str]:
    """Words for Latin text, characters for Chinese: the units repetition is counted in."""
    visible = strip_citations(text).casefold()
    return re.findall(r"[\u3400-\u9fff]|[a-z0-9'’]+", visible)


def repetition(text: str, n: int = 4) -> float:
    """Share of the text's n-grams (words, or CJK characters) that repeat an earlier one:
    0 for ordinary prose, towards 1 for a model caught in a loop."""
    units = _units(text)
    grams = [tuple(units[i : i + n]) for i in range(len(units) - n + 1)]
    if len(grams) < 2:
        return 0.0
    return 1 - len(set(grams)) / len(grams)


def most_repeated(items: list[str]) -> int:
    """How often the most frequent sentence or list item occurs (citations ignored)."""
    keys = [re.sub(r"\s+", " ", strip_citations(s)).strip().casefold() for s in items]
    counts = Counter(k for k in keys if k)
    return max(counts.values(), default=0)


LOOP_REPEATS = 3  # the same sentence or item three times is a loop, not emphasis
LOOP_SHARE = 0.5  # half the n-grams repeated


def is_loop(pieces: list[str]) -> bool:
    """A text whose sentences/items repeat (the "20 identical key facts" card)."""
    split = [s for p in pieces for s in (sentences(p) or [p])]
    return most_repeated(split) >= LOOP_REPEATS or repetition(" ".join(pieces)) >= LOOP_SHARE
