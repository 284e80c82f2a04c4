"""The pytest plugin as a user meets it: a test file of theirs, run by pytest in a new process."""

from __future__ import annotations

import pytest

from origin_frames import OriginFrames

USER_TESTS = '''
import time

import pytest


def test_reads_the_published_catalogue(origin_client, origin_emulator):
    assert origin_client.settings.scenario_base_url == origin_emulator.scenario_base_url
    assert len(origin_client.get_aurora_scenarios("gbr")) == 80


@pytest.mark.parametrize("name", ["first", "second"])
def test_each_test_is_its_own_tenant(origin_client, name):
    assert origin_client.get_projects().empty
    origin_client.create_project({"name": name})
    assert origin_client.get_projects()["name"].tolist() == [name]


@pytest.mark.origin_emulator(latency_ms=150)
def test_marker_gives_a_slow_emulator(origin_client, origin_emulator):
    assert origin_client.settings.scenario_base_url != origin_emulator.scenario_base_url
    started = time.perf_counter()
    origin_client.get_projects()
    assert time.perf_counter() - started >= 0.15


@pytest.mark.origin_emulator(fail_rate=0.5, seed=2)
def test_marker_gives_a_flaky_emulator_the_client_retries(origin_client):
    for _ in range(3):
        origin_client.get_projects()
    assert origin_client.transport.stats["retries"] > 0


@pytest.mark.origin_emulator(latency=5)
def test_marker_with_an_unknown_option(origin_client):
    pass
'''


def test_a_users_test_file_gets_the_fixtures_and_the_marker(pytester: pytest.Pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=1)
    out = result.stdout.str()
    assert "@pytest.mark.origin_emulator takes keyword options only" in out
    assert "got ['latency']" in out and "latency_ms" in out


def test_the_project_tests_get_a_clean_tenant_too(origin_client: OriginFrames):
    assert origin_client.get_projects().empty
    made = origin_client.create_project({"name": "mine"})
    assert origin_client.get_projects().index.tolist() == made.index.tolist()
