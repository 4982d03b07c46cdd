"""Fixtures of the scheduler tests."""
from __future__ import annotations

import pytest

from tests.fakes.web import WebServer


@pytest.fixture
def web():
    """The site step examples name (tests.fakes.web.EXAMPLE_ORIGIN), served on loopback."""
    with WebServer() as site:
        site.page("/menu", "<html><head><title>Example menu</title></head><body><p>Blue Dream 3.5g $35</p></body></html>")
        yield site
