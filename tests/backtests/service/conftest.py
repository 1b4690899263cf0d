import pytest

from tests.backtests.service import HangingProxy


@pytest.fixture
def proxy():
    """A publisher on loopback that accepts every connection and never answers."""
    hanging = HangingProxy()
    yield hanging
    hanging.close()
