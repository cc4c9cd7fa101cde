"""Turn the rows of an XLSForm into our survey definition, or say exactly why not.

The conversion is all or nothing: every unsupported type, column, setting or expression is
reported with its sheet, row and column, and a form with any problem is not imported at
all (a half-imported form would collect the wrong data without anyone noticing).
Expressions stay as their XLSForm source (``${name}`` and all); publishing compiles them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from ..engine.expressions import ExpressionError, parse, references
from ..surveys.schema import NAME, load_definition
from .columns import (
    CHOICE_COLUMNS,
    CHOICE_MEDIA,
    DATA_APPEARANCES,
    EXPRESSION_COLUMNS,
    SETTINGS_COLUMNS,
    SETTINGS_IGNORED,
    SURVEY_COLUMNS,
    TRANSLATABLE,
    language_code,
    parse_type,
    split_header,
    yes_no,
)
from .reader import Sheet, Workbook

RENDERED_APPEARANCES = {"multiline", "minimal", "likert", "field-list"}
CONTAINER_COLUMNS = {"type", "name", "label", "hint", "relevant", "appearance", "repeat_count"}
NO_DEFAULT_TYPES = {"group", "repeat", "calculate", "note", "start", "end", "today", "deviceid", "username"}
NUMBER_TYPES = {"integer", "decimal", "range"}


@dataclass
class Conversion:
    """The definition (None when refused), every problem, and notes for the author."""

    definition: dict | None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Column:
    header: str
    key: str | None  # our question key, or None when unsupported
    language: str | None
    why: str = ""


class _Converter:
    def __init__(self, book: Workbook):
        self.book = book
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.default_language = "en"
        self.languages: list[str] = []
        self.names: dict[str, int] = {}
        self.refs: list[tuple[int, str, str, set[str]]] = []

    # -- helpers -----------------------------------------------------------------------------

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        where = f"{sheet} sheet"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        self.errors.append(f"{where}: {message}")

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def code(self, language: str | None, sheet: str, header: str) -> str | None:
        if language is None:
            return self.default_language
        code = language_code(language)
        if code is None:
            self.problem(
                sheet,
                None,
                header,
                f"the language {language!r} has no code; write it as e.g. '{language} (xx)'",
            )
        return code

    def text(self, row: dict, columns: list[_Column], key: str, sheet: str) -> dict | None:
        texts: dict[str, str] = {}
        for column in columns:
            if column.key == key and column.header in row:
                code = self.code(column.language, sheet, column.header)
                if code:
                    texts[code] = str(row[column.header])
                    if code not in self.languages:
                        self.languages.append(code)
        return texts or None

    # -- settings and languages ----------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        sheet = self.book.settings
        values: dict[str, str] = {}
        row = next((r for r in sheet.rows if r), {})
        for header in sheet.headers:
            if header not in row:
                continue
            base, _ = split_header(header, False)
            if base in SETTINGS_COLUMNS:
                values[SETTINGS_COLUMNS[base]] = str(row[header]).strip()
            elif base in SETTINGS_IGNORED:
                self.note(f"The setting {header!r} only changes how other tools show the form: ignored here.")
            else:
                self.problem("settings", 2, header, "this setting is not supported")
        return values

    def pick_default_language(self, settings: dict[str, str]) -> None:
        declared = settings.get("default_language")
        if declared:
            code = language_code(declared)
            if code is None:
                self.problem(
                    "settings", 2, "default_language", f"{declared!r} has no code; write e.g. 'English (en)'"
                )
            else:
                self.default_language = code
                return
        found = []
        plain = False
        for sheet in (self.book.survey, self.book.choices):
            double = any("::" in h for h in sheet.headers)
            for header in sheet.headers:
                base, language = split_header(header, double)
                if base not in TRANSLATABLE:
                    continue
                if language is None:
                    plain = True
                elif language_code(language):
                    found.append(language_code(language))
        if plain or not found:
            self.default_language = "en"
            if plain:
                self.note(
                    "Labels without a language are taken as English (en): set default_language "
                    "in the settings sheet if they are in another language."
                )
        else:
            self.default_language = found[0]

    # -- survey sheet --------------------------------------------------------------------------

    def survey_columns(self, sheet: Sheet) -> list[_Column]:
        double = any("::" in h for h in sheet.headers)
        columns = []
        for header in sheet.headers:
            base, language = split_header(header, double)
            key = SURVEY_COLUMNS.get(base)
            why = ""
            if key is None:
                why = (
                    "media in questions (images, audio, video) is not supported"
                    if base in CHOICE_MEDIA
                    else "this column is not supported"
                )
            elif language is not None and key not in TRANSLATABLE:
                key, why = None, "only label, hint and the messages can be translated"
            columns.append(_Column(header, key, language, why))
        return columns

    def survey(self) -> list[dict]:
        sheet = self.book.survey
        columns = self.survey_columns(sheet)
        by_key = {c.key: c for c in columns if c.key and c.language is None}
        root: list[dict] = []
        stack: list[tuple[dict, int]] = []
        for number, row in enumerate(sheet.rows, start=2):
            if not row:
                continue
            for column in columns:
                if column.key is None and column.header in row:
                    self.problem("survey", number, column.header, column.why)
            raw = row.get(by_key["type"].header) if "type" in by_key else None
            if raw is None:
                self.problem("survey", number, "type", "this row has no type")
                continue
            parsed = parse_type(raw)
            if parsed is None:
                self.problem("survey", number, by_key["type"].header, f"the type {raw!r} is not supported")
                continue
            if parsed.get("edge") == "end":
                if not stack or stack[-1][0]["type"] != parsed["type"]:
                    self.problem("survey", number, "type", f"{raw!r} has no matching begin row")
                    continue
                container, begun = stack.pop()
                if not container["questions"]:
                    self.problem("survey", begun, "type", f"the {container['type']} has no questions")
                continue
            question = self.question(row, number, parsed, columns, by_key)
            (stack[-1][0]["questions"] if stack else root).append(question)
            if parsed.get("edge") == "begin":
                question["questions"] = []
                stack.append((question, number))
        for container, begun in stack:
            self.problem("survey", begun, "type", f"this {container['type']} is never ended")
        return root

    def question(self, row: dict, number: int, parsed: dict, columns, by_key) -> dict:
        kind = parsed["type"]
        name = str(row.get(by_key["name"].header, "")).strip() if "name" in by_key else ""
        if not NAME.match(name):
            self.problem("survey", number, "name", f"{name!r} is not a usable name (letters, digits and _)")
        elif name in self.names:
            self.problem("survey", number, "name", f"{name!r} is already used on row {self.names[name]}")
        else:
            self.names[name] = number
        question: dict[str, Any] = {"name": name, "type": kind}
        if "list" in parsed:
            question["choices"] = parsed["list"]
            question["_row"] = number
            if parsed["or_other"]:
                question["or_other"] = True
        for key in ("label", "hint", "required_message", "constraint_message"):
            texts = self.text(row, columns, key, "survey")
            if texts:
                question[key] = texts
        cell = {key: str(row[c.header]).strip() for key, c in by_key.items() if c.header in row}
        container = kind in ("group", "repeat")
        for key in cell:
            if key in ("type", "name"):
                continue
            unusable = (
                (container and key not in CONTAINER_COLUMNS)
                or (key == "repeat_count" and kind != "repeat")
                or (key == "choice_filter" and "list" not in parsed)
                or (key == "calculation" and kind != "calculate")
                or (key == "default" and kind in NO_DEFAULT_TYPES)
                or (key == "parameters" and kind not in ("range", "image"))
            )
            if unusable:
                self.problem("survey", number, by_key[key].header, f"not supported on a row of type {kind}")
        self.flags(question, cell, number, by_key)
        self.expressions(question, cell, number, by_key)
        if "appearance" in cell:
            self.appearance(question, cell["appearance"], number, by_key)
        if kind == "range":
            question["range"] = self.range_parameters(cell.get("parameters", ""), number, by_key)
        elif kind == "image" and "parameters" in cell:
            self.note(f"Row {number}: photo parameters are ignored (photos are not captured here yet).")
        if "default" in cell and kind not in NO_DEFAULT_TYPES:
            self.default(question, cell["default"], number, by_key)
        return question

    def flags(self, question: dict, cell: dict, number: int, by_key) -> None:
        for key in ("required", "read_only"):
            if key not in cell:
                continue
            flag = yes_no(cell[key])
            if flag is None:
                self.problem(
                    "survey", number, by_key[key].header, "only yes or no is supported (not a condition)"
                )
            elif flag:
                question[key] = True

    def expressions(self, question: dict, cell: dict, number: int, by_key) -> None:
        for key in EXPRESSION_COLUMNS:
            if key not in cell:
                continue
            source = cell[key]
            try:
                tree = parse(source, allow_columns=(key == "choice_filter"))
            except ExpressionError as exc:
                self.problem("survey", number, by_key[key].header, str(exc))
                continue
            question[key] = source
            self.refs.append((number, by_key[key].header, source, references(tree)))

    def appearance(self, question: dict, value: str, number: int, by_key) -> None:
        words = value.split()
        refused = [w for w in words if any(w.startswith(p) for p in DATA_APPEARANCES)]
        if refused:
            self.problem(
                "survey",
                number,
                by_key["appearance"].header,
                f"the appearance {' '.join(refused)!r} is not supported",
            )
            return
        question["appearance"] = " ".join(words)
        for word in words:
            if word not in RENDERED_APPEARANCES:
                self.note(f"The appearance {word!r} is shown with the standard widget here.")

    def range_parameters(self, text: str, number: int, by_key) -> dict:
        spec = {"start": 1.0, "end": 10.0, "step": 1.0}
        for part in re.split(r"[\s;,]+", text.strip()):
            if not part:
                continue
            key, _, value = part.partition("=")
            try:
                if key.strip() not in spec:
                    raise ValueError
                spec[key.strip()] = float(value)
            except ValueError:
                self.problem(
                    "survey", number, by_key["parameters"].header, f"{part!r} is not start, end or step"
                )
        if spec["step"] <= 0 or spec["start"] == spec["end"]:
            self.problem(
                "survey", number, by_key.get("parameters", by_key["type"]).header, "the range is empty"
            )
        return {k: int(v) if v.is_integer() else v for k, v in spec.items()}

    def default(self, question: dict, value: str, number: int, by_key) -> None:
        from pyxform.utils import default_is_dynamic

        kind = question["type"]
        if value == "today()" and kind == "date":
            question["default"] = value
            return
        if default_is_dynamic(value, "dateTime" if kind == "datetime" else kind):
            self.problem(
                "survey",
                number,
                by_key["default"].header,
                f"{value!r}: only fixed defaults (or today() for a date) are supported",
            )
            return
        if kind in NUMBER_TYPES:
            try:
                number_value = float(value)
            except ValueError:
                self.problem("survey", number, by_key["default"].header, f"{value!r} is not a number")
                return
            question["default"] = int(number_value) if number_value.is_integer() else number_value
            return
        question["default"] = value

    # -- choices sheet -------------------------------------------------------------------------

    def choices(self) -> dict[str, list[dict]]:
        sheet = self.book.choices
        double = any("::" in h for h in sheet.headers)
        columns: list[_Column] = []
        for header in sheet.headers:
            base, language = split_header(header, double)
            key = CHOICE_COLUMNS.get(base)
            why = ""
            if base in CHOICE_MEDIA:
                key, why = None, "media in choices (images, audio, video) is not supported"
            elif key is None:
                key = "extra"  # a column for choice filters
                if language is not None or not NAME.match(header):
                    key, why = None, "a filter column needs a plain name (letters, digits and _)"
            elif language is not None and key != "label":
                key, why = None, "only label can be translated"
            columns.append(_Column(header, key, language, why))
        by_key = {c.key: c for c in columns if c.key in ("list_name", "name")}
        lists: dict[str, list[dict]] = {}
        for number, row in enumerate(sheet.rows, start=2):
            if not row:
                continue
            for column in columns:
                if column.key is None and column.header in row:
                    self.problem("choices", number, column.header, column.why)
            list_name = str(row.get(by_key["list_name"].header, "")).strip() if "list_name" in by_key else ""
            name = str(row.get(by_key["name"].header, "")).strip() if "name" in by_key else ""
            if not list_name or not name:
                self.problem("choices", number, None, "a choice needs a list_name and a name")
                continue
            label = self.text(row, columns, "label", "choices")
            if not label:
                self.problem("choices", number, "label", "a choice needs a label")
                continue
            choice: dict[str, Any] = {"name": name, "label": label}
            for column in columns:
                if column.key == "extra" and column.header in row:
                    choice[column.header] = str(row[column.header])
            existing = lists.setdefault(list_name, [])
            if any(c["name"] == name for c in existing):
                self.problem("choices", number, "name", f"{name!r} is already in the list {list_name!r}")
                continue
            existing.append(choice)
        return lists

    # -- the whole form ------------------------------------------------------------------------

    def run(self) -> Conversion:
        for name in self.book.other_sheets:
            self.problem(name, None, None, "this sheet is not supported (no external or entity data here)")
        settings = self.settings()
        self.pick_default_language(settings)
        self.languages = [self.default_language]
        questions = self.survey()
        lists = self.choices()
        self.check_lists(questions, lists)
        for number, header, source, names in self.refs:
            unknown = sorted(names - set(self.names))
            if unknown:
                self.problem("survey", number, header, f"{source!r} refers to unknown {', '.join(unknown)}")
        survey_id = self.survey_id(settings)
        definition = {
            "id": survey_id,
            "version": settings.get("version") or "",
            "title": {self.default_language: settings.get("form_title") or survey_id},
            "default_language": self.default_language,
            "languages": self.languages,
            "choice_lists": lists,
            "questions": questions,
        }
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
        errors = self.book.pyxform_errors + self.errors
        return Conversion(None if errors else definition, errors, self.notes)

    def check_lists(self, questions: list[dict], lists: dict) -> None:
        stack = list(questions)
        while stack:
            question = stack.pop()
            stack.extend(question.get("questions") or [])
            row = question.pop("_row", None)
            listed = question.get("choices")
            if listed and listed not in lists:
                self.problem("survey", row, "type", f"the choice list {listed!r} is not in the choices sheet")

    def survey_id(self, settings: dict) -> str:
        raw = settings.get("form_id") or self.book.file_stem or ""
        slug = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_")
        slug = re.sub(r"^[^a-z]+", "", slug)[:64]
        if len(slug) < 2:
            self.problem("settings", None, "form_id", "give the form an id (letters, digits and _)")
            return "form"
        if slug != raw:
            self.note(f"The form id {raw!r} is used here as {slug!r}.")
        return slug


def convert_workbook(book: Workbook) -> Conversion:
    """Convert a workbook read by :func:`read_workbook`; refuse it whole on any problem."""
    return _Converter(book).run()
