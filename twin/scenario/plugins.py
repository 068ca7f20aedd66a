"""Sections that plug-in services add to the scenario: ``services.<name>``.

A service registered with a ``section`` (``twin.services.base.Service.section``)
gets its section in the schema as if it had always been there: validated,
defaulted, written in the resolved scenario and in the JSON Schema, with errors
naming its fields. The built-in services' sections are plain fields of
``twin.scenario.services.Services``.
"""

from __future__ import annotations

from pydantic import Field, create_model

from twin.scenario.base import Section
from twin.scenario.schema import Scenario
from twin.scenario.services import Services

__all__ = ["add_service_section", "remove_service_section"]

_ADDED: dict[str, type[Section]] = {}


def add_service_section(key: str, section: type[Section], description: str) -> None:
    """Give scenarios a ``services.<key>`` section of type ``section`` (default-filled)."""
    if key in Services.model_fields and key not in _ADDED:
        raise ValueError(f"services.{key} is already a section of the scenario schema")
    _ADDED[key] = section
    _rebuild({key: description})


def remove_service_section(key: str) -> None:
    """Take a plug-in's ``services.<key>`` section out of the schema again."""
    if _ADDED.pop(key, None) is not None:
        _rebuild({})


_DESCRIPTIONS: dict[str, str] = {}


def _rebuild(descriptions: dict[str, str]) -> None:
    _DESCRIPTIONS.update(descriptions)
    fields = {
        key: (section, Field(default=section(), description=_DESCRIPTIONS[key]))
        for key, section in _ADDED.items()
    }
    services = (
        create_model("Services", __base__=Services, **fields)  # type: ignore[call-overload]
        if fields
        else Services
    )
    field = Scenario.model_fields["services"]
    field.annotation = services
    field.default = services()
    Scenario.model_rebuild(force=True)
