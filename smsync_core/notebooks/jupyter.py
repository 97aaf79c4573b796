"""The Jupyter libraries a notebook run imports, without the parts of them it would load for nothing.

nbformat (papermill's, nbconvert's) validates notebooks with jsonschema, and jsonschema, when it is imported,
registers a format check for each optional library it finds. One of them, ``rfc3987_syntax`` (installed for
jupyter_events' format checks), compiles an Earley grammar for IRIs at import: 1-2 s of a ``smsync run``, for a
format no notebook schema uses. :func:`import_jsonschema` imports jsonschema without it.
"""

from __future__ import annotations

import importlib
import sys

#: Optional libraries jsonschema would load for format checks that notebook validation never makes.
UNUSED_FORMAT_LIBRARIES = ("rfc3987_syntax",)


def import_jsonschema() -> None:
    """Import jsonschema (if not yet imported) without the format libraries above.

    Only jsonschema's own import is affected: the libraries stay importable for anyone who asks afterwards;
    jsonschema's ``FormatChecker`` in this process then does not check the IRI formats ("iri", "iri-reference").
    """
    if "jsonschema" in sys.modules:
        return
    held = [name for name in UNUSED_FORMAT_LIBRARIES if name not in sys.modules]
    for name in held:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError, which it expects
    try:
        importlib.import_module("jsonschema")
    finally:
        for name in held:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
