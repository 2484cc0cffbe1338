"""The base of kgstudio's validated configs (:class:`gnn.config.TeacherConfig`,
:class:`generation.config.StudentConfig`): a pydantic v2 model that reads like a
dataclass (attribute access, ``==``, :meth:`to_dict` / :meth:`from_dict`).

Types are strict: a config read from JSON with ``"256"`` for a width, ``"false"`` for a
flag or ``"fast"`` for a learning rate is refused, never coerced (``"false"`` would
otherwise be a true value). Integers are taken where a number is wanted. Unknown fields
are refused, so a checkpoint written by a newer version is reported instead of silently
misread. Every refusal is the subclass's :attr:`Config.error` (a
:class:`kg.errors.KGStudioError`) naming the field, the value given and what is allowed.
"""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from kg.errors import KGStudioError

__all__ = ["Config", "ConfigError", "describe_errors"]


class ConfigError(KGStudioError):
    """A config value has the wrong type, is out of range, or its field is unknown."""


_ALLOWED = {
    "int_type": "a whole number (JSON: 256, without quotes)",
    "int_from_float": "a whole number",
    "float_type": "a number (JSON: 0.001, without quotes)",
    "bool_type": "true or false (JSON booleans, without quotes)",
    "string_type": "text (a JSON string)",
    "list_type": "a list (JSON: [...])",
}


def describe_errors(e: ValidationError) -> list[str]:
    """One line per error: ``field: value given: what is allowed``."""
    out = []
    for err in e.errors(include_url=False):
        loc = ".".join(str(x) for x in err.get("loc", ())) or "(config)"
        kind = err.get("type", "")
        given = err.get("input")
        if kind == "extra_forbidden":
            out.append(f"unknown field {loc}")
            continue
        if kind == "missing":
            out.append(f"{loc}: missing")
            continue
        allowed = _ALLOWED.get(kind)
        if allowed is None:
            msg = err.get("msg") or "invalid"
            msg = msg.removeprefix("Value error, ")
            allowed = ("must be " + msg[len("Input should be "):] if msg.startswith("Input should be ")
                       else msg[0].lower() + msg[1:])
        out.append(f"{loc} = {given!r} ({type(given).__name__}) is not allowed: {allowed}")
    return out


class Config(BaseModel):
    """Dataclass-like validated config; subclasses set :attr:`error` and :attr:`what`."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True,
                              validate_default=False, arbitrary_types_allowed=False)

    #: the exception raised for a bad value (a :class:`ConfigError` subclass)
    error: ClassVar[type[KGStudioError]] = ConfigError
    #: how messages name the config ("teacher config")
    what: ClassVar[str] = "config"

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise self._error(e) from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except ValidationError as e:
            raise self._error(e) from None

    @classmethod
    def _error(cls, e: ValidationError) -> KGStudioError:
        lines = describe_errors(e)
        unknown = [x.removeprefix("unknown field ") for x in lines if x.startswith("unknown field ")]
        if unknown and len(unknown) == len(lines):
            return cls.error(f"unknown {cls.what} field(s): {', '.join(sorted(unknown))}")
        return cls.error(f"{cls.what}: " + "; ".join(lines))

    def to_dict(self) -> dict:
        """Plain dict (JSON-able, and loadable with ``torch.load(weights_only=True)``)."""
        return self.model_dump()

    @classmethod
    def from_dict(cls, d: dict):
        """The config of ``d`` (a checkpoint's or a JSON file's); unknown fields refused."""
        if not isinstance(d, dict):
            raise cls.error(f"{cls.what}: expected an object of fields, got {type(d).__name__}")
        return cls(**d)

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.model_fields)
