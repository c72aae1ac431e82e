"""Settings are typed: booleans are booleans, numbers numbers, unknown keys refused (issue 11, point 8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import settings
from studio.cli import main
from studio.errors import StudioError
from studio.models import Setting
from studio.project import Project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    from studio import users

    p = Project.create(tmp_path / "P.studio")
    with p.session() as s:  # policy settings are an admin's (engineer trust's rule)
        users.add_user(s, "Morgan", "editor", admin=True)
    yield p
    p.close()


def _cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--project", str(root), "--user", "Morgan", *args])
    out, err = capsys.readouterr()
    assert "internal error" not in err, err
    return code, out, err


def test_cli_refuses_bad_json_and_the_word_false_for_four_eyes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    with project.session() as s:
        settings.put(s, "four_eyes", True, "Morgan")
    for bad in ("{bad json", "False", '"false"', "1"):
        code, _, err = _cli(project.root, capsys, "settings", "set", "four_eyes", bad)
        assert code == 1 and "four_eyes" in err, (bad, err)
    with project.read() as s:
        assert settings.get(s, "four_eyes") is True  # nothing stored by a refused value
    code, out, _ = _cli(project.root, capsys, "settings", "set", "four_eyes", "false")
    assert code == 0 and "four_eyes = false" in out
    with project.read() as s:
        assert settings.get(s, "four_eyes") is False


def test_numbers_are_numbers_and_text_settings_take_plain_text(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(project.root, capsys, "settings", "set", "llm.n_ctx", "8192")[0] == 0
    code, _, err = _cli(project.root, capsys, "settings", "set", "llm.n_ctx", '"8192"')
    assert code == 1 and "llm.n_ctx" in err
    code, _, err = _cli(project.root, capsys, "settings", "set", "llm.threads", "-2")
    assert code == 1 and "llm.threads" in err
    for bad in ("-1", "17", "100000"):  # checked in one batch in the engine host: bounded
        code, _, err = _cli(project.root, capsys, "settings", "set", "llm.lookup_draft", bad)
        assert code == 1 and "llm.lookup_draft" in err, (bad, err)
    assert _cli(project.root, capsys, "settings", "set", "llm.lookup_draft", "4")[0] == 0
    code, _, err = _cli(project.root, capsys, "settings", "set", "transcription.beam_size", "true")
    assert code == 1
    assert _cli(project.root, capsys, "settings", "set", "transcription.beam_size", "2")[0] == 0
    assert _cli(project.root, capsys, "settings", "set", "llm.model", "smollm2-135m")[0] == 0
    with project.read() as s:
        assert settings.get(s, "llm.n_ctx") == 8192
        assert settings.get(s, "transcription.beam_size") == 2
        assert settings.get(s, "llm.model") == "smollm2-135m"


def test_unknown_keys_are_refused_with_the_known_ones_named(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(project.root, capsys, "settings", "set", "four_eye", "true")
    assert code == 1 and "unknown setting 'four_eye'" in err and "four_eyes" in err
    with project.session() as s, pytest.raises(StudioError, match="unknown setting"):
        settings.put(s, "llm.modle", "x", "Morgan")
    with project.session() as s:
        settings.put(s, "disclosure_fr", "Rédigé avec l'aide d'une IA ; approuvé par {editor}, {date}.", "Morgan")


def test_library_callers_cannot_store_strings_for_booleans(project: Project) -> None:
    with project.session() as s, pytest.raises(StudioError, match="four_eyes"):
        settings.put(s, "four_eyes", "False", "Morgan")
    with project.session() as s, pytest.raises(StudioError, match="languages"):
        settings.put(s, "languages", "en,zh", "Morgan")


def test_a_legacy_string_false_reads_as_false_so_the_rule_means_what_was_typed(project: Project) -> None:
    with project.session() as s:  # what the unvalidated CLI stored before
        s.add(Setting(key="four_eyes", value="False"))
    with project.read() as s:
        assert settings.get(s, "four_eyes") is False
    with project.session() as s:
        row = s.get(Setting, "four_eyes")
        row.value = "yes"
        s.add(row)
    with project.read() as s:
        assert settings.get(s, "four_eyes") is True
