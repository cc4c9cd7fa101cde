"""pyxform question types -> ours, read from pyxform's own type dictionary.

pyxform knows dozens of spellings of each type (``photo``, ``q image``, ``add image prompt``,
``uri:deviceid``...). Rather than copy its list, a type is recognised by what pyxform would
write for it in the XForm: its control tag, bind type, media type and preload. So every
spelling pyxform accepts is accepted here, and a new one in a later pyxform too.
"""

from __future__ import annotations

from typing import Any

#: preloaded properties -> our metadata type (filled by the app, never shown).
PRELOADS = {
    ("timestamp", "start"): "start",
    ("timestamp", "end"): "end",
    ("date", "today"): "today",
    ("property", "deviceid"): "deviceid",
    ("property", "username"): "username",
    ("property", "phonenumber"): "phonenumber",
    ("property", "email"): "email",
    ("property", "simserial"): "simserial",
    ("property", "subscriberid"): "subscriberid",
}
BIND_TYPES = {
    "string": "text",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "dateTime": "datetime",
    "geopoint": "geopoint",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "barcode": "barcode",
}
MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "application": "file", "osm": "osm"}
#: Types that are no question of their own here: skipped, with a note saying why.
SKIPPED = {
    "audit": "audit logs are not recorded here",
    "background-audio": "background recording is not done here",
    "xml-external": "an external data file is only read through its attachment",
    "csv-external": "an external data file is only read through its attachment",
    "background-geopoint": "background locations are not recorded here",
    "entity": "ODK Central entities are not created here; the form's answers are kept",
}


def our_type(pyxform_type: str) -> str | None:
    """Our type for a pyxform question type, or None when it cannot be captured here."""
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    lowered = pyxform_type.strip()
    if lowered in SKIPPED:
        return None
    special = {
        "select one": "select_one",
        "select all that apply": "select_multiple",
        "select one external": "select_one",
        "start-geopoint": "start_geopoint",
        "hidden": "hidden",
        "trigger": "acknowledge",
        "range": "range",
        "calculate": "calculate",
        "note": "note",
        "acknowledge": "acknowledge",
    }
    if lowered in special:
        return special[lowered]
    spec: dict[str, Any] | None = QUESTION_TYPE_DICT.get(lowered) or QUESTION_TYPE_DICT.get(lowered.lower())
    if spec is None:
        return None
    bind = spec.get("bind") or {}
    control = spec.get("control") or {}
    preload = bind.get("jr:preload")
    if preload:
        params = str(bind.get("jr:preloadParams", "")).removeprefix("uri:")
        return PRELOADS.get((preload, params))
    tag = control.get("tag")
    if tag == "select1":
        return "select_one"
    if tag == "select":
        return "select_multiple"
    if tag == "trigger":
        return "acknowledge"
    if tag == "upload":
        kind = str(control.get("mediatype", "")).split("/")[0]
        return MEDIA_TYPES.get(kind)
    if not control:
        return "calculate" if bind.get("type") == "string" else None
    if tag == "input" and bind.get("readonly") == "true()":
        return "note"
    return BIND_TYPES.get(bind.get("type", ""))
