"""Settings: saved per user, read by every process; the cache folder and device follow them."""
from __future__ import annotations

from engine import settings
from engine.settings import cache_dir


def test_settings_round_trip_and_drive_cache_and_device(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("MOVIOLA_CACHE_DIR", raising=False)
    assert settings.load() == settings.Settings()
    settings.save(settings.Settings(cache_dir=str(tmp_path / "fast disk"), device="cpu",
                                    script_model="/models/my-lm"))
    assert settings.load().script_model == "/models/my-lm"
    assert cache_dir() == tmp_path / "fast disk"
    assert settings.compute_device() == "cpu"
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"  # the environment still wins


def test_broken_settings_file_gives_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text("{not json")
    assert settings.load() == settings.Settings()
    (tmp_path / "settings.json").write_text('{"device": "tpu", "colour": "red"}')
    assert settings.load().device == "auto"


def test_the_quick_no_cuda_answer_agrees_with_torch(monkeypatch, tmp_path):
    import torch

    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path))
    assert settings.may_have_cuda() or not torch.cuda.is_available()
    assert settings.compute_device() == ("cuda" if torch.cuda.is_available() else "cpu")
