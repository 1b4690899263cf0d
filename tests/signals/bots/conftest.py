"""Stores the bot tests share: one filled once per session, copied per test."""

import pytest

from tests.signals.bots import build_template, copy_store


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def store(template, tmp_path):
    return copy_store(template, tmp_path / "store")
