"""Settings: token and base-URL resolution like the official client; the token never shows."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from origin_frames import ConfigurationError, Settings
from origin_frames._config import (
    INPUTS_URL_ENV,
    PRODUCTION_INPUTS_URL,
    PRODUCTION_SCENARIO_URL,
    SCENARIO_URL_ENV,
    TOKEN_ENV,
    Secret,
)

SECRET = "tok-very-secret-0123456789"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No token or URL in the environment, and an empty home directory."""
    for name in (TOKEN_ENV, SCENARIO_URL_ENV, INPUTS_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_token_argument_wins_over_env_and_file(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    (clean_env / ".aurora-api-key").write_text("from-file\n")
    assert Settings.resolve(token="from-arg").token.reveal() == "from-arg"


def test_token_env_wins_over_file(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    (clean_env / ".aurora-api-key").write_text("from-file\n")
    assert Settings.resolve().token.reveal() == "from-env"


def test_token_file_first_line_is_used(clean_env: Path) -> None:
    (clean_env / ".aurora-api-key").write_text("  from-file  \nsecond line\n")
    assert Settings.resolve().token.reveal() == "from-file"


def test_missing_token_says_every_way_to_provide_it(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.resolve()
    message = str(info.value)
    assert "token=" in message and TOKEN_ENV in message and ".aurora-api-key" in message


def test_empty_token_file_is_a_configuration_error(clean_env: Path) -> None:
    (clean_env / ".aurora-api-key").write_text("\n")
    with pytest.raises(ConfigurationError, match="empty"):
        Settings.resolve()


def test_base_urls_default_to_production(clean_env: Path) -> None:
    s = Settings.resolve(token="t")
    assert (s.scenario_base_url, s.inputs_base_url) == (
        PRODUCTION_SCENARIO_URL,
        PRODUCTION_INPUTS_URL,
    )


def test_base_urls_come_from_env_then_argument(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv(SCENARIO_URL_ENV, "http://env-host/s/")
    monkeypatch.setenv(INPUTS_URL_ENV, "http://env-host/i")
    s = Settings.resolve(token="t")
    assert s.scenario_base_url == "http://env-host/s"  # trailing slash dropped
    assert s.inputs_base_url == "http://env-host/i"
    s = Settings.resolve(token="t", inputs_base_url="https://arg-host/i")
    assert s.inputs_base_url == "https://arg-host/i"
    assert s.graphql_url("inputs") == "https://arg-host/i/v1/graphql"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://host/x", id="wrong-scheme"),
        pytest.param("not a url", id="no-scheme"),
        pytest.param("http://", id="no-host"),
    ],
)
def test_malformed_base_url_is_rejected_with_an_example(clean_env: Path, url: str) -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Settings.resolve(token="t", scenario_base_url=url)


def test_every_bad_option_is_named_at_once(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.resolve(token="t", max_retries=-1, batch_size=0, concurrency=0)
    message = str(info.value)
    assert "max_retries" in message and "batch_size" in message and "concurrency" in message


def test_unknown_option_is_rejected(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError, match="retries_max"):
        Settings.resolve(token="t", retries_max=3)


def test_token_never_in_repr_str_or_pickle(clean_env: Path) -> None:
    s = Settings.resolve(token=SECRET)
    assert SECRET not in repr(s)
    assert SECRET not in str(s)
    assert SECRET not in repr(s.token) and SECRET not in str(s.token)
    blob = pickle.dumps(s)
    assert SECRET.encode() not in blob
    restored = pickle.loads(blob)
    assert restored.token.reveal() == ""  # the token is dropped, not carried
    assert restored.scenario_base_url == s.scenario_base_url


def test_secret_equality_compares_values() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
