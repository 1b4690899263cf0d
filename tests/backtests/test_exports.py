import backtests


def test_every_public_name_imports():
    assert sorted(backtests.__all__) == sorted(set(backtests.__all__))
    for name in backtests.__all__:
        assert getattr(backtests, name) is not None, name
