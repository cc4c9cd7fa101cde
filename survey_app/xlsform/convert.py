"""Turn pyxform's parsed form (its JSON) into our survey definition, or say exactly why not.

Why pyxform's JSON and not the sheets: pyxform already cleans curly quotes, reads the old
column aliases (``bind::relevant``, ``jr:count``...), applies the settings (``title``...),
checks names and expands ``or_other``. Re-reading the sheets would throw that work away and
refuse forms every ODK tool takes. The sheets are only used for row numbers, so that a
refusal still names the row and column a coordinator has to fix.

The conversion is all or nothing: what truly cannot work here is refused by row and column
and the whole form is not imported (a half-imported form collects the wrong data silently).
Anything else is accepted; where it behaves differently than in ODK Collect (a property a
browser cannot read, a media file not attached) a note says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from ..engine.expressions import ExpressionError, parse, references
from ..engine.regex_dialect import RegexRefused
from ..surveys.answer_checks import is_date_answer
from ..surveys.schema import NAME, load_definition
from .attachments import Attachments
from .columns import language_code
from .reader import Workbook
from .types import SKIPPED, our_type

# How pyxform writes an Excel date cell (midnight) and an Excel date-time cell.
_EXCEL_MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]00:00(:00(\.0+)?)?")
_EXCEL_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?")


#: Appearances that change what is captured in a way we cannot follow: refused.
DATA_APPEARANCES = ("search(",)
RENDERED_APPEARANCES = {"multiline", "minimal", "likert", "field-list"}
#: Metadata a browser cannot read: the question stays empty, with a note.
UNREADABLE_METADATA = {"phonenumber", "email", "simserial", "subscriberid"}
#: Questions shown with the "cannot be attached yet" note: the phone has no capture for them.
NOT_CAPTURED = {"osm"}
#: pyxform's bind keys -> ours (expressions and flags).
BIND_KEYS = {
    "relevant": "relevant",
    "constraint": "constraint",
    "calculate": "calculation",
    "required": "required",
    "readonly": "read_only",
}
#: Settings that change nothing of what is collected here: ignored with a note.
IGNORED_SETTINGS = (
    "instance_name",
    "style",
    "omit_instanceID",
    "namespaces",
    "allow_choice_duplicates",
    "clean_text_values",
    "auto_send",
    "auto_delete",
    "flat",
    "xml_root",
    "entity_version",
    "sms_keyword",
    "sms_separator",
    "sms_allow_media",
    "sms_date_format",
    "sms_datetime_format",
    "sms_response",
    "prefix",
    "delimiter",
    "compact_prefix",
    "compact_delimiter",
    "add_none_option",
)
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0", ""}
OR_OTHER_LABEL = "Other"


def parameter_map(parameters) -> dict:
    """pyxform's ``parameters`` as a dict: it keeps some as the sheet's ``k=v k=v`` text."""
    if isinstance(parameters, dict):
        return parameters
    if isinstance(parameters, str):
        pairs = (part.split("=", 1) for part in parameters.replace(",", " ").split() if "=" in part)
        return {key.strip(): value.strip() for key, value in pairs}
    return {}


@dataclass
class Conversion:
    """The definition (None when refused), every problem, and notes for the author."""

    definition: dict | None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Rows:
    """Where each question is in the survey sheet: (group path..., name) -> row number."""

    def __init__(self, book: Workbook):
        self.by_path: dict[tuple[str, ...], int] = {}
        self.by_name: dict[str, int] = {}
        headers = {h.strip().lower(): h for h in book.survey.headers}
        type_header, name_header = headers.get("type"), headers.get("name")
        stack: list[str] = []
        for number, row in enumerate(book.survey.rows, start=2):
            if not row or type_header is None:
                continue
            kind = " ".join(str(row.get(type_header, "")).lower().replace("_", " ").split())
            name = str(row.get(name_header, "")).strip() if name_header else ""
            if kind.startswith("end ") and kind.split()[-1] in ("group", "repeat", "loop"):
                if stack:
                    stack.pop()
                continue
            if name:
                self.by_path.setdefault((*stack, name), number)
                self.by_name.setdefault(name, number)
            if kind.startswith("begin ") and kind.split()[-1] in ("group", "repeat", "loop"):
                stack.append(name)

    def of(self, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        found = self.by_path.get(path) or self.by_name.get(path[-1])
        if found is None and path[-1].endswith("_count"):
            # pyxform moves a repeat_count that is not a plain ${q} into a calculate of its
            # own, "<repeat>_count": its problems are the repeat's row.
            return self.of((*path[:-1], path[-1].removesuffix("_count")))
        return found

    def generated(self, path: tuple[str, ...]) -> bool:
        return path not in self.by_path and path[-1] not in self.by_name


class _Converter:
    def __init__(self, book: Workbook, form: dict, attachments: Attachments):
        self.book = book
        self.form = form
        self.files = attachments
        self.rows = _Rows(book)
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.default_language = "en"
        self.languages: list[str] = []
        self.codes: dict[str, str] = {}
        self.refs: list[tuple[int | None, str, str, set[str]]] = []
        self.paths: dict[str, list[tuple[str, ...]]] = {}
        self.lists: dict[str, list[dict]] = {}
        self.lookups: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------

    def problem(self, row: int | None, column: str | None, message: str, sheet: str = "survey") -> None:
        where = f"{sheet} sheet"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        self.errors.append(f"{where}: {message}")

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def code(self, language: str) -> str:
        """A pyxform language name (``English (en)``, ``default``) -> our language code."""
        if language in self.codes:
            return self.codes[language]
        if language == "default":
            code = self.default_language
        else:
            code = language_code(language)
            if code is None:
                code = re.sub(r"[^a-z0-9]+", "-", language.lower()).strip("-")[:16] or "xx"
                if len(code) < 2:
                    code += "-x"
                self.note(
                    f"The language {language!r} has no code: it is called {code!r} here "
                    f"(write it as e.g. '{language} (xx)' to give it one)."
                )
        self.codes[language] = code
        if code not in self.languages:
            self.languages.append(code)
        return code

    def text(self, value: Any) -> dict[str, str] | None:
        if value is None or value == "":
            return None
        if isinstance(value, dict):
            texts = {self.code(str(k)): str(v) for k, v in value.items() if v not in (None, "")}
            return texts or None
        if self.default_language not in self.languages:
            self.languages.append(self.default_language)
        return {self.default_language: str(value)}

    # -- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        form = self.form
        declared = form.get("default_language")
        if declared and declared != "default":
            code = language_code(declared)
            self.default_language = code or self.default_language
            if code is None:
                self.problem(
                    2, "default_language", f"{declared!r} has no code; write e.g. 'English (en)'", "settings"
                )
        else:
            self.default_language = self._first_language() or "en"
        self.codes["default"] = self.default_language
        for key in ("public_key", "submission_url"):
            if form.get(key):
                self.note(
                    f"The setting {key!r} is ignored: records are sent to this server"
                    + (
                        ", and are not encrypted on the phone (protect the server and its exports)."
                        if key == "public_key"
                        else "."
                    )
                )
        for key in IGNORED_SETTINGS:
            if form.get(key) and key != "sms_keyword":
                self.note(f"The setting {key!r} only changes how other tools handle the form: ignored here.")
        return {
            "form_id": str(form.get("id_string") or ""),
            "title": str(form.get("title") or ""),
            "version": str(form.get("version") or ""),
        }

    def _first_language(self) -> str | None:
        """Without default_language: English if any label has no language, else the first."""
        found: list[str] = []
        plain = False
        for sheet in (self.book.survey, self.book.choices):
            for header in sheet.headers:
                base, _, language = header.partition("::")
                if base.strip().lower() not in ("label", "hint"):
                    continue
                if language.strip():
                    code = language_code(language.strip())
                    if code:
                        found.append(code)
                else:
                    plain = True
        if plain or not found:
            if plain and found:
                self.note(
                    "Labels without a language are taken as English (en): set default_language "
                    "in the settings sheet if they are in another language."
                )
            return "en"
        return found[0]

    # -- questions -----------------------------------------------------------------------------

    def children(self, items: list[dict], path: tuple[str, ...]) -> list[dict]:
        out: list[dict] = []
        skip: set[int] = set()
        for index, item in enumerate(items):
            if index in skip:
                continue
            kind = str(item.get("type", ""))
            name = str(item.get("name", ""))
            if kind == "group" and name == "meta" and (item.get("control") or {}).get("bodyless"):
                continue  # pyxform's own instanceID (and instanceName): the server keeps ids
            if kind == "loop":
                out.extend(self.loop(item, path))
                continue
            question = self.question(item, path)
            if question is None:
                continue
            if question["type"] in ("select_one", "select_multiple") and index + 1 < len(items):
                follower = items[index + 1]
                if _is_or_other(question["name"], follower):
                    question["or_other"] = True
                    skip.add(index + 1)
            out.append(question)
        return out

    def loop(self, item: dict, path: tuple[str, ...]) -> list[dict]:
        """A loop is one group per column (choice), as pyxform writes it in the XForm."""
        groups = []
        for column in item.get("columns") or []:
            label = _plain(column.get("label")) or column["name"]
            children = json.loads(
                json.dumps(item.get("children") or []).replace("%(label)s", label.replace('"', '\\"'))
            )
            groups.append(
                {
                    "type": "group",
                    "name": column["name"],
                    "label": column.get("label") or column["name"],
                    "children": children,
                }
            )
        wrapper = {"type": "group", "name": item["name"], "label": item.get("label"), "children": groups}
        if item.get("bind"):
            wrapper["bind"] = item["bind"]
        question = self.question(wrapper, path)
        return [question] if question else []

    def question(self, item: dict, path: tuple[str, ...]) -> dict | None:
        raw_type = str(item.get("type", ""))
        name = str(item.get("name", ""))
        here = (*path, name)
        row = self.rows.of(here)
        if raw_type in SKIPPED:
            self.note(f"Row {row}: the type {raw_type!r} is skipped ({SKIPPED[raw_type]}).")
            return None
        kind = raw_type if raw_type in ("group", "repeat") else our_type(raw_type)
        if kind is None:
            self.problem(row, "type", f"the type {raw_type!r} cannot be captured here")
            return None
        if not NAME.match(name):
            self.problem(row, "name", f"{name!r} is not a usable name")
            return None
        self.paths.setdefault(name, []).append(here)
        question: dict[str, Any] = {"name": name, "type": kind, "_path": here}
        for key in ("label", "hint", "guidance_hint"):
            texts = self.text(item.get(key))
            if texts:
                question[key] = texts
        bind = item.get("bind") or {}
        control = item.get("control") or {}
        for key in ("jr:requiredMsg", "jr:constraintMsg"):
            texts = self.text(bind.get(key))
            if texts:
                question["required_message" if "required" in key else "constraint_message"] = texts
        self.binds(question, bind, row, kind)
        appearance = control.get("appearance") or item.get("appearance")
        if appearance:
            self.appearance(question, str(appearance), row)
        if kind == "repeat" and control.get("jr:count"):
            self.expression(question, "repeat_count", str(control["jr:count"]), row)
        if item.get("choice_filter"):
            self.expression(question, "choice_filter", str(item["choice_filter"]), row)
        if item.get("media"):
            self.media(question, item["media"], row)
        if kind in ("select_one", "select_multiple"):
            self.choices_of(question, item, raw_type, row)
        if kind == "range":
            question["range"] = self.range_parameters(item.get("parameters") or {}, row)
        elif kind == "image" and "max-pixels" in parameter_map(item.get("parameters")):
            self.max_pixels(question, parameter_map(item["parameters"]), row)
        elif item.get("parameters") and kind not in ("select_one", "select_multiple"):
            self.note(f"Row {row}: the parameters {item['parameters']} are ignored here.")
        if "default" in item and item["default"] not in (None, ""):
            self.default(question, item, row)
        if kind in UNREADABLE_METADATA:
            self.note(f"Row {row}: {kind} cannot be read by a browser; {name!r} stays empty.")
        elif kind == "start_geopoint":
            self.note(f"Row {row}: {name!r} takes the position once, when the form opens, if allowed.")
        elif kind in NOT_CAPTURED:
            self.note(f"Row {row}: {name!r} ({kind}) is shown, but cannot be captured yet.")
        if kind in ("group", "repeat"):
            question["questions"] = self.children(item.get("children") or [], here)
            if not question["questions"]:
                self.problem(row, "type", f"the {kind} {name!r} has no questions")
        return question

    def binds(self, question: dict, bind: dict, row: int | None, kind: str) -> None:
        for source_key, key in BIND_KEYS.items():
            value = bind.get(source_key)
            if value is None:
                continue
            text = str(value).strip()
            if key in ("required", "read_only"):
                if text.lower() in YES:
                    question[key] = True
                elif text.lower() in NO:
                    continue
                else:
                    self.expression(question, key, text, row)
                continue
            if key == "calculation" and not text:
                continue
            self.expression(question, key, text, row)

    def expression(self, question: dict, key: str, source: str, row: int | None) -> None:
        column = key
        if key == "calculation" and self.rows.generated(question["_path"]):
            column = "repeat_count"
        if "${last-saved#" in source:
            self.note(
                f"Row {row}: {source!r} uses last-saved values, which are not kept here: it is left empty."
            )
            return
        try:
            source = self.without_bare_names(source, key, row, column)
            tree = parse(source, allow_columns=(key == "choice_filter"))
        except RegexRefused as exc:
            self.problem(row, column, str(exc))
            return
        except ExpressionError as exc:
            self.problem(row, column, str(exc))
            return
        question[key] = source
        self.refs.append((row, column, source, references(tree)))
        self.lookups |= _lookups(tree)

    def without_bare_names(self, source: str, key: str, row: int | None, column: str) -> str:
        """``yes`` where ``'yes'`` or ``${yes}`` was meant: in ODK a bare name is a path to a
        child of the question itself, which never exists, so it reads as empty. pyxform and
        Collect accept such forms (osm-fieldwork has several), so they import here too, with
        each bare name written as the empty text it evaluates to, and a note saying so."""
        for _ in range(20):  # a form row has a handful of names at most
            try:
                parse(source, allow_columns=(key == "choice_filter"))
                return source
            except ExpressionError as exc:
                if exc.bare_name is None or exc.position is None:
                    raise
                name, at = exc.bare_name, exc.position
                self.note(
                    f"Row {row}, column {column!r}: {name} is neither in quotes nor ${{{name}}};"
                    f" ODK reads it as an empty value, and so does this app. Write '{name}' for"
                    f" the text or ${{{name}}} for the question."
                )
                source = source[:at] + "''" + source[at + len(name) :]
        return source

    def appearance(self, question: dict, value: str, row: int | None) -> None:
        words = value.split()
        refused = [w for w in words if w.startswith(DATA_APPEARANCES)]
        if refused:
            self.problem(
                row,
                "appearance",
                f"the appearance {' '.join(refused)!r} reads choices from a file at run time;"
                " use select_one_from_file instead",
            )
            return
        question["appearance"] = " ".join(words)
        for word in words:
            if word not in RENDERED_APPEARANCES:
                self.note(f"The appearance {word!r} is shown with the standard widget here.")

    def media(self, question: dict, media: dict, row: int | None) -> None:
        kept: dict[str, dict[str, str]] = {}
        for kind, value in media.items():
            texts = self.text(value)
            if texts:
                kept[str(kind)] = texts
                for filename in texts.values():
                    self.files.want(filename, row)
        if kept:
            question["media"] = kept

    def choices_of(self, question: dict, item: dict, raw_type: str, row: int | None) -> None:
        itemset = str(item.get("itemset") or item.get("list_name") or "")
        if raw_type == "select one external":
            question["choices"] = itemset
            self.lists.setdefault(itemset, self.files.external_choices(itemset))
            return
        if "." in itemset and itemset.rsplit(".", 1)[-1].lower() in ("csv", "xml", "geojson"):
            question["choices"] = itemset
            question["choices_file"] = itemset
            rows = self.files.choices_from(itemset, row)
            self.lists.setdefault(itemset, rows)
            if item.get("parameters"):
                question["choice_columns"] = {
                    k: str(v) for k, v in item["parameters"].items() if k in ("value", "label")
                }
                self.lists[itemset] = self.files.relabel(rows, question["choice_columns"])
            return
        if itemset.startswith("${"):
            self.problem(row, "type", "choices taken from a repeat's answers are not supported yet")
            return
        question["choices"] = itemset

    def max_pixels(self, question: dict, params: dict, row: int | None) -> None:
        """``max-pixels`` (ODK Collect's photo downscaling) -> ``max_pixels`` on the phone."""
        try:
            pixels = int(str(params["max-pixels"]).strip())
        except ValueError:
            pixels = 0
        if pixels <= 0:
            self.problem(row, "parameters", f"max-pixels={params['max-pixels']!r} is not a whole number")
            return
        question["max_pixels"] = pixels
        others = {k: v for k, v in params.items() if k != "max-pixels"}
        if others:
            self.note(f"Row {row}: the parameters {others} are ignored here.")

    def range_parameters(self, params: dict, row: int | None) -> dict:
        spec = {"start": 1.0, "end": 10.0, "step": 1.0}
        for key in spec:
            if key in params:
                try:
                    spec[key] = float(params[key])
                except (TypeError, ValueError):
                    self.problem(row, "parameters", f"{key}={params[key]!r} is not a number")
        if spec["step"] <= 0 or spec["start"] == spec["end"]:
            self.problem(row, "parameters", "the range is empty")
        return {k: int(v) if v.is_integer() else v for k, v in spec.items()}

    def default(self, question: dict, item: dict, row: int | None) -> None:
        value = str(item["default"])
        kind = question["type"]
        if value == "today()" and kind == "date":
            question["default"] = value
            return
        if item.get("_dynamic_default"):
            self.expression(question, "dynamic_default", value, row)
            return
        if kind in ("integer", "decimal", "range"):
            try:
                number = float(value)
            except ValueError:
                self.problem(row, "default", f"{value!r} is not a number")
                return
            question["default"] = int(number) if number.is_integer() else number
            return
        if kind in ("date", "datetime"):
            value = self.moment_default(question, kind, value)
            if value is None:
                return
        question["default"] = value

    def moment_default(self, question: dict, kind: str, value: str) -> str | None:
        """A date or date-time default as the form's input holds it (ISO, with a ``T``).

        A default typed into Excel as a date arrives from pyxform as ``1900-01-01 00:00:00``:
        the phone sent that text, and the server quarantined every record as "not a date".
        It is read as the day it stands for. A date default that is no date is left out,
        with a note (the question starts empty, as the browser's date input would have it).
        """
        text = value.strip()
        if kind == "date":
            if _EXCEL_MIDNIGHT.fullmatch(text):
                text = text[:10]
            if is_date_answer(text):  # what the server will take from the phone
                return text
            name = question["name"]
            self.note(f"The default {value!r} of {name!r} is not a date: the question starts empty.")
            return None
        if kind == "datetime" and _EXCEL_MOMENT.fullmatch(text):
            return text[:10] + "T" + text[11:]
        return value

    # -- choices -----------------------------------------------------------------------------

    def choice_lists(self) -> None:
        for list_name, rows in (self.form.get("choices") or {}).items():
            converted = []
            seen: set[str] = set()
            for choice in rows:
                name = str(choice.get("name", ""))
                if name in seen:
                    continue  # pyxform accepts duplicates only with allow_choice_duplicates
                seen.add(name)
                entry: dict[str, Any] = {"name": name}
                entry["label"] = self.text(choice.get("label")) or {self.default_language: name}
                for key, value in choice.items():
                    if key in ("name", "label"):
                        continue
                    if key == "media":
                        kept = {str(k): self.text(v) for k, v in value.items() if self.text(v)}
                        for texts in kept.values():
                            for filename in texts.values():
                                self.files.want(filename, None)
                        entry["media"] = kept
                    elif isinstance(value, str | int | float):
                        entry[str(key)] = str(value)
                converted.append(entry)
            self.lists[str(list_name)] = converted

    # -- names -------------------------------------------------------------------------------

    def scope_names(self, questions: list[dict]) -> None:
        """A name used in more than one group is scoped by its path (``group/name``)."""
        stack = list(questions)
        while stack:
            question = stack.pop()
            stack.extend(question.get("questions") or [])
            path = question.pop("_path")
            if len(self.paths.get(question["name"], [])) > 1 and question["type"] not in ("group",):
                question["label_name"] = question["name"]
                question["name"] = "/".join(path)

    # -- the whole form ----------------------------------------------------------------------

    def run(self) -> Conversion:
        settings = self.settings()
        self.languages = [self.default_language]
        self.choice_lists()
        questions = self.children(self.form.get("children") or [], ())
        for question in _walk(questions):
            listed = question.get("choices")
            if listed and listed not in self.lists:
                self.problem(
                    self.rows.by_name.get(question["name"]),
                    "type",
                    f"the choice list {listed!r} is not in the choices sheet",
                )
        for row, column, source, names in self.refs:
            unknown = sorted(n for n in names if n not in self.paths)
            if unknown:
                self.problem(row, column, f"{source!r} refers to unknown {', '.join(unknown)}")
            ambiguous = sorted(n for n in names if len(self.paths.get(n, [])) > 1)
            if ambiguous:
                self.problem(row, column, f"{source!r}: {', '.join(ambiguous)} is used in several groups")
        self.scope_names(questions)
        survey_id = self.survey_id(settings)
        definition: dict[str, Any] = {
            "id": survey_id,
            "version": settings["version"],
            "title": {self.default_language: settings["title"] or survey_id},
            "default_language": self.default_language,
            "languages": self.languages,
            "choice_lists": self.lists,
            "questions": questions,
        }
        if self.lookups:
            definition["instances"] = self.files.lookup_tables(self.lookups)
        attachments = self.files.summary()
        if attachments:
            definition["attachments"] = attachments
        self.warnings.extend(self.files.warnings())
        if not definition["version"]:
            body = json.dumps(definition, sort_keys=True, ensure_ascii=False).encode("utf-8")
            definition["version"] = "auto-" + hashlib.sha256(body).hexdigest()[:10]
            self.note(
                f"The settings sheet gives no version: this import is version {definition['version']}"
                " (the same form imported again is the same version)."
            )
        if not self.errors:
            try:
                load_definition(definition)
            except ValidationError as exc:
                self.errors.append(f"The converted form is not valid: {exc.messages}")
        return Conversion(None if self.errors else definition, self.errors, self.notes, self.warnings)

    def survey_id(self, settings: dict) -> str:
        raw = settings.get("form_id") or self.book.file_stem or ""
        slug = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_")
        if slug and not slug[0].isalpha():  # e.g. "=NOW()" saved by Excel as a date
            slug = "form_" + slug
        slug = slug[:64]
        if len(slug) < 2:
            self.problem(None, "form_id", "give the form an id (letters, digits and _)", "settings")
            return "form"
        if slug != raw:
            self.note(f"The form id {raw!r} is used here as {slug!r}.")
        return slug


def _plain(text: Any) -> str:
    if isinstance(text, dict):
        return str(next(iter(text.values()), ""))
    return str(text or "")


def _is_or_other(name: str, follower: dict) -> bool:
    """pyxform writes ``or_other`` as a text question ``<name>_other`` after the select."""
    relevant = (follower.get("bind") or {}).get("relevant", "")
    return (
        follower.get("name") == f"{name}_other"
        and follower.get("type") == "text"
        and relevant.replace(" ", "") == f"selected(../{name},'other')"
    )


def _lookups(tree: dict) -> set[str]:
    """Attachments an expression reads: pulldata('name', ...) and instance('name')/..."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if "lookup" in node:
            found.add(node["lookup"])
            if "where" in node:
                stack.append(node["where"])
        if node.get("fn") == "pulldata" and "str" in node["args"][0]:
            found.add(node["args"][0]["str"].removesuffix(".csv"))
        stack.extend(node.get("args", ()))
    return found


def _walk(questions: list[dict]):
    for question in questions:
        yield question
        yield from _walk(question.get("questions") or [])


def convert_form(book: Workbook, form: dict, attachments: Attachments) -> Conversion:
    """Convert pyxform's JSON for a workbook read by :func:`read_workbook`; all or nothing."""
    conversion = _Converter(book, form, attachments).run()
    if conversion.definition is not None:
        _drop_added_other(conversion.definition)
    return conversion


def _drop_added_other(definition: dict) -> None:
    """pyxform appends an ``other`` choice for ``or_other``; ours adds its own."""
    for question in _walk(definition["questions"]):
        if question.get("or_other"):
            rows = definition["choice_lists"].get(question["choices"], [])
            if (
                rows
                and rows[-1]["name"] == "other"
                and rows[-1]["label"] in ({definition["default_language"]: OR_OTHER_LABEL},)
            ):
                rows.pop()
