"""What a sentence says that its facts do not: the words a writer added.

Composition asks a model for one sentence per fact; a small model readily adds
what it knows or imagines inside that sentence ("the Northern Song dynasty,
which spanned from 960 to 1279 AD"). `added_content` compares the sentence's
numbers, names and content words with the texts it may draw on (the facts'
claims and quotes, the exhibit's name, the glossary) and returns what none of
them holds. The same comparison tells a curator when an edited fact no longer
says what its passage says.

English is compared word by word (with crude suffix stripping, so "cast" and
"casting" are one word) after leaving out function words and the few framing
words a visitor sentence needs ("made", "used", "shows"). Chinese has no spaces:
it is compared character by character, leaving out function characters, so a
character that appears in no evidence is new content. This errs towards
flagging: a flagged sentence is regenerated or replaced by the facts
themselves, which is never wrong, only plainer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from generators.citations import strip_citations
from generators.text_measures import chinese_names, english_names, numbers

_WORD = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ'’\-]*")
_CJK = re.compile(r"[\u3400-\u9fff]")

# Function words and the framing a visitor sentence needs to state a fact at all.
FRAMING_EN = frozenset(
    """
a about above after again against all also among an and any are around as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he her
here hers him his how i if in into is it its itself just more most much must my no nor not now of off on once only
or other our out over own same she should so some such than that the their them then there these they this those
through to too under until up upon very was we were what when where which while who whom why will with would you
your one ago approximately roughly circa c ca nearly almost
made make makes making used use uses using shows show showing shown known called named came come comes dates dated
date dating measures measure measuring weighs weigh weighing stands stand high wide long tall deep object objects
piece item visitors visitor see seen here today still once example
display displayed museum part
""".split()
)
# Characters that carry grammar or framing, not content, in a Chinese visitor sentence.
FRAMING_ZH = frozenset(
    "的了是在和与及或也就都而之其于把被对从向为这那着件个种此该由以所有已曾中上下约用作成制造"
    "它们我你他她并且但即又再很更最每各些者得地过来去到把给让使将会能可要需见看展品物器"
)
# Numerals are compared by value (一九八七 = 1987), not character by character.
_NUMERALS_ZH = frozenset("零〇一二三四五六七八九十百千万亿两点年")


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text) if w.lower() not in FRAMING_EN and len(w) > 1}


def _known(word: str, known: set[str]) -> bool:
    if word in known:
        return True
    # "China"/"Chinese", "decorate"/"decoration": one begins the other and they share 5 letters.
    return len(word) >= 5 and any(len(k) >= 5 and (k.startswith(word[:5]) and word.startswith(k[:5])) for k in known)


def added_content(text: str, evidence: Sequence[str], allowed: Iterable[str] = ()) -> list[str]:
    """The numbers, names and content words of `text` (citation markers ignored)
    that none of `evidence` holds, in the order they occur, each once. `allowed`
    are further words that may appear freely (glossary terms, the exhibit's name)."""
    body = strip_citations(text)
    pool = " ".join([*evidence, *allowed])
    out: list[str] = []

    def add(item: str) -> None:
        if item not in out:
            out.append(item)

    have_numbers = numbers(pool)
    for number in numbers(body):
        if number not in have_numbers:
            add(number)
    lowered = pool.lower()
    for name in english_names(body):
        if name.lower() not in lowered:
            add(name)
    known = _words(pool)
    for match in _WORD.finditer(body):
        word = match.group(0)
        if word.lower() in FRAMING_EN or len(word) < 2:
            continue
        if not _known(_stem(word), known) and word not in out:
            add(word)
    if _CJK.search(body):
        for name in sorted(chinese_names(body)):
            if name not in pool:
                add(name)
        run = ""
        for ch in body + " ":
            if _CJK.match(ch) and ch not in pool and ch not in FRAMING_ZH and ch not in _NUMERALS_ZH:
                run += ch
                continue
            if run:
                add(run)
                run = ""
    return out


def shares_content(text: str, claim: str) -> bool:
    """Does `text` say anything of `claim`: one of its content words (English) or
    content characters (Chinese)? A claim with no content words is shared trivially."""
    body = strip_citations(text)
    mine = {c for c in claim if _CJK.match(c) and c not in FRAMING_ZH and c not in _NUMERALS_ZH}
    words = _words(claim)
    if not mine and not words:
        return True
    if mine & set(body):
        return True
    have = _words(body)
    return any(_known(w, have) for w in words)


def same_script(text: str, language: str) -> bool:
    """Is `text` written in the script of `language` (Chinese characters for zh)?"""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return (cjk * 3 > latin) == language.startswith("zh")
