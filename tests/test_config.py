"""Settings: the secret key has no default, so no install runs on a key anyone knows."""
import pytest

from practice import create_app
from practice.config import settings_from_environment


def test_the_app_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_key_kept_in_the_instance_folder_is_used_when_none_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("kept-by-make-run\n")
    assert settings_from_environment(str(tmp_path))["SECRET_KEY"] == "kept-by-make-run"


def test_the_environment_wins_over_the_kept_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    (tmp_path / "secret_key").write_text("kept-by-make-run\n")
    assert settings_from_environment(str(tmp_path))["SECRET_KEY"] == "from-the-environment"


def test_no_key_at_all_gives_none(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert settings_from_environment(str(tmp_path))["SECRET_KEY"] is None
