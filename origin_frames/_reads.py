"""Read planning for the bulk readers: which views to read, how to batch them, how to run them.

A technology read covers one (region, technology, sub-region) with all its views
(:func:`tech_reads` from ``getTechnologyGroupings``); :func:`batches` cuts a list of reads
into GraphQL documents of at most ``batch_size`` views, spread so one wave of requests
fills ``concurrency``; :func:`iter_run` runs the requests concurrently and hands the
answers back in order, each as soon as it is there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from typing import Any, TypeVar

from ._exceptions import NotFoundError
from ._queries import ExoRead, TechRead

__all__ = ["LEAST_VIEWS", "batches", "iter_run", "run", "tech_reads"]

T = TypeVar("T")
# Fewest views worth a request of their own: below this, HTTP and GraphQL parsing per
# request cost more than the overlap of a further request gains.
LEAST_VIEWS = 8


def tech_reads(
    groupings: Mapping[str, Any],
    regions: Sequence[str] | None,
    technologies: Sequence[str] | None,
) -> list[TechRead]:
    """Every view of ``getTechnologyGroupings``, one read per (region, technology, sub-region)."""
    if regions is not None:
        missing = sorted(set(regions) - set(groupings))
        if missing:
            raise NotFoundError(
                f"Regions {missing} are not in this scenario: use any of {sorted(groupings)}."
            )
    wanted_regions = list(regions) if regions is not None else list(groupings)
    if technologies is not None:
        known = {t for r in wanted_regions for t in groupings.get(r) or {}}
        missing = sorted(set(technologies) - known)
        if missing:
            raise NotFoundError(
                f"Technologies {missing} are not in regions {wanted_regions}: "
                f"use any of {sorted(known)}."
            )
    reads: list[TechRead] = []
    for region in wanted_regions:
        for tech, entry in (groupings.get(region) or {}).items():
            if technologies is not None and tech not in technologies:
                continue
            reads.append(_read_for(tech, region, None, entry, ()))
            for sub_region, sub in (entry.get("subRegions") or {}).items():
                reads.append(_read_for(tech, region, sub_region, sub, sub.get("subsidies") or ()))
    return reads


def _read_for(tech: str, region: str, sub_region: str | None, holder: Mapping[str, Any],
              subsidies: Sequence[str]) -> TechRead:  # fmt: skip
    """The read of one (technology, region, sub-region) with all its views."""
    exo_subs = [None, *(holder.get("subTechnologiesExogenous") or ())]
    endo_subs = [None, *(holder.get("subTechnologiesEndogenous") or ())]
    return TechRead(
        tech,
        region,
        sub_region,
        tuple(ExoRead(st, sd) for st, sd in product(exo_subs, [None, *subsidies])),
        tuple(endo_subs),
    )


def _weight(item: object) -> int:
    """Views one item puts in a document (a technology read counts its views)."""
    return len(item.exogenous) + len(item.endogenous) if isinstance(item, TechRead) else 1


def batches(items: Sequence[T], size: int, concurrency: int = 1) -> list[list[T]]:
    """Consecutive chunks of at most ``size`` views, spread so one wave fills ``concurrency``.

    A read of ``n`` views is cut into ``ceil(n / concurrency)``-view chunks (no fewer than
    ``LEAST_VIEWS`` views each, no more than ``size``), so every request is in flight at
    once: one round trip instead of ``ceil(n / size / concurrency)``, and several answers
    the client can decode while the others are still arriving.

    Args:
        items: Technology reads (weighted by their views) or plain items (one view each).
        size: Most views in one chunk (an item heavier than that stands alone).
        concurrency: Requests in flight at once.

    Returns:
        The chunks, every item once, in order.

    Example:
        >>> batches(["gbr", "fra", "deu"], 2)
        [['gbr'], ['fra', 'deu']]
    """
    if not items:
        return []
    weights = [_weight(item) for item in items]
    total = max(1, sum(weights))
    wanted = max(1, -(-total // size), min(concurrency, -(-total // LEAST_VIEWS)))
    # One more chunk while a balanced cut leaves one over ``size``: cutting that one
    # alone would add a small request of its own (a read of every pan-European region
    # went out in 81 requests instead of 55, 8 more round trips at concurrency 4).
    chunks = _balanced(items, weights, total, wanted)
    while wanted < len(items) and any(
        sum(map(_weight, chunk)) > size and len(chunk) > 1 for chunk in chunks
    ):
        wanted += 1
        chunks = _balanced(items, weights, total, wanted)
    return [piece for chunk in chunks for piece in _greedy(chunk, size)]


def _balanced(items: Sequence[T], weights: list[int], total: int, wanted: int
              ) -> list[list[T]]:  # fmt: skip
    """``items`` in ``wanted`` chunks of about equal weight, in order (empty ones dropped):
    each item goes to the chunk its weight's midpoint falls in."""
    chunks: list[list[T]] = [[] for _ in range(wanted)]
    cumulative = 0
    for item, w in zip(items, weights, strict=True):
        chunks[min(wanted - 1, (2 * cumulative + w) * wanted // (2 * total))].append(item)
        cumulative += w
    return [chunk for chunk in chunks if chunk]


def _greedy(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive chunks of at most ``size`` views (an item heavier than that stands alone)."""
    chunks: list[list[T]] = []
    current: list[T] = []
    weight = 0
    for item in items:
        w = _weight(item)
        if current and weight + w > size:
            chunks.append(current)
            current, weight = [], 0
        current.append(item)
        weight += w
    if current:
        chunks.append(current)
    return chunks


def run(fn: Callable[[T], Any], items: Sequence[T], desc: str, *, concurrency: int,
        progress: bool) -> list[Any]:  # fmt: skip
    """Runs ``fn`` over ``items`` with at most ``concurrency`` in flight, in order.

    Args:
        fn: The request of one item.
        items: The items.
        desc: Label of the progress bar.
        concurrency: Most calls in flight at once.
        progress: Draw a tqdm bar (requests done of all).

    Returns:
        The results, in the order of ``items``.

    Example:
        >>> run(str.upper, ["a", "b"], "letters", concurrency=2, progress=False)
        ['A', 'B']
    """
    return list(iter_run(fn, items, desc, concurrency=concurrency, progress=progress))


def iter_run(fn: Callable[[T], Any], items: Sequence[T], desc: str, *, concurrency: int,
             progress: bool) -> Iterator[Any]:  # fmt: skip
    """Like :func:`run`, but yields each result (in order) as soon as it is there.

    The caller can work on answer i while answers i+1... are still being fetched; on an
    error (or when the caller stops early) the calls not yet started are cancelled.

    Args:
        fn: The request of one item.
        items: The items.
        desc: Label of the progress bar.
        concurrency: Most calls in flight at once.
        progress: Draw a tqdm bar (requests done of all).

    Yields:
        The results, in the order of ``items``.

    Example:
        >>> next(iter_run(str.upper, ["a", "b"], "letters", concurrency=2, progress=False))
        'A'
    """
    if len(items) <= 1:
        yield from (fn(item) for item in items)
        return
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(items), desc=desc, unit="req", leave=False)
    workers = min(concurrency, len(items))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="origin") as pool:
            futures = [pool.submit(fn, item) for item in items]
            try:
                for future in futures:
                    result = future.result()
                    if bar is not None:
                        bar.update(1)
                    yield result
            finally:
                for future in futures:  # on an error, do not start what is still queued
                    future.cancel()
    finally:
        if bar is not None:
            bar.close()
