"""A questionnaire version's definition: parsed from JSON, validated, and able to read a submitted form.

The JSON shape::

    {"code": "...", "title": {"vi": "...", "en": "..."}, "intro": {...}, "thanks": {...},
     "elements": [{"key": "access", "name": {"vi": "...", "en": "..."}}],
     "sections": [{"key": "...", "title": {...}, "element": "access" | null,
                   "questions": [{"key": "access.seating", "type": "scale5", "text": {...},
                                  "required": false, "na": true, "quick": false,
                                  "options": [{"value": 1, "text": {...}, "points": 2}],
                                  "indicator": "contacts", "max_length": 1000,
                                  "follow_up_of": "overall", "show_if": [1, 2]}]}]}

Types: ``scale5`` (1 Rất không hài lòng … 5 Rất hài lòng, 0 = không có ý kiến when ``na``), ``single``,
``multi``, ``text``. A question's ``element`` comes from its section (SIPAS element or criteria group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..text import clean

SCALE5 = {
    1: {"vi": "Rất không hài lòng", "en": "Very dissatisfied"},
    2: {"vi": "Không hài lòng", "en": "Dissatisfied"},
    3: {"vi": "Bình thường", "en": "Neutral"},
    4: {"vi": "Hài lòng", "en": "Satisfied"},
    5: {"vi": "Rất hài lòng", "en": "Very satisfied"},
}
NOT_APPLICABLE = {"vi": "Không có ý kiến", "en": "No opinion"}
QUESTION_TYPES = {"scale5", "single", "multi", "text"}
DEFAULT_TEXT_MAX = 1000


class DefinitionError(ValueError):
    """The JSON does not describe a valid questionnaire."""


@dataclass(frozen=True)
class Option:
    value: int
    text: dict[str, str]
    points: int | None = None


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    text: dict[str, str]
    element: str | None
    required: bool = False
    na: bool = False
    quick: bool = False
    options: tuple[Option, ...] = ()
    indicator: str | None = None
    max_length: int = DEFAULT_TEXT_MAX
    follow_up_of: str | None = None
    show_if: tuple[int, ...] = ()

    def label(self, lang: str) -> str:
        return self.text.get(lang) or self.text["vi"]

    def choices(self, lang: str) -> list[tuple[int, str]]:
        """(value, label) pairs in display order; the scale from 'Rất hài lòng' down."""
        if self.type == "scale5":
            pairs = [(v, SCALE5[v].get(lang, SCALE5[v]["vi"])) for v in (5, 4, 3, 2, 1)]
            if self.na:
                pairs.append((0, NOT_APPLICABLE.get(lang, NOT_APPLICABLE["vi"])))
            return pairs
        return [(o.value, o.text.get(lang) or o.text["vi"]) for o in self.options]

    @property
    def valid_values(self) -> set[int]:
        if self.type == "scale5":
            return {1, 2, 3, 4, 5} | ({0} if self.na else set())
        return {o.value for o in self.options}


@dataclass(frozen=True)
class Section:
    key: str
    title: dict[str, str]
    element: str | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Definition:
    code: str
    title: dict[str, str]
    intro: dict[str, str]
    thanks: dict[str, str]
    elements: tuple[tuple[str, dict[str, str]], ...]
    sections: tuple[Section, ...]
    questions: dict[str, Question] = field(default_factory=dict)

    @property
    def quick_question(self) -> Question | None:
        return next((q for q in self.questions.values() if q.quick), None)

    @property
    def steps(self) -> tuple[Section, ...]:
        """The sections one per screen, the quick (overall) rating's section first: a citizen who answers only
        that one and taps "Gửi ngay" has sent a complete response."""
        quick = self.quick_question
        first = [s for s in self.sections if quick is not None and quick in s.questions]
        return tuple(first + [s for s in self.sections if s not in first])

    def element_name(self, key: str, lang: str = "vi") -> str:
        for element_key, name in self.elements:
            if element_key == key:
                return name.get(lang) or name["vi"]
        return key


@dataclass
class ParsedAnswers:
    """What a form submitted, as answer rows, with errors per question key (Vietnamese or English)."""

    values: dict[str, list[int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, int | None, str | None]]:
        out: list[tuple[str, int | None, str | None]] = []
        for key, values in self.values.items():
            out.extend((key, v, None) for v in values)
        out.extend((key, None, text) for key, text in self.texts.items())
        return out


def _text(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str):
        raw = {"vi": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("vi"), str) or not raw["vi"].strip():
        raise DefinitionError(f"{where}: cần nội dung tiếng Việt")
    return {lang: clean(value) for lang, value in raw.items() if isinstance(value, str)}


def parse_definition(raw: dict) -> Definition:
    """Validate and parse a definition; raise DefinitionError with a Vietnamese reason."""
    if not isinstance(raw, dict):
        raise DefinitionError("Định nghĩa phiếu phải là một đối tượng JSON")
    elements = tuple((e["key"], _text(e["name"], f"yếu tố {e.get('key')}")) for e in raw.get("elements", []))
    element_keys = {key for key, _ in elements}
    sections: list[Section] = []
    questions: dict[str, Question] = {}
    for s in raw.get("sections", []):
        element = s.get("element")
        if element is not None and element not in element_keys:
            raise DefinitionError(f"Phần {s.get('key')}: yếu tố “{element}” chưa khai báo")
        qs: list[Question] = []
        for q in s.get("questions", []):
            key = q.get("key")
            if not key or key in questions:
                raise DefinitionError(f"Câu hỏi thiếu mã hoặc trùng mã: {key}")
            if q.get("type") not in QUESTION_TYPES:
                raise DefinitionError(f"Câu {key}: loại “{q.get('type')}” không hợp lệ")
            options = tuple(
                Option(int(o["value"]), _text(o["text"], f"câu {key}"), o.get("points")) for o in q.get("options", [])
            )
            if q["type"] in ("single", "multi") and not options:
                raise DefinitionError(f"Câu {key}: thiếu các lựa chọn")
            follow_up_of = q.get("follow_up_of")
            if follow_up_of is not None and follow_up_of not in questions:
                raise DefinitionError(f"Câu {key}: câu gốc “{follow_up_of}” phải đứng trước")
            question = Question(
                key=key, type=q["type"], text=_text(q["text"], f"câu {key}"), element=q.get("element", element),
                required=bool(q.get("required", False)), na=bool(q.get("na", False)), quick=bool(q.get("quick")),
                options=options, indicator=q.get("indicator"), max_length=int(q.get("max_length", DEFAULT_TEXT_MAX)),
                follow_up_of=follow_up_of, show_if=tuple(q.get("show_if", ())),
            )
            questions[key] = question
            qs.append(question)
        sections.append(Section(s["key"], _text(s.get("title", s["key"]), f"phần {s['key']}"), element, tuple(qs)))
    if sum(1 for q in questions.values() if q.quick) > 1:
        raise DefinitionError("Chỉ được có một câu đánh giá nhanh")
    return Definition(
        code=raw.get("code", ""), title=_text(raw.get("title", ""), "tiêu đề"),
        intro=_text(raw.get("intro", " "), "lời dẫn") if raw.get("intro") else {"vi": ""},
        thanks=_text(raw["thanks"], "lời cảm ơn") if raw.get("thanks") else {"vi": ""},
        elements=elements, sections=tuple(sections), questions=questions,
    )


ERRORS = {
    "required": {"vi": "Vui lòng trả lời câu này.", "en": "Please answer this question."},
    "invalid": {"vi": "Câu trả lời không hợp lệ.", "en": "This answer is not valid."},
    "too_long": {"vi": "Nội dung quá dài (tối đa {n} ký tự).", "en": "Too long (at most {n} characters)."},
}


def read_answers(definition: Definition, get_list, lang: str = "vi", keys: set[str] | None = None,
                 known: dict[str, list[int]] | None = None) -> ParsedAnswers:
    """Read answers from a form (``get_list(name) -> list[str]``), checking types, ranges and lengths.

    Form field names are ``q-<question key>``. Nothing is pre-filled: an unanswered question has no row.
    ``keys`` limits the reading to one screen's questions (a multi-step form); ``known`` gives the values
    already stored, so a follow-up whose trigger was answered on an earlier screen is judged by it.
    """
    parsed = ParsedAnswers()

    def error(key: str, code: str, **fmt) -> None:
        parsed.errors[key] = ERRORS[code].get(lang, ERRORS[code]["vi"]).format(**fmt)

    for key, question in definition.questions.items():
        if keys is not None and key not in keys:
            continue
        raw = [clean(v) for v in get_list(f"q-{key}")]
        raw = [v for v in raw if v != ""]
        if question.type == "text":
            text = raw[0] if raw else ""
            if len(text) > question.max_length:
                error(key, "too_long", n=question.max_length)
                parsed.texts[key] = text[: question.max_length * 2]  # kept for re-display, never stored
            elif text:
                parsed.texts[key] = text
            elif question.required:
                error(key, "required")
            continue
        if not raw:
            if question.required:
                error(key, "required")
            continue
        if question.type != "multi" and len(raw) > 1:
            error(key, "invalid")
            continue
        try:
            values = sorted({int(v) for v in raw})
        except ValueError:
            error(key, "invalid")
            continue
        if any(v not in question.valid_values for v in values):
            error(key, "invalid")
            continue
        parsed.values[key] = values
    # follow-ups only count when their trigger holds
    for key, question in definition.questions.items():
        if question.follow_up_of:
            trigger = parsed.values.get(question.follow_up_of, (known or {}).get(question.follow_up_of, []))
            if not any(v in question.show_if for v in trigger):
                parsed.values.pop(key, None)
                parsed.texts.pop(key, None)
                parsed.errors.pop(key, None)
    return parsed
