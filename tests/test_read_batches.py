"""The bulk readers' batch plan: every read once, in order, in one wave when the cap allows."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from origin_frames import _reads
from origin_frames._queries import ExoRead, TechRead


def _read(i: int, views: int) -> TechRead:
    exo = tuple(ExoRead(f"s{k}", None) for k in range(views))
    return TechRead(f"t{i}", "gbr", None, exo, ())


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.integers(1, 12), max_size=80),
    size=st.integers(1, 120),
    concurrency=st.integers(1, 8),
)
def test_batches_keep_every_read_in_order_under_the_cap(weights, size, concurrency) -> None:
    reads = [_read(i, w) for i, w in enumerate(weights)]
    batches = _reads.batches(reads, size, concurrency)
    assert [r for b in batches for r in b] == reads
    for batch in batches:
        views = sum(len(r.exogenous) for r in batch)
        assert batch and (views <= size or len(batch) == 1)
    total = sum(weights)
    if total and size >= total:  # no cap binds: one wave, never more requests than needed
        assert len(batches) <= min(concurrency, -(-total // _reads.LEAST_VIEWS))


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(1, 30), min_size=2, max_size=120),
    size=st.integers(30, 200),
    concurrency=st.integers(1, 8),
)
# Cut into 4 by weight, the second batch came to 53 + 1 views: its last read went alone.
@example(weights=[10, 24, 25, 14, 14, 1, 12, 17, 15, 19, 21, 8], size=53, concurrency=4)
def test_a_capped_read_is_cut_into_balanced_batches_not_a_full_one_and_a_remainder(
    weights, size, concurrency
) -> None:
    reads = [_read(i, w) for i, w in enumerate(weights)]
    batches = _reads.batches(reads, size, concurrency)
    views = [sum(len(r.exogenous) for r in b) for b in batches]
    assert max(views) <= size
    # Balanced to within about two reads: cutting an over-full batch in two would leave a
    # small remainder, a request (and on a capped read, a round trip) of its own.
    assert max(views) - min(views) <= 2 * max(weights) + 1


def test_a_region_read_fills_the_concurrency_in_one_wave() -> None:
    reads = [_read(i, w) for i, w in enumerate([2, 7, 3, 3, 5, 2, 6, 4, 3, 2, 4, 3, 3])]
    batches = _reads.batches(reads, 100, 4)
    assert len(batches) == 4
    views = [sum(len(r.exogenous) for r in b) for b in batches]
    assert max(views) - min(views) <= 7  # balanced to within one read


def test_plain_items_count_one_view_each() -> None:
    assert _reads.batches(list(range(5)), 2) == [[0, 1], [2], [3, 4]]  # balanced, not greedy
    assert _reads.batches(list(range(40)), 100, 4) == [
        list(range(i, i + 10)) for i in (0, 10, 20, 30)
    ]
    assert _reads.batches([], 10, 4) == []


def test_a_read_keeps_at_most_concurrency_requests_in_flight_while_more_threads_decode() -> None:
    import threading

    import pandas as pd

    from origin_frames import Emulator, OriginFrames

    with Emulator(latency_ms=20) as emu:
        token = "batches-test-token-0123456789"
        client = OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url,
                              progress=False, concurrency=2, batch_size=8)  # fmt: skip
        sid = str(client.get_aurora_scenarios("gbr").index[0])
        exchange, lock = client.transport._exchange, threading.Lock()
        counts = {"now": 0, "most": 0, "sent": 0}

        def counted(*args: object, **kwargs: object) -> object:
            with lock:
                counts["now"] += 1
                counts["sent"] += 1
                counts["most"] = max(counts["most"], counts["now"])
            try:
                return exchange(*args, **kwargs)
            finally:
                with lock:
                    counts["now"] -= 1

        client.transport._exchange = counted  # type: ignore[method-assign]
        frame = client.technologies(sid, ["gbr"])
        client.transport._exchange = exchange  # type: ignore[method-assign]
        assert counts["sent"] > 4  # enough batches for the threads to outnumber the slots
        assert counts["most"] == 2  # the concurrency, used and never exceeded
        one = OriginFrames(token, emu.scenario_base_url, emu.inputs_base_url,
                           progress=False, concurrency=1)  # fmt: skip
        pd.testing.assert_frame_equal(frame, one.technologies(sid, ["gbr"]))
