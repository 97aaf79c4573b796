"""The parameters of a notebook run: checked against the notebook's declared ones, typed, and kept secret-free.

papermill only warns about a parameter the notebook does not declare; an audited run refuses it instead. Values
are typed like the declared defaults (``True`` -> bool, ``0`` -> int, ``""`` -> str). A password inside a URL
never reaches the notebook's text: the parameter carries the URL with ``***`` and the kernel receives the real
URL in its environment (``SMSYNC_SAGE_URL``, ``SMSYNC_SMSTURBO_URL`` or ``SMSYNC_PARAM_<NAME>``), where
:func:`kernel_value` finds it again.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smsync_core.errors import UsageError
from smsync_core.redact import MASK, Scrubber, is_secret_key, redact_url

#: Environment variables that carry the real value of a redacted URL parameter into the kernel.
URL_ENV = {"sage_url": "SMSYNC_SAGE_URL", "smsturbo_url": "SMSYNC_SMSTURBO_URL"}

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


@dataclass(frozen=True)
class Parameter:
    """One parameter a notebook declares in its ``parameters`` cell."""

    name: str
    type: str  # "bool", "int", "float", "str" or "unknown" (papermill's inferred type name)
    default: str  # the default as written in the cell
    help: str = ""


def declared_parameters(notebook: Path) -> dict[str, Parameter]:
    """The parameters of ``notebook``'s cell tagged ``parameters``; a notebook without one, or without a
    kernelspec (papermill cannot read it), is a usage error."""
    import nbformat
    import papermill

    if not notebook.is_file():
        raise UsageError(f"There is no notebook {notebook}; give the path of an .ipynb file.")
    try:
        node = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise UsageError(f"{notebook} is not a readable notebook ({exc}); check the file.") from None
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in node.cells):
        raise UsageError(
            f"{notebook.name} has no cell tagged 'parameters', so its runs could not be audited; "
            "tag the cell that declares its parameters."
        )
    if not node.metadata.get("kernelspec", {}).get("name"):
        raise UsageError(
            f"{notebook.name} has no kernelspec in its metadata, so it does not say which kernel runs it; "
            "open it in JupyterLab, choose the Python kernel (Kernel > Change Kernel) and save it."
        )
    found = papermill.inspect_notebook(str(notebook))
    return {
        name: Parameter(name, str(p.get("inferred_type_name") or "unknown"), str(p.get("default")),
                        str(p.get("help") or ""))
        for name, p in found.items()
    }


def _kind(parameter: Parameter) -> str:
    if parameter.type in ("bool", "int", "float", "str"):
        return parameter.type
    default = parameter.default.strip()
    if default in ("True", "False"):
        return "bool"
    if default.lstrip("-").isdigit():
        return "int"
    try:
        float(default)
    except ValueError:
        return "str"
    return "float"


def typed_value(parameter: Parameter, value: Any, notebook: str) -> Any:
    """``value`` (text from the command line, or already typed) as the type of the parameter's default."""
    kind = _kind(parameter)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind in ("int", "float") and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if kind == "int" and float(value).is_integer() else value
    text = str(value).strip()
    try:
        if kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError(text)
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        raise UsageError(
            f"Parameter '{parameter.name}' of {notebook} takes a {kind} (default {parameter.default}), "
            f"not {text!r}; pass for example -p {parameter.name} {parameter.default}."
        ) from None
    return str(value)


def check_parameters(notebook: Path, declared: Mapping[str, Parameter], given: Mapping[str, Any]) -> dict[str, Any]:
    """The given parameters, typed; an undeclared name is a :class:`UsageError` naming the allowed ones."""
    allowed = ", ".join(declared) or "(none)"
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(
                f"{notebook.name} has no parameter '{name}'{hint}; its parameters are {allowed}."
            )
        values[name] = typed_value(declared[name], value, notebook.name)
    return values


@dataclass(frozen=True)
class ProtectedParameters:
    """Parameters ready to be written (``recorded``), the kernel's extra environment, and the secrets removed
    (with those of the environment: ``scrubber`` replaces them all in whatever the run writes)."""

    recorded: dict[str, Any]
    environment: dict[str, str]
    scrubber: Scrubber

    @property
    def secrets(self) -> frozenset[str]:
        """Every form of every secret the scrubber replaces."""
        return self.scrubber.secrets


def env_name(parameter: str) -> str:
    """The environment variable carrying the real value of a redacted parameter into the kernel."""
    return URL_ENV.get(parameter, f"SMSYNC_PARAM_{parameter.upper()}")


def protect_parameters(values: Mapping[str, Any]) -> ProtectedParameters:
    """Redact every password in text parameters; the real values go to the kernel's environment only.

    A parameter named like a secret (``password``, ``token``...) is redacted whole; in other text parameters the
    passwords of URLs (also ``PWD=`` of ODBC strings) are.
    """
    recorded: dict[str, Any] = {}
    environment: dict[str, str] = {}
    scrubber = Scrubber().add_environment()
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            recorded[name] = value
            continue
        if is_secret_key(name):  # the whole value is the secret
            scrubber.add(value)
            redacted = MASK
        else:
            own = Scrubber().add_url(value)
            redacted = own.scrub(redact_url(value) if ("://" in value or own.secrets) else value)
            scrubber.add_scrubber(own)
        if redacted != value:
            environment[env_name(name)] = value
        recorded[name] = redacted
    return ProtectedParameters(recorded, environment, scrubber)


def kernel_value(value: str, parameter: str) -> str:
    """Inside the kernel: the real value of a parameter that was redacted before it was written."""
    real = os.environ.get(env_name(parameter))
    if real and value and "***" in value and protect_parameters({parameter: real}).recorded[parameter] == value:
        return real
    return value
