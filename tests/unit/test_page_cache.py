"""The timeline's page cache: bounded by the bytes it holds, whatever the pages weigh."""

from __future__ import annotations

import random

from projections.page_cache import PageCache, deep_size


def test_the_page_cache_never_holds_more_than_its_byte_budget() -> None:
    budget = 64 * 1024
    cache: PageCache[list[bytes]] = PageCache(budget)
    rng = random.Random(19)
    for n in range(2000):
        page = [b"x" * rng.randrange(1, 2000) for _ in range(rng.randrange(1, 50))]
        cache.put(("q", n), page)
        assert cache.bytes <= budget
    assert 0 < len(cache) < 2000
    kept = [(("q", n), cache.get(("q", n))) for n in range(2000)]
    weighed = sum(deep_size(key) + deep_size(page) for key, page in kept if page is not None)
    assert cache.bytes == weighed


def test_a_page_larger_than_the_whole_budget_is_not_kept_and_evicts_nothing() -> None:
    cache: PageCache[bytes] = PageCache(10_000)
    cache.put("small", b"a" * 100)
    cache.put("huge", b"b" * 20_000)
    assert cache.get("huge") is None
    assert cache.get("small") == b"a" * 100


def test_the_least_recently_used_pages_go_first_and_a_put_again_is_weighed_once() -> None:
    page = b"p" * 1000
    one = deep_size("k0") + deep_size(page)
    cache: PageCache[bytes] = PageCache(3 * one)
    for n in range(3):
        cache.put(f"k{n}", page)
    cache.get("k0")  # now the most recent
    cache.put("k1", page)  # replaced, not counted twice
    assert cache.bytes == 3 * one
    cache.put("k3", page)
    assert [cache.get(f"k{n}") is not None for n in range(4)] == [True, True, False, True]


def test_a_budget_of_zero_keeps_nothing() -> None:
    cache: PageCache[bytes] = PageCache(0)
    cache.put("k", b"v")
    assert cache.get("k") is None
    assert cache.bytes == 0
