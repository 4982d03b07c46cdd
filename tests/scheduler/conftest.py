"""Fixtures of the scheduler tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.web import WebServer

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.fixture
def web():
    """The site step examples name (tests.fakes.web.EXAMPLE_ORIGIN), served on loopback."""
    with WebServer() as site:
        site.page("/menu", "<html><head><title>Example menu</title></head><body><p>Blue Dream 3.5g $35</p></body></html>")
        # A competitor menu whose product names are hostile text: every step that echoes it must keep it literal.
        site.page("/competitor", (PAGES / "injection.html").read_text(encoding="utf-8"))
        yield site


@pytest.fixture
def site():
    """A loopback web site that serves nothing until a test adds pages (competitor menus)."""
    with WebServer() as web:
        yield web


@pytest.fixture
def loopback(settings):
    """Settings that let steps fetch the loopback test sites."""
    return settings.model_copy(update={"allow_loopback_fetch": True})


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request):
    """The embedded SQLite file, and PostgreSQL (skipped without a server unless CI=true)."""
    return request.getfixturevalue("settings" if request.param == "sqlite" else "pg_settings")
