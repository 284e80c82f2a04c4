"""The client against failing emulators: auth, injected faults, latency, loading sessions."""

from __future__ import annotations

import logging
import pickle

import pandas as pd
import pytest

from origin_frames import (
    AuthenticationError,
    DataNotReadyTimeout,
    Emulator,
    OriginError,
    OriginFrames,
    OriginTimeoutError,
    PermissionDeniedError,
)

GOOD = "good-token-0123456789abcdef"
READONLY = "readonly-token-0123456789ab"


def client_for(emu: Emulator, token: str = GOOD, **options) -> OriginFrames:
    return OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url, progress=False,
                        **options)  # fmt: skip


@pytest.fixture(scope="module")
def guarded() -> Emulator:
    with Emulator(tokens={GOOD}, readonly_tokens={READONLY}) as emu:
        yield emu


def test_wrong_token_is_an_authentication_error_without_the_token(guarded) -> None:
    secret = "wrong-token-zyxwvu987654"
    with client_for(guarded, secret) as client, pytest.raises(AuthenticationError) as info:
        client.get_projects()
    assert "401" in str(info.value) and secret not in str(info.value)


def test_readonly_token_may_read_but_not_write(guarded) -> None:
    with client_for(guarded, READONLY) as client:
        assert len(client.get_aurora_scenarios("gbr")) > 0
        with pytest.raises(PermissionDeniedError) as info:
            client.create_project({"name": "nope"})
    assert "403" in str(info.value) and READONLY not in str(info.value)


def test_published_scenario_inputs_are_readable_with_any_valid_token(guarded) -> None:
    with client_for(guarded) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        assert len(client.get_technology(sid, "CCGT", "gbr")) > 0


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["region", "technology", "year", "kind", "variable", "sub_region", "sub_technology",
            "subsidy", "month"]  # fmt: skip
    flat = frame.reset_index()
    return flat.sort_values(keys, na_position="first").reset_index(drop=True)


def test_reads_survive_a_30_percent_failure_rate() -> None:
    techs = ["CCGT", "Coal"]
    with Emulator(seed=7) as steady, client_for(steady) as reference:
        sid = str(reference.get_aurora_scenarios("gbr").index[0])
        expected = reference.technologies(sid, regions=["gbr"], technologies=techs)
    with Emulator(fail_rate=0.3, seed=7) as flaky, client_for(
        flaky, max_retries=8, backoff_base=0.01, batch_size=5, concurrency=2
    ) as client:
        frame = client.technologies(sid, regions=["gbr"], technologies=techs)
        assert client.transport.stats["retries"] > 0
    pd.testing.assert_frame_equal(_by_key(frame), _by_key(expected))


def test_slow_server_beyond_the_read_timeout_is_a_timeout_error() -> None:
    with Emulator(latency_ms=400) as slow, client_for(
        slow, timeout=(1.0, 0.1), max_retries=1, backoff_base=0.01
    ) as client:
        with pytest.raises(OriginTimeoutError, match="timed out after 2 attempts"):
            client.get_projects()


def test_loading_session_is_waited_for_within_the_deadline() -> None:
    with Emulator(not_ready_s=0.6) as loading, client_for(
        loading, not_ready_deadline_s=20, backoff_base=0.1
    ) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        frame = client.get_technology(sid, "CCGT", "gbr")
        assert len(frame) > 0
        assert client.transport.stats["polls"] >= 1


def test_data_groups_say_loading_at_once_and_cells_follow_when_loaded() -> None:
    with Emulator(not_ready_s=0.8) as loading, client_for(
        loading, not_ready_deadline_s=20, backoff_base=0.1
    ) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        groups = client.get_inputs_data_groups(sid)
        assert {"default", "commodities"} <= set(groups.index)
        assert groups["loading"].all()
        assert len(client.commodities(sid, regions=["gbr"])) > 0  # waited for the load
        assert client.transport.stats["polls"] >= 1
        assert not client.get_inputs_data_groups(sid)["loading"].any()


def test_loading_session_past_the_deadline_raises_data_not_ready_timeout() -> None:
    with Emulator(not_ready_s=30) as loading, client_for(
        loading, not_ready_deadline_s=0.5, backoff_base=0.1
    ) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        with pytest.raises(DataNotReadyTimeout, match="DataNotReady"):
            client.get_technology(sid, "CCGT", "gbr")


def test_token_never_in_repr_pickle_exceptions_or_logs(guarded, caplog, monkeypatch) -> None:
    secret = "leaky-token-5678901234abcd"
    monkeypatch.delenv("AURORA_API_KEY", raising=False)
    caplog.set_level(logging.DEBUG)
    client = client_for(guarded, secret, timeout=(2.0, 30.0), batch_size=7)
    texts = [repr(client), str(client), repr(client.settings), repr(client.transport)]
    with pytest.raises(OriginError) as info:
        client.get_projects()
    texts.append(str(info.value))
    blob = pickle.dumps(client)
    client.close()
    assert all(secret not in t for t in texts)
    assert secret.encode() not in blob
    assert secret not in caplog.text
    # Like the official client, the token is re-resolved (here: from the env) on unpickling.
    monkeypatch.setenv("AURORA_API_KEY", GOOD)
    restored = pickle.loads(blob)
    assert len(restored.get_aurora_scenarios("gbr")) > 0
    assert (restored.settings.read_timeout, restored.settings.batch_size) == (30.0, 7)
    restored.close()


def test_emulated_client_owns_its_emulator() -> None:
    with OriginFrames.emulated(latency_ms=0, client_options={"progress": False}) as client:
        emu = client.emulator
        assert emu is not None
        assert len(client.get_aurora_scenarios()) > 0
        with pytest.raises(TypeError, match="emulator"):
            pickle.dumps(client)
    assert client.emulator is None
    with pytest.raises(RuntimeError):
        _ = emu.url  # stopped with the client
