"""``smsync app`` starts its server without the parts of Jupyter's libraries it would load for nothing (no browser;
the server is started for real, as the page's tests start it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import _require, _stop, start_app


def test_the_page_server_starts_without_compiling_an_iri_grammar(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jsonschema, which Jupyter's server validates its events with, would load ``rfc3987_syntax`` and compile an
    Earley grammar for IRIs (~2 s of every start, for a format no event uses): the server is imported without it."""
    _require("voila", "Voila")
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")  # the server's imports, one line each, in its log
    server = start_app(demo_template, tmp_path / "app")
    try:
        imported = server.log.read_text()
    finally:
        _stop(server.process)
    assert "| voila.app" in imported and "| jsonschema" in imported  # the log does list the server's imports
    assert "rfc3987_syntax." not in imported  # its grammar modules were never loaded (the name alone: refused)
