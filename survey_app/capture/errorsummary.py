"""The error summary above a re-shown form: each message names its question and links to it."""

from __future__ import annotations

from ..languages.texts import translate
from ..surveys.schema import walk
from ..templating import field_id


def error_labels(definition: dict, language: str) -> dict[str, str]:
    """Question labels by name, so the summary names questions as the person sees them."""
    default = definition.get("default_language", "en")
    return {q["name"]: translate(q.get("label"), language, default) for q in walk(definition["questions"])}


def error_targets(definition: dict, errors: dict) -> dict[str, str]:
    """The field each summary link moves to: a choice question's first option (a
    fieldset cannot take focus), a geopoint's latitude, else the field itself."""
    questions = {q["name"]: q for q in walk(definition["questions"])}
    targets = {}
    for key in errors:
        question = questions.get(key.rsplit(".", 1)[-1], {})
        kind = question.get("type")
        if kind in ("select_one", "select_multiple"):
            options = definition.get("choice_lists", {}).get(question.get("choices"), [])
            targets[key] = field_id(f"{key}-{options[0]['name']}") if options else field_id(key)
        elif kind == "range":
            start = question.get("range", {}).get("start", 1)
            targets[key] = field_id(f"{key}-{int(start)}")
        elif kind == "geopoint":
            targets[key] = field_id(f"{key}__lat")
        elif kind == "acknowledge":
            targets[key] = field_id(key) + "-ok"
        else:
            targets[key] = field_id(key)
    return targets
