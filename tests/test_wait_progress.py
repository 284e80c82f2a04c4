"""Progress bars on the transport's polling waits (a loading session, a file answering 425)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from tqdm import tqdm

from origin_frames import DataNotReadyTimeout, Emulator, OriginFrames

TOKEN = "wait-token-0123456789abcdef"


def loading_client(emu: Emulator, progress: bool | None, **options) -> OriginFrames:
    return OriginFrames(TOKEN, emu.scenario_base_url, emu.inputs_base_url, progress=progress,
                        backoff_base=0.1, **{"not_ready_deadline_s": 20, **options})  # fmt: skip


def open_wait_bars() -> list[tqdm]:
    return [bar for bar in list(tqdm._instances) if str(bar.desc).startswith("waiting:")]


def test_a_loading_session_draws_a_wait_bar_of_the_deadline_and_closes_it(capsys) -> None:
    with Emulator(not_ready_s=0.6) as emu, loading_client(emu, True) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        assert len(client.get_technology(sid, "CCGT", "gbr")) > 0
    err = capsys.readouterr().err
    assert "waiting: the inputs session is loading" in err and "/20 s" in err
    assert open_wait_bars() == []


def test_a_file_answering_425_draws_a_wait_bar(capsys, tmp_path) -> None:
    with Emulator(download_delay_s=0.5) as emu, loading_client(emu, True, cache_dir=tmp_path
                                                               ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        assert len(client.get_scenario_outputs(sid, "gbr", "system", "1y")) > 0
    assert "waiting: the file is being generated (425)" in capsys.readouterr().err
    assert open_wait_bars() == []


def test_a_wait_that_times_out_still_closes_its_bar(capsys) -> None:
    with Emulator(not_ready_s=30) as emu, loading_client(emu, True, not_ready_deadline_s=0.5
                                                         ) as client:  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        with pytest.raises(DataNotReadyTimeout):
            client.get_technology(sid, "CCGT", "gbr")
    assert "waiting: the inputs session is loading" in capsys.readouterr().err
    assert open_wait_bars() == []


def test_concurrent_waits_each_draw_and_close_their_own_bar(capsys) -> None:
    with Emulator(not_ready_s=0.6) as emu, loading_client(emu, True) as client:
        sids = [str(s) for s in client.get_aurora_scenarios("gbr").index[:3]]
        with ThreadPoolExecutor(3) as pool:
            frames = list(pool.map(lambda sid: client.get_technology(sid, "CCGT", "gbr"), sids))
        assert client.transport.stats["polls"] >= len(sids)
    assert all(len(frame) > 0 for frame in frames)
    assert capsys.readouterr().err.count("waiting: the inputs session is loading") >= len(sids)
    assert open_wait_bars() == []


@pytest.mark.parametrize("progress", [False, None])  # None: only on a terminal, and it is not
def test_waits_print_nothing_when_progress_is_off(capfd, progress: bool | None) -> None:
    with Emulator(not_ready_s=0.6) as emu, loading_client(emu, progress) as client:
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        assert len(client.get_technology(sid, "CCGT", "gbr")) > 0
        assert client.transport.stats["polls"] >= 1  # it did wait
    assert capfd.readouterr().err == ""
