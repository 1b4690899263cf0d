import pandas as pd
import pytest

from signals.sources import http

NOW = pd.Timestamp("2026-12-03 11:00", tz="UTC")


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    ("Thu, 03 Dec 2026 12:00:00 GMT", 3600.0),
    ("Thu, 03 Dec 2026 10:00:00 GMT", 0.0),  # already past
    ("", None), (None, None), ("soon", None),
])
def test_retry_after_reads_seconds_and_http_dates(header, seconds):
    assert http.retry_after_seconds(header, now=NOW) == seconds


def test_timeouts_are_cut_to_the_time_left_before_the_deadline():
    clock = [0.0]
    assert http.request_timeout() == (http.CONNECT_TIMEOUT, http.READ_TIMEOUT)
    with http.deadline(8, clock=lambda: clock[0]) as limit:
        assert http.request_timeout() == (5.0, 8.0)
        clock[0] = 6.5
        assert http.request_timeout() == (1.5, 1.5)
        clock[0] = 9.0
        assert limit.expired() and limit.remaining() == 0.0
    assert http.current_deadline() is None


def test_a_download_after_the_deadline_does_not_start():
    from tests.replay import replay_session

    session = replay_session({"/x.csv": (200, "a,b\n")})
    clock = [0.0]
    with http.deadline(1, clock=lambda: clock[0]):
        clock[0] = 2.0
        with pytest.raises(http.PublisherDownError, match="deadline of 1 s was reached"):
            http.download(session, "https://example.org/x.csv", source="t")
    assert session.adapter.calls == []


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_deadline_must_be_positive(bad):
    with pytest.raises(ValueError, match="deadline must be a positive number of seconds"):
        http.Deadline(bad)
