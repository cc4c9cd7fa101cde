"""Which repeats of a definition name organisations: their ``registry`` declaration.

A definition says it (docs/definitions.md, docs/action-plans.md); nothing here knows the
built-in survey's question names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..surveys.schema import walk


@dataclass(frozen=True)
class RegistryRepeat:
    """A repeat whose instances each name one organisation, and its field names."""

    repeat: str
    name: str
    type: str | None = None
    does: str | None = None
    partner: str | None = None
    type_choices: str | None = None
    partner_choices: str | None = None


def registry_repeats(definition: dict) -> list[RegistryRepeat]:
    """Every repeat of ``definition`` declared as feeding the registry."""
    found = []
    for question in walk(definition.get("questions") or []):
        declared = question.get("registry")
        if question.get("type") != "repeat" or not isinstance(declared, dict) or "name" not in declared:
            continue
        children = {child["name"]: child for child in question.get("questions") or []}
        found.append(
            RegistryRepeat(
                repeat=question["name"],
                name=declared["name"],
                type=declared.get("type"),
                does=declared.get("does"),
                partner=declared.get("partner"),
                type_choices=_choices(children, declared.get("type")),
                partner_choices=_choices(children, declared.get("partner")),
            )
        )
    return found


def _choices(children: dict[str, dict], name: str | None) -> str | None:
    child = children.get(name or "")
    return child.get("choices") if child else None
