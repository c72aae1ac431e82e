"""Full-text search over passages: BM25, English (porter) and Chinese (per-character phrases).

Every test runs on SQLite (FTS5) and on PostgreSQL (the studio's tsvector, studio/search.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import search
from studio.exhibits import create_exhibit
from studio.models import Source
from studio.passages import PassageText, replace_passages
from studio.project import Project

PASSAGES = {
    "ding_en": "The bronze ding stands on three legs; a taotie mask spreads across its belly.",
    "bronze_many": "Bronze, bronze and more bronze: the bronze workshop cast bronze vessels in piece moulds.",
    "bowl_en": "The celadon bowl from the Longquan kilns has a crackled sea-green glaze.",
    "ding_zh": "这件青铜鼎铸造于商代晚期，器身饰有饕餮纹，三足稳立。",
    "taotie_zh": "饕餮是传说中的猛兽，饕餮纹常见于商周青铜器。",
    "bowl_zh": "龙泉窑青瓷碗，釉色青翠，开片自然。",
    "scattered_zh": "青铜器上的铭文记录了一只鼎的来历。",  # 青铜 and 鼎, but not 青铜鼎
    "mixed": "The taotie (饕餮) motif appears on Shang bronzes.",
}


def add_sources(project: Project, texts: dict[str, str], exhibit_id: int | None = None) -> dict[str, int]:
    """One source per text, indexed through the real passage code; returns passage ids by key."""
    ids: dict[str, int] = {}
    with project.session() as s:
        for key, text in texts.items():
            sha = hashlib.sha256(f"{exhibit_id}:{key}".encode()).hexdigest()
            source = Source(kind="text", filename=f"{key}.txt", media_sha256=sha, text=text, exhibit_id=exhibit_id)
            s.add(source)
            s.flush()
            (passage,) = replace_passages(s, source, [text])
            ids[key] = passage.stored_id
    return ids


def found(project: Project, query: str, **kw: object) -> list[int]:
    with project.read() as s:
        return [hit.passage_id for hit in search.search(s, query, **kw)]  # type: ignore[arg-type]


@pytest.fixture
def project(any_project: Project) -> Project:
    """Each test on both backends: a single-user SQLite project and a team PostgreSQL one."""
    return any_project


@pytest.fixture
def indexed(project: Project) -> tuple[Project, dict[str, int]]:
    return project, add_sources(project, PASSAGES)


def test_bm25_ranks_the_passage_with_more_occurrences_first(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    hits = found(project, "bronze")
    assert hits[0] == ids["bronze_many"]
    assert set(hits) == {ids["bronze_many"], ids["ding_en"], ids["mixed"]}
    with project.read() as s:
        scores = [h.score for h in search.search(s, "bronze")]
    assert scores == sorted(scores)  # FTS5's bm25(): lower is better


def test_porter_stemming_matches_word_forms(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert ids["mixed"] in found(project, "bronze")  # "bronzes" in the text
    assert found(project, "vessel") == [ids["bronze_many"]]  # "vessels"
    assert found(project, "crackle") == [ids["bowl_en"]]  # "crackled"
    assert found(project, "kiln") == [ids["bowl_en"]]  # "kilns"
    assert found(project, "stand leg") == [ids["ding_en"]]  # "stands", "legs"


def test_all_words_are_required(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert set(found(project, "bronze taotie")) == {ids["ding_en"], ids["mixed"]}
    assert found(project, "celadon taotie") == []


def test_chinese_taotie_finds_its_passages_and_not_others(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    hits = found(project, "饕餮")
    assert set(hits) == {ids["ding_zh"], ids["taotie_zh"], ids["mixed"]}
    assert hits[0] == ids["taotie_zh"]  # three occurrences in a short passage rank first


def test_chinese_bronze_ding_is_found_inside_a_sentence(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert found(project, "青铜鼎") == [ids["ding_zh"]]  # not scattered_zh, which has 青铜 … 鼎 apart
    assert set(found(project, "青铜")) == {ids["ding_zh"], ids["taotie_zh"], ids["scattered_zh"]}
    assert found(project, "龙泉窑") == [ids["bowl_zh"]]
    assert found(project, "恐龙") == []


def test_a_chinese_query_with_spaces_and_punctuation(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert found(project, "青铜鼎，饕餮纹。") == [ids["ding_zh"]]
    assert found(project, "  商代  饕餮 ") == [ids["ding_zh"]]


def test_mixed_english_and_chinese_queries(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert found(project, "taotie 饕餮") == [ids["mixed"]]
    assert found(project, "Shang饕餮") == [ids["mixed"]]
    assert found(project, "celadon 饕餮") == []


def test_search_within_one_exhibit_and_by_origin(project: Project) -> None:
    with project.session() as s:
        ding = create_exhibit(s, "Ding").id
        bowl = create_exhibit(s, "Bowl").id
    in_ding = add_sources(project, {"a": "bronze ding label"}, ding)
    in_bowl = add_sources(project, {"b": "bronze rim of the bowl"}, bowl)
    assert found(project, "bronze", exhibit_id=ding) == [in_ding["a"]]
    assert found(project, "bronze", exhibit_id=bowl) == [in_bowl["b"]]
    with project.session() as s:
        source = Source(kind="audio", filename="guide.mp3", media_sha256="1" * 64, exhibit_id=ding)
        s.add(source)
        s.flush()
        (spoken,) = replace_passages(
            s, source, [PassageText("the bronze ding was cast", 1.5, 4.0)], origin="transcript"
        )
    assert found(project, "bronze", exhibit_id=ding, origins=("transcript",)) == [spoken.id]
    with project.read() as s:
        (hit,) = search.search(s, "cast", origins=("transcript",))
    assert (hit.origin, hit.start_s, hit.end_s) == ("transcript", 1.5, 4.0)


def test_replacing_passages_reindexes(project: Project) -> None:
    add_sources(project, {"label": "an old label about jade"})
    assert found(project, "jade")
    with project.session() as s:
        source = s.get(Source, 1)
        assert source is not None
        replace_passages(s, source, ["a corrected label about bronze"])
    assert found(project, "jade") == []
    assert len(found(project, "corrected bronze")) == 1
    with project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM passage_fts").scalar() == 1


def test_the_index_built_again_finds_the_same(indexed: tuple[Project, dict[str, int]]) -> None:
    """What a move between backends does: the index is made again from the passages."""
    project, _ids = indexed
    before = {q: found(project, q) for q in ("bronze", "饕餮", "青铜鼎", "stand leg")}
    with project.session() as s:
        assert search.reindex_all(s, batch=3) == len(PASSAGES)
    assert {q: found(project, q) for q in before} == before
    with project.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM passage_fts").scalar() == len(PASSAGES)


def test_limit(project: Project) -> None:
    add_sources(project, {f"p{i}": f"bronze number {i}" for i in range(30)})
    assert len(found(project, "bronze", limit=5)) == 5
    assert len(found(project, "bronze")) == 20


NASTY = [
    '"',
    '""',
    '"bronze',
    'bronze"',
    "bronze AND ding",
    "bronze OR",
    "OR",
    "AND",
    "NOT",
    "NOT bronze",
    "NEAR(bronze ding)",
    "NEAR(bronze ding, 2)",
    "bronze NEAR ding",
    "bronz*",
    "*",
    "**",
    "^bronze",
    "body:bronze",
    "passage_fts:bronze",
    "{body}: bronze",
    "(bronze",
    "bronze)",
    "()",
    "-bronze",
    "+bronze",
    "bronze -ding",
    "'; DROP TABLE passages; --",
    '饕餮"',
    '"饕餮',
    "青铜鼎 OR 饕餮",
    "饕餮*",
    "_",
    "__init__",
    ":",
    "@#$%^&",
    "\x00",
    "bronze\x00ding",
    "é",
    "e\u0301",
    "🏺 bronze",
    "",
    "   ",
    "\n\t",
]


@pytest.mark.parametrize("query", NASTY)
def test_fts_syntax_in_a_query_never_errors(indexed: tuple[Project, dict[str, int]], query: str) -> None:
    project, _ids = indexed
    hits = found(project, query)
    assert isinstance(hits, list)
    with project.engine.connect() as conn:  # nothing was executed from the query
        assert conn.exec_driver_sql("SELECT count(*) FROM passages").scalar() == len(PASSAGES)


def test_operators_are_searched_as_words(indexed: tuple[Project, dict[str, int]]) -> None:
    project, ids = indexed
    assert found(project, "celad*") == []  # no prefix magic: the word "celad" is not there
    assert found(project, "bronze AND ding") == []  # "and" is a word here, and ding_en lacks it...
    assert found(project, "bronze OR celadon") == []  # ...and no passage holds "or"
    assert found(project, '"bronze ding"') == [ids["ding_en"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_text_is_a_safe_query(indexed: tuple[Project, dict[str, int]], query: str) -> None:
    project, _ = indexed
    assert isinstance(found(project, query), list)


def test_highlight_marks_english_and_chinese_terms() -> None:
    text = "The bronze ding (青铜鼎) shows a taotie mask. 饕餮纹"
    marked = search.highlight(text, "Bronze 饕餮")
    assert "«bronze»" in marked and "«饕餮»纹" in marked
    assert search.highlight(text, "   ") == text


def test_exhibit_search_finds_what_the_record_and_the_sources_say(tmp_path: Path) -> None:
    """Issue 16: 'Search exhibits' matched only title, number and maker."""
    from studio import exhibits
    from studio.samples import build_sample

    project, _ = build_sample(tmp_path / "Bronzes.studio")
    try:
        with project.read() as s:

            def found(text: str) -> list[str]:
                return [e.identifier or "" for e in exhibits.list_exhibits(s, text)]

            assert found("celadon") == ["RMAA.1992.031"]  # subjects and description
            assert found("饕餮") == ["RMAA.1987.014"]  # the Chinese label, through full-text search
            assert found("Fu Yi") == ["RMAA.1987.014"]  # the description and the catalogue
            assert found("Zhe school") == ["RMAA.2004.007"]
            assert found("RMAA.1987") == ["RMAA.1987.014"]
            assert found("no such thing anywhere") == []
            assert len(found("")) == 3
    finally:
        project.close()
