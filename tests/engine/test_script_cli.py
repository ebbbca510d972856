"""`moviola-cli script` with the bundled SmolLM2 standing in for a model that is not there."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import engine.cli
from engine.script import BUNDLED_MODEL, get_model


@pytest.fixture(scope="module", autouse=True)
def bundled(script_model_cache):
    """The bundled model, converted once (tests/conftest.py) and kept loaded."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIOLA_CACHE_DIR", str(script_model_cache))
        return get_model(BUNDLED_MODEL, "cpu")


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return engine.cli.main


def test_json_reports_the_model_used_and_the_variants(cli, capsys, tmp_path):
    code = cli(["script", "INT. COFFEE SHOP - DAY\\n\\nMAYA\\n", "--variants", "2",
                "--model", "moviola-tests/cli-missing", "--max-new-tokens", "8", "--seed", "3", "--device", "cpu",
                "--json", "-o", str(tmp_path / "draft.fountain")])
    assert code == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert set(data) == {"model", "fallback", "variants"}
    assert data["fallback"] is True and data["model"] == BUNDLED_MODEL
    assert len(data["variants"]) == 2
    assert "moviola-tests/cli-missing is not available offline" in err
    draft = (tmp_path / "draft.fountain").read_text(encoding="utf-8")
    assert draft.startswith("INT. COFFEE SHOP - DAY\n\nMAYA\n")
    assert (tmp_path / "draft-2.fountain").is_file()


def test_streams_text_and_writes_final_draft(cli, capsys, tmp_path):
    code = cli(["script", "EXT. PIER - NIGHT\\n\\nTOM\\n", "--variants", "1", "--model",
                "moviola-tests/cli-missing", "--max-new-tokens", "6", "--seed", "1", "--device", "cpu",
                "-o", str(tmp_path / "draft.fdx")])
    assert code == 0
    out = capsys.readouterr().out
    assert "--- variant 1 ---\nEXT. PIER - NIGHT" in out
    root = ET.parse(tmp_path / "draft.fdx").getroot()
    assert root.find("Content/Paragraph").get("Type") == "Scene Heading"


def test_help_lists_the_options(cli, capsys):
    with pytest.raises(SystemExit):
        cli(["script", "--help"])
    out = capsys.readouterr().out
    assert all(flag in out for flag in ("--variants", "--model", "--max-new-tokens", "--seed", "--json", "-o"))
