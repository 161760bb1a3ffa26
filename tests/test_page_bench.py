"""The page benchmark's query counter (benchmarks/page_bench.py): what it prints beside each
page is the queries of one warm request, and a page that does not answer stops it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from page_bench import queries_of


@pytest.mark.urls("bench_urls")
def test_queries_of_counts_the_queries_of_one_warm_request(client, alice):
    # Signed out, the trivial view reads nothing; signed in, the session and the user.
    assert queries_of(client, "/bench-trivial/") == 0
    client.force_login(alice)
    assert queries_of(client, "/bench-trivial/") >= 2
    # The case list reads more than the trivial view.
    assert queries_of(client, "/cases/") > queries_of(client, "/bench-trivial/")


@pytest.mark.urls("bench_urls")
def test_queries_of_stops_on_a_page_that_does_not_answer(client, alice):
    client.force_login(alice)
    with pytest.raises(SystemExit, match="404"):
        queries_of(client, "/cases/no-such-page/")
