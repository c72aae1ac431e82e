"""Full-text search over passages, English and Chinese, on SQLite and PostgreSQL.

SQLite: FTS5 with BM25. FTS5's unicode61 tokenizer keeps a run of Chinese
characters as one token, so 青铜鼎 would only match the exact run. We index a
copy of each passage with every CJK character as its own token and turn a
Chinese query into a phrase of single characters: 饕餮 matches 饕餮纹 and 青铜鼎
matches inside a longer sentence, with BM25 still ranking by how often and how
densely they occur. English goes through the porter stemmer (bronzes → bronze).
User queries are quoted token by token, so FTS5 syntax in a query can never
error or inject.

PostgreSQL (a team project): the same behaviour from a `tsvector` the studio
builds itself (`passage_fts`, GIN-indexed). The tokens come from `terms()`,
which does what FTS5's tokenizer does (letters and digits, diacritics removed,
lower case, the porter stemmer, every CJK character its own token), so index
and query agree by construction and no PostgreSQL text-search configuration,
stop-word list or extension is involved ('and' stays a word, as in FTS5). A
query becomes a tsquery of quoted lexemes: `&` between words, `<->` between
the characters of a Chinese run. Ranking is BM25 (k1 1.2, b 0.75, FTS5's idf),
with a term's frequency in a passage taken from ts_rank_cd with unit weights
and no normalisation (which counts the occurrences of a lexeme or a phrase),
the passage's length stored beside its vector, and the collection figures
(passages, mean length, passages holding each term) read from the index and
kept for a minute.
"""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer
from sqlalchemy import text as sql
from sqlmodel import Session

from studio.text import CJK, CJK_CHAR

_CJK_RUN = re.compile(f"[{CJK}]+")
_TOKEN = re.compile(rf"[{CJK}]+|[^\s{CJK}]+")
_WORD = re.compile(r"\w+", re.UNICODE)

# PostgreSQL tokens: one CJK character, or a run of letters and digits (FTS5's
# unicode61 separates on everything else, the underscore included).
_PG_TERM = re.compile(rf"[{CJK}]|[^\W_{CJK}]+")
# The combining marks NFKD splits off accented letters (remove_diacritics).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MAX_TERM_BYTES = 2000  # PostgreSQL refuses a lexeme of 2 KB or more; such a "word" is no word anyway
_MAX_QUERY_PARTS = 32
K1, B = 1.2, 0.75  # BM25's usual constants, as FTS5 uses them
STATS_SECONDS = 60.0  # how long collection figures are reused (a minute late changes no ranking that matters)


@dataclass(frozen=True)
class Hit:
    passage_id: int
    source_id: int
    exhibit_id: int | None
    text: str
    score: float  # BM25: lower is better (FTS5's convention, kept on PostgreSQL)
    origin: str
    start_s: float | None = None
    end_s: float | None = None


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


# ------------------------------------------------------------------ indexing
def index_body(text: str) -> str:
    # One call per run of Chinese, not per character: 5x faster on Chinese text.
    return _CJK_RUN.sub(lambda m: " " + " ".join(m.group(0)) + " ", text)


_stemmers = threading.local()  # PyStemmer objects are not thread-safe


def _stem(words: list[str]) -> list[str]:
    stemmer = getattr(_stemmers, "porter", None)
    if stemmer is None:
        stemmer = _stemmers.porter = Stemmer.Stemmer("porter")
    return list(stemmer.stemWords(words))


def terms(text: str) -> list[str]:
    """The tokens of a text as the PostgreSQL index holds them, in order (one per position)."""
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    tokens = [t for t in _PG_TERM.findall(text.lower()) if len(t) < 500 or len(t.encode()) <= _MAX_TERM_BYTES]
    words = [t for t in tokens if not CJK_CHAR.match(t)]
    if not words:
        return tokens
    stemmed = iter(_stem(words))
    # The porter stemmer reduces a lone "s" to nothing; such a word stays as it is.
    return [t if CJK_CHAR.match(t) else (next(stemmed) or t) for t in tokens]


def _lexeme(term: str) -> str:
    # Terms hold letters and digits only; quoting stays correct whatever they hold.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(text: str) -> tuple[str, int]:
    """A passage as tsvector input (each term with its positions) and its length in terms."""
    positions: dict[str, list[int]] = {}
    found = terms(text)
    for at, term in enumerate(found, start=1):
        positions.setdefault(term, []).append(min(at, 16383))  # PostgreSQL's last position
    return " ".join(f"{_lexeme(t)}:{','.join(map(str, ps[:256]))}" for t, ps in positions.items()), len(found)


def index_passages(s: Session, passages: Iterable[tuple[int, str]]) -> None:
    """Index passages (id, text) in the caller's transaction."""
    rows = list(passages)
    if not rows:
        return
    if _dialect(s) == "postgresql":
        values = []
        for passage_id, text in rows:
            vector, length = tsvector_literal(text)
            values.append({"id": passage_id, "body": vector, "length": length})
        s.execute(
            sql("INSERT INTO passage_fts (passage_id, body, length) VALUES (:id, CAST(:body AS tsvector), :length)"),
            values,
        )
        _forget(s)
        return
    s.execute(
        sql("INSERT INTO passage_fts (rowid, body) VALUES (:id, :body)"),
        [{"id": passage_id, "body": index_body(text)} for passage_id, text in rows],
    )


def unindex_source(s: Session, source_id: int, origin: str | None = None) -> None:
    """Take a source's passages (of one origin) out of the index, before the passages themselves go."""
    where = "source_id = :source" + (" AND origin = :origin" if origin else "")
    key = "passage_id" if _dialect(s) == "postgresql" else "rowid"
    s.execute(
        sql(f"DELETE FROM passage_fts WHERE {key} IN (SELECT id FROM passages WHERE {where})"),
        {"source": source_id, "origin": origin},
    )
    if _dialect(s) == "postgresql":
        _forget(s)


def reindex_all(s: Session, batch: int = 2000) -> int:
    """Build the whole index again from the passages (a project moved between backends, or a
    repaired index); returns how many passages were indexed."""
    s.execute(sql("DELETE FROM passage_fts"))
    last, done = 0, 0
    while True:
        rows = s.execute(
            sql("SELECT id, text FROM passages WHERE id > :last ORDER BY id LIMIT :n"), {"last": last, "n": batch}
        ).all()
        if not rows:
            break
        index_passages(s, [(int(r[0]), str(r[1])) for r in rows])
        last, done = int(rows[-1][0]), done + len(rows)
    if _dialect(s) == "postgresql":
        _forget(s, everything=True)
    return done


# ------------------------------------------------------------------- queries
def match_expression(query: str) -> str:
    """Turn what a person typed into a safe FTS5 MATCH expression (all terms required)."""
    parts: list[str] = []
    for token in _TOKEN.findall(query):
        if CJK_CHAR.match(token):
            parts.append('"' + " ".join(token) + '"')
            continue
        for word in _WORD.findall(token):
            parts.append('"' + word.replace('"', '""') + '"')
    return " AND ".join(parts)


def tsquery_parts(query: str) -> list[str]:
    """What a person typed as PostgreSQL tsquery texts, one per required part: a
    word's lexeme, or a Chinese run as a phrase of its characters."""
    parts: list[str] = []
    for token in _TOKEN.findall(query):
        found = terms(token)
        if not found:
            continue
        if CJK_CHAR.match(token):
            parts.append(" <-> ".join(_lexeme(t) for t in found))
        else:
            parts.extend(_lexeme(t) for t in found)
    return list(dict.fromkeys(parts))[:_MAX_QUERY_PARTS]


def search(
    s: Session,
    query: str,
    exhibit_id: int | None = None,
    limit: int = 20,
    origins: tuple[str, ...] | None = None,
) -> list[Hit]:
    where: list[str] = []
    params: dict[str, object] = {"limit": int(limit)}
    if exhibit_id is not None:
        where.append("p.exhibit_id = :exhibit")
        params["exhibit"] = exhibit_id
    if origins:
        names = []
        for i, origin in enumerate(origins):
            params[f"o{i}"] = origin
            names.append(f":o{i}")
        where.append(f"p.origin IN ({', '.join(names)})")
    if _dialect(s) == "postgresql":
        return _search_postgres(s, query, where, params)
    expression = match_expression(query)
    if not expression:
        return []
    where.insert(0, "passage_fts MATCH :q")
    params["q"] = expression
    rows = s.execute(
        sql(
            "SELECT p.id, p.source_id, p.exhibit_id, p.text, bm25(passage_fts) AS score, p.origin, p.start_s, p.end_s "
            "FROM passage_fts JOIN passages p ON p.id = passage_fts.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY score LIMIT :limit"
        ),
        params,
    ).all()
    return [Hit(int(r[0]), int(r[1]), r[2], r[3], float(r[4]), r[5], r[6], r[7]) for r in rows]


def _search_postgres(s: Session, query: str, where: list[str], params: dict[str, object]) -> list[Hit]:
    parts = tsquery_parts(query)
    if not parts:
        return []
    docs, avg_length = _collection(s)
    frequencies, weights = [], []
    for i, part in enumerate(parts):
        params[f"p{i}"] = part
        # BM25's idf as FTS5 computes it (never below a tiny positive weight).
        df = _passages_holding(s, part)
        idf = max(math.log((docs - df + 0.5) / (df + 0.5)), 1e-6)
        params[f"w{i}"] = idf * (K1 + 1)
        frequencies.append(f"ts_rank_cd(CAST('{{1,1,1,1}}' AS real[]), f.body, CAST(:p{i} AS tsquery), 0) AS t{i}")
        weights.append(f"CAST(:w{i} AS float8) * tf.t{i} / (tf.t{i} + tf.norm)")
    params["q"] = " & ".join(f"({part})" for part in parts)
    params["k1"], params["b"], params["avg"] = K1, B, max(avg_length, 1.0)
    # float8 throughout (numeric arithmetic is several times slower per row), each frequency
    # computed once per passage (OFFSET 0 keeps the planner from copying the expressions into
    # the sort key), and the ranking done on the index table alone: passages is joined for the
    # `limit` winners only, unless a filter needs its columns.
    norm = (
        "CAST(:k1 AS float8) * (1 - CAST(:b AS float8) + CAST(:b AS float8) * f.length / CAST(:avg AS float8)) AS norm"
    )
    score = "-(" + " + ".join(weights) + ")"
    where.insert(0, "f.body @@ CAST(:q AS tsquery)")
    filtered = len(where) > 1
    rows = s.execute(
        sql(
            "WITH ranked AS ("
            f"SELECT f.passage_id, {score} AS score FROM passage_fts f "
            + ("JOIN passages p ON p.id = f.passage_id " if filtered else "")
            + f"CROSS JOIN LATERAL (SELECT {', '.join(frequencies)}, {norm} OFFSET 0) tf "
            f"WHERE {' AND '.join(where)} ORDER BY score, f.passage_id LIMIT :limit) "
            "SELECT p.id, p.source_id, p.exhibit_id, p.text, r.score, p.origin, p.start_s, p.end_s "
            "FROM ranked r JOIN passages p ON p.id = r.passage_id ORDER BY r.score, p.id"
        ),
        params,
    ).all()
    return [Hit(int(r[0]), int(r[1]), r[2], r[3], float(r[4]), r[5], r[6], r[7]) for r in rows]


# The collection figures BM25 needs, per database: counting them on every query
# would cost more than the query on a large project.
_figures_lock = threading.Lock()
_collections: dict[str, tuple[float, int, float]] = {}  # database -> (when, passages, mean length)
_holding: dict[tuple[str, str], tuple[float, int]] = {}  # (database, query part) -> (when, passages)


def _key(s: Session) -> str:
    return str(s.get_bind().engine.url)


STABLE_PASSAGES = 10_000  # from this size one import moves no figure enough to change a ranking


def _forget(s: Session, *, everything: bool = False) -> None:
    """This process changed the index: a small project's figures are read again next time
    (a first import changes them wholly); a large one's wait for their minute, so a
    workstation that imports and searches does not recount 100,000 passages each time."""
    key = _key(s)
    with _figures_lock:
        entry = _collections.get(key)
        if entry is not None and entry[1] >= STABLE_PASSAGES and not everything:
            return
        _collections.pop(key, None)
        for stale in [k for k in _holding if k[0] == key]:
            del _holding[stale]


def _fresh(when: float) -> bool:
    return time.monotonic() - when <= STATS_SECONDS


def _collection(s: Session) -> tuple[int, float]:
    key = _key(s)
    with _figures_lock:
        entry = _collections.get(key)
    if entry is not None and _fresh(entry[0]):
        return entry[1], entry[2]
    row = s.execute(sql("SELECT count(*), coalesce(avg(length), 0) FROM passage_fts")).one()
    docs, avg = int(row[0]), float(row[1])
    with _figures_lock:
        _collections[key] = (time.monotonic(), docs, avg)
    return docs, avg


def _passages_holding(s: Session, part: str) -> int:
    key = (_key(s), part)
    with _figures_lock:
        entry = _holding.get(key)
        if len(_holding) > 10_000:  # a long-running app forgets old queries' figures
            _holding.clear()
    if entry is not None and _fresh(entry[0]):
        return entry[1]
    found = int(
        s.execute(sql("SELECT count(*) FROM passage_fts WHERE body @@ CAST(:p AS tsquery)"), {"p": part}).scalar() or 0
    )
    with _figures_lock:
        _holding[key] = (time.monotonic(), found)
    return found


def highlight(text: str, query: str, start: str = "«", end: str = "»") -> str:
    """Mark the query's terms in a passage (for CLI output and the review view)."""
    tokens = [t for t in _TOKEN.findall(query) if t.strip()]
    words: list[str] = []
    for t in tokens:
        words.extend([t] if CJK_CHAR.match(t) else _WORD.findall(t))
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(lambda m: f"{start}{m.group(0)}{end}", text)
