"""What a sentence says that its facts do not: the words a writer added.

Composition asks a model for visitor sentences from approved facts; a small
model readily adds what it knows or imagines inside a sentence ("the Northern
Song dynasty, which spanned from 960 to 1279 AD"). `compare` sets a sentence's
words against the texts it may draw on (the facts' claims and quotes, the
exhibit's name) and sorts what none of them holds into two piles:

- *strict*: what carries a claim by itself: numbers (by value: 1976 = 一九七六),
  names and dates (capitalised English words; jieba's name and time words for
  Chinese: 陕西, 西周, 明代), number words ("forty", "third"), glossary terms,
  materials, and words of degree ("valuable", "rarest", 最, 珍贵). One of these
  is always an addition: "Kangxi", "1850" or "jade" must come from a fact.
- *loose*: any other content word, stemmed (Snowball, PyStemmer, the stemmer
  team search already uses) so "cast" and "casting" are one word, after
  leaving out function words and the framing a visitor sentence needs ("made",
  "displayed", "museum"). Chinese is cut into words by jieba first.

A writer may join facts with a few words of its own ("This tureen *served*
at feasts"): a sentence may have up to `allowance` loose words the evidence
lacks (`LOOSE_ALLOWANCE`); past that every loose word counts as added. The
earlier check (compose-3) counted every unknown word and character, and the
models kept 3 of 29 of their sentences; this one still refuses every number,
name, date, place, material and term the facts do not hold.

The same comparison with no allowance tells a curator when an edited fact no
longer says what its passage says (`added_content`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

from generators.citations import strip_citations
from generators.text_measures import chinese_names, english_names, numbers

_WORD = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ'’\-]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")

# Loose words a sentence may add to its facts before they count: enough to join a
# fact into a sentence ("served", "feasts"), too few to add a clause of background.
LOOSE_ALLOWANCE = 2

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
# Words that make a claim of degree or rank on their own: never a harmless joining word.
DEGREE_EN = frozenset(
    """
valuable invaluable priceless precious rare rarest unique famous renowned celebrated important significant
finest best greatest largest oldest earliest biggest smallest only masterpiece treasure exquisite
masterpieces treasures beautiful beautifully exquisitely stunning magnificent elegant splendid remarkable superb
outstanding impressive extraordinary exceptional striking gorgeous lovely wonderful marvellous marvelous perfect
perfectly breathtaking iconic legendary prized prestigious skilful skillful skilfully skillfully
""".split()
)
NUMBER_WORDS_EN = frozenset(
    """
two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen
nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions
billion first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth
fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first dozen dozens pair
""".split()
)
# Characters that carry grammar or framing, not content, in a Chinese visitor sentence.
FRAMING_ZH = frozenset(
    "的了是在和与及或也就都而之其于把被对从向为这那着件个种此该由以所有已曾中上下约用作成制造"
    "它们我你他她并且但即又再很更每各些者得地过来去到把给让使将会能可要需见看展品物器"
)
FRAMING_WORDS_ZH = frozenset(
    [
        "年代",
        "时代",
        "朝代",
        "时期",
        "博物馆",
        "展出",
        "展示",
        "陈列",
        "观众",
        "这件",
        "一件",
        "件",
        "展品",
        "藏品",
        "作品",
    ]
)
# Value judgements the museum's facts make or do not: "这件青铜器的铭文四十一字非常精美" passed
# as two loose words within the allowance, and the passage says nothing of beauty.
DEGREE_ZH = (
    "最",
    "唯一",
    "珍贵",
    "著名",
    "罕见",
    "稀有",
    "无价",
    "瑰宝",
    "杰作",
    "精品",
    "价值",
    "精美",
    "精致",
    "精湛",
    "精巧",
    "精妙",
    "精良",
    "美丽",
    "华丽",
    "华美",
    "优美",
    "绚丽",
    "完美",
    "独特",
    "非凡",
    "卓越",
    "杰出",
    "宝贵",
    "国宝",
    "珍品",
    "巧夺天工",
    "栩栩如生",
    "非常",
    "极其",
    "极为",
)
# Words for a whole class of materials. Each is a material word of its own: a sentence may use
# one only where its facts do. 陶瓷 (ceramic) is true of stoneware, but "这件陶瓷的高度为二十六厘米"
# for the stoneware ewer's height was unsupported (its passage says 炻器, never 陶瓷): until round 6
# the class word passed wherever the evidence named a member.
GENERIC_MATERIALS_EN = frozenset({"ceramic", "ceramics", "pottery", "clay"})
GENERIC_MATERIALS_ZH = ("陶瓷", "陶器", "瓷器")
# Numerals are compared by value (一九八七 = 1987), not character by character.
_NUMERALS_ZH = frozenset("零〇一二三四五六七八九十百千万亿两点年")
# jieba's tags for names, places, organisations, other proper nouns, and time words (西周, 明代).
_STRICT_TAGS_ZH = frozenset({"nr", "nrfg", "nrt", "ns", "nt", "nz", "t", "m"})

_stemmers = threading.local()  # PyStemmer objects are not thread-safe


def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word.lower().replace("’", "'").removesuffix("'s")))


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text) if w.lower() not in FRAMING_EN and len(w) > 1}


def _known(word: str, known: set[str]) -> bool:
    if word in known:
        return True
    # "China"/"Chinese", "decorate"/"decoration": one begins the other and they share 5 letters.
    return len(word) >= 5 and any(len(k) >= 5 and (k.startswith(word[:5]) and word.startswith(k[:5])) for k in known)


@lru_cache(maxsize=1)
def _materials() -> tuple[frozenset[str], tuple[str, ...]]:
    """The material vocabulary extraction uses (English words, Chinese words)."""
    from generators.facts.rules import MATERIALS

    return (
        frozenset(w for _k, en, _zh in MATERIALS for w in en) | GENERIC_MATERIALS_EN,
        tuple(dict.fromkeys([*(w for _k, _en, zh in MATERIALS for w in zh), *GENERIC_MATERIALS_ZH])),
    )


def _cut(text: str) -> list[tuple[str, str]]:
    """Chinese words and their jieba tags (jieba: the segmenter the quality figures use)."""
    from generators.text_measures import _jieba_posseg

    posseg = _jieba_posseg()
    return [(w.word, w.flag) for run in _CJK_RUN.findall(text) for w in posseg.cut(run)]


def content_words_zh(text: str) -> set[str]:
    """The Chinese words of `text` that carry content, as one would look them up in a
    passage: jieba's words without function words, framing (它, 以, 这件, 制成, 用于, 年代)
    and bare numerals (numbers are compared by value elsewhere), each with framing
    characters trimmed from its end, so 青铜器 is looked up as 青铜 and 酒器 as 酒.
    Only the end: a leading 中 or 上 belongs to the word (中国, 上海)."""
    out: set[str] = set()
    for word, _tag in _cut(text):
        if word in FRAMING_WORDS_ZH or all(c in FRAMING_ZH or c in _NUMERALS_ZH for c in word):
            continue
        out.add(word.rstrip(_FRAMING_ZH_CHARS))
    return out


_FRAMING_ZH_CHARS = "".join(sorted(FRAMING_ZH))


@dataclass
class Comparison:
    """What a sentence has that its evidence lacks: `strict` (claims by themselves) and `loose` (other words)."""

    strict: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)

    def added(self, allowance: int = LOOSE_ALLOWANCE) -> list[str]:
        """Everything that counts as added: every strict item, and the loose words once there are more than `allowance`."""
        return self.strict + (self.loose if len(self.loose) > allowance else [])

    def _put(self, pile: list[str], item: str) -> None:
        if item not in self.strict and item not in self.loose:
            pile.append(item)


def compare(
    text: str, evidence: Sequence[str], free: Iterable[str] = (), terms: Iterable[Sequence[str]] = ()
) -> Comparison:
    """Sort what `text` (citation markers ignored) has that neither `evidence` nor
    `free` (words any sentence may use: the exhibit's name) holds into strict and loose.
    `terms` are glossary entries (all spellings of one term): a term is strict, and
    known when any of its spellings is in the evidence."""
    body = strip_citations(text)
    pool = " ".join([*evidence, *free])
    lowered = pool.lower()
    out = Comparison()
    for number in sorted(numbers(body) - numbers(pool), key=body.find):
        out._put(out.strict, number)
    names = english_names(body)
    for name in names:
        if name.lower() not in lowered:
            out._put(out.strict, name)
    glossary_words: set[str] = set()
    for entry in terms:
        forms = [f for f in entry if f]
        said = [f for f in forms if _says(body, f)]
        glossary_words |= {w.lower() for f in forms for w in _WORD.findall(f)}
        if said and not any(_says(pool, f) for f in forms):
            out._put(out.strict, said[0])
    materials_en, materials_zh = _materials()
    known = _words(pool)
    for match in _WORD.finditer(body):
        word = match.group(0)
        low = word.lower()
        if low in FRAMING_EN or len(word) < 2 or word in names or low in glossary_words:
            continue  # a name was judged above, a glossary term by its entry
        if _known(_stem(word), known):
            continue
        if low in DEGREE_EN or low in NUMBER_WORDS_EN or low in materials_en or low.endswith("est"):
            out._put(out.strict, word)
        else:
            out._put(out.loose, word)
    if _CJK.search(body):
        _compare_chinese(body, pool, out, materials_zh)
    return out


def _says(text: str, form: str) -> bool:
    if _CJK.search(form):
        return form in text
    return re.search(rf"(?<![A-Za-z]){re.escape(form)}(?![A-Za-z])", text, re.IGNORECASE) is not None


def _compare_chinese(body: str, pool: str, out: Comparison, materials: Sequence[str]) -> None:
    for name in sorted(chinese_names(body)):
        if name not in pool:
            out._put(out.strict, name)
    chars = set(pool)
    for word, tag in _cut(body):
        if word in pool or word in FRAMING_WORDS_ZH:
            continue
        rest = word
        content = [c for c in rest if c not in FRAMING_ZH and c not in _NUMERALS_ZH]
        if not content:
            continue
        spelled = all(c in chars for c in content)  # its characters are all in the evidence (a paraphrase)
        if any(d in word for d in DEGREE_ZH) or any(m in rest and m not in pool for m in materials):
            out._put(out.strict, word)
        elif spelled:
            continue
        elif word.endswith(("代", "朝")) or (tag in _STRICT_TAGS_ZH and len(word) >= 2):
            out._put(out.strict, word)
        else:
            out._put(out.loose, word)


# What happened to an object at a date. A year on its own says nothing of it: the golden gui
# was excavated in 1976, and the 1.5B wrote "It was cast in 1976" for the fact "1976". Where
# a fact names its event, a sentence for it may name no other (`other_events`), and a sentence
# for a dated fact must keep its event (`keeps_event`). Each class holds one event in both
# scripts, so a translation is judged by its event: 出土 is "Excavated in 1976", and "made in
# 1988" is not 一九八八年…入藏 (the 1.5B's English lacquer card).
EVENT_CLASSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "made": (
        ("made", "make", "cast", "created", "produced", "crafted", "manufactured", "built", "fired", "commissioned"),
        ("制作", "制造", "铸造", "铸成", "烧制", "烧造", "刻成"),
    ),
    "found": (("excavated", "unearthed", "found", "discovered", "dug"), ("出土", "发掘", "发现")),
    # Coming into a collection, and the ways it does: "acquired" (入藏) is true of a purchase, a gift or a
    # transfer (`_GENERAL_EVENTS`), but "donated" is not true of 转让入藏 (transferred).
    "acquired": (("acquired", "collected"), ("入藏", "收藏", "征集")),
    "bought": (("bought", "purchased"), ("购得", "购入", "购藏")),
    "donated": (("donated", "given", "bequeathed"), ("捐赠", "捐献")),
    "transferred": (("transferred",), ("转让",)),
    "repaired": (("restored", "repaired"), ("修复",)),
    "exhibited": (("exhibited",), ("展出",)),
    "published": (("published",), ("发表", "出版")),
    "painted": (("painted",), ("绘制",)),
    "carved": (("carved",), ("雕刻",)),
    "inscribed": (("inscribed",), ("铭刻",)),
}
EVENTS_EN = frozenset(_stem(w) for en, _zh in EVENT_CLASSES.values() for w in en)
EVENTS_ZH = tuple(dict.fromkeys(w for _en, zh in EVENT_CLASSES.values() for w in zh))
_GENERAL_EVENTS = {"acquired": frozenset({"bought", "donated", "transferred"})}
_EVENT_CLASS: dict[str, set[str]] = {}
for _name, (_en, _zh) in EVENT_CLASSES.items():
    for _w in (*(_stem(w) for w in _en), *_zh):
        _EVENT_CLASS.setdefault(_w, set()).add(_name)


_MATERIAL_FRAME = re.compile(r"\bmade\s+(?:of|from|out\s+of)\b", re.IGNORECASE)


def _events_at(text: str) -> list[tuple[int, int, str]]:
    """(start, end, event) of each event `text` names."""
    # "made of bronze" names a material, not an event (the 0.5B's "It is made of bronze and is
    # excavated in 1976" was refused for "made" beside "Excavated in 1976").
    body = _MATERIAL_FRAME.sub(lambda m: " " * len(m.group(0)), text)
    found = [(m.start(), m.end(), stem) for m in _WORD.finditer(body) if (stem := _stem(m.group(0))) in EVENTS_EN]
    for word in EVENTS_ZH:
        found += [(m.start(), m.end(), word) for m in re.finditer(re.escape(word), body)]
    return found


def events(text: str) -> set[str]:
    """The events a text names (stemmed English words, Chinese words)."""
    return {e for _s, _e, e in _events_at(strip_citations(text))}


def same_event(event: str, own: Iterable[str]) -> bool:
    """Is `event` one of `own`: the same word, or the same event in the other script (出土 for
    "excavated"). Within one script another word is another claim ("made" for "cast")."""
    zh = bool(_CJK.search(event))
    mine = _EVENT_CLASS.get(event, set())
    implied = set(mine)
    for general, kinds in _GENERAL_EVENTS.items():
        if general in mine:
            implied |= kinds  # "acquired" for 购入 (bought): the general word is true of the particular event
    return any(event == o or (bool(_CJK.search(o)) != zh and implied & _EVENT_CLASS.get(o, set())) for o in own)


def other_events(text: str, evidence: Sequence[str], context: Iterable[str] = ()) -> list[str]:
    """Events `text` names that are not its evidence's, when the evidence (or `context`: the
    events its passage ties the fact to, `events_near`) names one."""
    own = events(" ".join(evidence)) | set(context)
    return sorted(e for e in events(text) if not same_event(e, own)) if own else []


def keeps_event(text: str, own: Iterable[str]) -> bool:
    """Does `text` name one of a dated fact's events `own` (or is there none to keep)? "它属于
    一九七六年" for a year its passage says the gui was excavated in does not."""
    wanted = set(own)
    return not wanted or any(same_event(e, wanted) for e in events(text))


# Where a clause of a passage ends: a quote's event is looked for within its clause only
# ("一九八八年由苏州一位收藏家转让入藏。" holds the lacquer box's 1988 and what happened then).
_CLAUSE_END = re.compile(r"[。；;！？!?\n，,]|\.(?=\s|$)")


def clauses_of(anchors: Iterable[str], passages: Sequence[str]) -> list[tuple[str, int, int]]:
    """(clause, where the anchor starts in it, where it ends) for each anchor (a fact's quote or
    claim) found in a passage, the first place it is found."""
    out: list[tuple[str, int, int]] = []
    for anchor in dict.fromkeys(a.strip() for a in anchors if a and a.strip()):
        for passage in passages:
            at = passage.find(anchor)
            if at < 0:
                continue
            start = max((m.end() for m in _CLAUSE_END.finditer(passage, 0, at)), default=0)
            stop = _CLAUSE_END.search(passage, at + len(anchor))
            end = stop.start() if stop else len(passage)
            out.append((passage[start:end], at - start, at - start + len(anchor)))
            break
    return out


def events_near(anchors: Iterable[str], passages: Sequence[str]) -> set[str]:
    """The event each anchor (a dated fact's quote or claim) is tied to in its passage: the one
    nearest it within its clause (for "made in 1850 and acquired in 1983", 1983 was acquired)."""
    out: set[str] = set()
    for clause, start, end in clauses_of(anchors, passages):
        found = _events_at(clause)
        if not found:
            continue
        far = [max(0, s - end, start - e) for s, e, _w in found]
        out |= {w for (_s, _e, w), d in zip(found, far, strict=True) if d == min(far)}
    return out


# Techniques a sentence may name only where its facts (or the clause of the passage they were
# read from) name them, in either script: the 0.5B wrote "painted with the name of the workshop"
# for a mark that was stamped. Verbs, not the nouns a thing is called by ("this painting").
TECHNIQUES_EN: dict[str, tuple[str, ...]] = {
    "paint": ("paint", "painted", "paints"),
    "carve": ("carve", "carved", "carves"),
    "incise": ("incise", "incised", "incising"),
    "cast": ("cast", "casts"),
    "stamp": ("stamp", "stamped", "stamps"),
    "inlay": ("inlay", "inlaid", "inlays"),
    "gild": ("gild", "gilded", "gilt", "gilding"),
    "mould": ("mould", "moulded", "mold", "molded"),
    "engrave": ("engrave", "engraved"),
    "embroider": ("embroider", "embroidered"),
    "weave": ("weave", "woven"),
}
TECHNIQUES_ZH: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"绘(?!画)"), frozenset({"paint"})),
    (re.compile(r"雕"), frozenset({"carve"})),
    (re.compile(r"(?<![深立时此片顷即])刻(?![画意苦板])"), frozenset({"carve", "incise", "engrave"})),
    (re.compile(r"划花|錾"), frozenset({"incise"})),
    (re.compile(r"镌"), frozenset({"engrave"})),
    (re.compile(r"铸"), frozenset({"cast"})),
    (re.compile(r"印(?![象度刷])|戳"), frozenset({"stamp"})),
    (re.compile(r"镶|嵌|错金|错银"), frozenset({"inlay"})),
    (re.compile(r"鎏金|贴金|描金|泥金"), frozenset({"gild"})),
    (re.compile(r"模印|模制|范铸"), frozenset({"mould"})),
    (re.compile(r"绣"), frozenset({"embroider"})),
    (re.compile(r"(?<!组)织"), frozenset({"weave"})),
)
_TECHNIQUE_OF_EN = {w: name for name, words in TECHNIQUES_EN.items() for w in words}


def techniques(text: str) -> list[tuple[str, frozenset[str]]]:
    """The technique words of `text` and what each may mean (刻 is carved, incised or engraved)."""
    body = strip_citations(text)
    found = [
        (w, frozenset({_TECHNIQUE_OF_EN[w.lower()]})) for w in _WORD.findall(body) if w.lower() in _TECHNIQUE_OF_EN
    ]
    return found + [(m.group(0), kinds) for pattern, kinds in TECHNIQUES_ZH for m in pattern.finditer(body)]


def techniques_not_in(text: str, evidence: Sequence[str]) -> list[str]:
    """The technique words of `text` that none of `evidence` names in either script."""
    have: set[str] = set().union(*(kinds for _w, kinds in techniques(" ".join(evidence))))
    return list(dict.fromkeys(w for w, kinds in techniques(text) if not kinds & have))


def added_content(text: str, evidence: Sequence[str], allowed: Iterable[str] = (), *, allowance: int = 0) -> list[str]:
    """The numbers, names and content words of `text` that none of `evidence` holds,
    in the order they occur, each once; loose words count once there are more than
    `allowance` of them (none by default: an edited fact may add nothing). `allowed`
    are further words that may appear freely (the exhibit's name)."""
    return compare(text, evidence, allowed).added(allowance)


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


# The measure of whether a cited passage supports a sentence: the harness's "supported" figure
# (generators.quality.drafts.supports) and the weak_support flag (generators.checks) both use it,
# and composition keeps no sentence that fails it (compose.unsupported_by_passages), so what the
# flag and the figure call unsupported is never kept by construction. It is lexical: it tells a
# sentence whose words are not its passage's, not one whose words are there in a false relation
# (that is what `other_events`, `techniques_not_in` and the vocabulary checks are for).
_SUPPORT_WORD = re.compile(r"[A-Za-z0-9À-ɏ'’]+")
_LATIN = re.compile(r"[A-Za-z]")
SUPPORT_MIN = 0.34  # share of a sentence's content words found in what it cites
_SUPPORT_STOPWORDS = frozenset(
    """
a about above after again against all also among an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just more most much must my no nor not now of off on
once only or other our out over own same she should so some such than that the their them then there these
they this those through to too under until up upon very was we were what when where which while who whom why
will with would you your one two three
""".split()
)


def _crude_stem(word: str) -> str:
    """Crude suffix stripping: enough for "cast"/"casting", "mask"/"masks"."""
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _support_words(text: str) -> set[str]:
    return {_crude_stem(w) for w in _SUPPORT_WORD.findall(text) if len(w) > 2 and w.lower() not in _SUPPORT_STOPWORDS}


def support_share(body: str, evidence: str) -> float | None:
    """Share of the content words of `body` (a sentence, citation markers removed)
    that `evidence` holds; None when the two cannot be compared: different scripts,
    too little evidence, or too few words to judge.

    English: stemmed words outside the stopwords, judged from 3 of them. Chinese:
    jieba's words outside function words and framing (它, 以, 这件, 制成, 用于; the
    lists composition's own check uses, `content_words_zh`), each judged by itself,
    so "它以青铜制成" is one claim, 青铜, and is supported by a passage with 青铜 in it,
    and "它于明代制成" is one claim, 明代, that a passage about the Western Zhou lacks.
    Until 28 November 2026 Chinese was compared by character pairs, and pairs that
    straddle words (它以, 以青, 铜制) are in no passage, so a true one-fact sentence
    read as unsupported."""
    if len(_CJK.findall(body)) * 4 > len(_LATIN.findall(body)):
        if len(_CJK.findall(evidence)) < 10:
            return None
        words = content_words_zh(body)
        if not words:
            return None
        # A word counts when the evidence has it as a run of characters: 青铜 (or 青铜器,
        # whose framing 器 content_words_zh trims) in "以青铜铸成". Not when its characters
        # are merely all somewhere in the evidence: Chinese characters are few and each
        # is in many words, so 明 and 代 are in any passage with 说明 and 年代, while 明代
        # is a claim. That scattering is what made character pairs wrong the other way.
        return sum(1 for w in words if w in evidence) / len(words)
    if len(_LATIN.findall(evidence)) < 40:
        return None
    mine = _support_words(body)
    if len(mine) < 3:
        return None
    return len(mine & _support_words(evidence)) / len(mine)


# Names and terms with a known translation: dynasties and reigns (generators.facts.chinese),
# materials (rules.MATERIALS and the class words), the glossary's entries spelled in both
# scripts. A sentence translated from facts in another script can be checked by these alone
# (and by its numbers, events and techniques): a term it names must be its facts', and a term
# its facts' claims name must be in it.
@dataclass(frozen=True)
class Term:
    en: tuple[str, ...]
    zh: tuple[str, ...]
    years: tuple[int, int] | None = None  # a period's: a reign implies the dynasty it falls within


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[Term, ...]:
    from generators.facts.chinese import PERIODS
    from generators.facts.rules import MATERIALS

    return (
        *(Term(p.en, p.zh, (p.start, p.end)) for p in PERIODS),
        *(Term(en, (*zh, *_MORE_ZH.get(key, ()))) for key, en, zh in MATERIALS),
        Term(("ceramic", "ceramics"), ("陶瓷",)),
    )


# Chinese writes wood and lacquer inside other words (木胎 wood core, 松木 pine, 剔红 carved red
# lacquer, 髹漆): an English "made of wood" for 木胎剔红 is the fact's, not an addition (the 1.5B's
# lacquer card). Extraction's vocabulary keeps its own, stricter forms (a material fact needs more).
_MORE_ZH: dict[str, tuple[str, ...]] = {"wood": ("木",), "lacquer": ("漆", "剔红")}


def _terms_in(text: str, vocabulary: Sequence[Term]) -> set[int]:
    """The vocabulary entries `text` names, the longest form first, each place once ("Northern Song
    dynasty" is Northern Song, not also Song; 北宋 is not 宋)."""
    forms = sorted(((f, i) for i, t in enumerate(vocabulary) for f in (*t.en, *t.zh) if f), key=lambda x: -len(x[0]))
    taken = [False] * len(text)
    found: set[int] = set()
    for form, i in forms:
        pattern = re.escape(form) if _CJK.search(form) else rf"(?<![A-Za-z]){re.escape(form)}(?![A-Za-z])"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            if not any(taken[m.start() : m.end()]):
                taken[m.start() : m.end()] = [True] * (m.end() - m.start())
                found.add(i)
    return found


def translation_faults(
    text: str,
    claims: Sequence[str],
    evidence: Sequence[str],
    free: Iterable[str] = (),
    terms: Iterable[Sequence[str]] = (),
) -> list[str]:
    """What can be checked exactly of a sentence written from facts in another script: every
    dynasty, reign, material or two-script glossary term it names is its facts' (a dynasty may
    be the one a named reign falls within: the Wanli reign is Ming), one at least of those the
    facts' claims name is in it, and it makes no value judgement and names no one (a capitalised name or a
    Chinese proper name) that neither the vocabulary nor the exhibit's name can vouch for."""
    body = strip_citations(text)
    vocabulary = [
        *_vocabulary(),
        *(
            Term(tuple(f for f in e if f and not _CJK.search(f)), tuple(f for f in e if f and _CJK.search(f)))
            for e in terms
            if any(_CJK.search(f) for f in e if f) and any(f and not _CJK.search(f) for f in e)
        ),
    ]
    said, held, stated = (_terms_in(t, vocabulary) for t in (body, " ".join(evidence), " ".join(claims)))
    zh = bool(_CJK.search(body))
    out: list[str] = []
    for i in sorted(said - held):
        years = vocabulary[i].years
        within = years is not None and any(
            (h := vocabulary[j].years) is not None and years[0] <= h[0] and h[1] <= years[1] for j in held
        )
        if not within:
            out.append((vocabulary[i].zh if zh else vocabulary[i].en or vocabulary[i].zh)[0])
    if stated and not stated & said:  # one of them at least: 木胎剔红 is wood and lacquer, and may be said as either
        forms = [(vocabulary[i].zh if zh else vocabulary[i].en) or vocabulary[i].en for i in sorted(stated)]
        out.append("leaves out " + " / ".join(f[0] for f in forms if f))
    known = " ".join(f for t in vocabulary for f in (*t.en, *t.zh)).lower() + " " + " ".join(free).lower()
    names = english_names(body) + sorted(chinese_names(body))
    out += [n for n in names if n.lower() not in known]
    out += [w for w in _WORD.findall(body) if w.lower() in DEGREE_EN] + [d for d in DEGREE_ZH if d in body]
    return out
