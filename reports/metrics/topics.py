"""Topics of free text (survey comments, feedback): what people talk about, with Vietnamese labels.

Plain and explainable rather than a black box: Vietnamese words (``survey_app.vntext``, pyvi) and their pairs,
TF-IDF, then non-negative matrix factorisation (scikit-learn NMF) into a handful of topics. Each text goes to
its strongest topic; a topic is labelled by its heaviest word or pair of words ("thời gian chờ", "thu gom rác").
A text with fewer than two distinct words never forms or joins a topic; nor does a topic of one text.
Imports neither Flask nor the database.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from survey_app.vntext import label as word_label
from survey_app.vntext import phrases

MIN_WORDS = 2
MIN_TEXTS = 6
MIN_TOPIC_SIZE = 2
MAX_TOPICS = 10
EXAMPLES = 3
EXAMPLE_CHARS = 200
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class TextItem:
    text: str
    day: date
    #: "survey" (a comment in a survey response) or "case" (feedback).
    source: str


@dataclass
class Topic:
    label: str
    #: The heaviest words and pairs, for the reader who wants to see why.
    terms: list[str]
    count: int
    #: Texts in the first and in the second half of the period.
    first_half: int
    second_half: int
    examples: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)

    @property
    def trend(self) -> str:
        if self.first_half == 0:
            return "mới xuất hiện" if self.second_half else "ổn định"
        ratio = self.second_half / self.first_half
        return "tăng" if ratio >= 1.25 else "giảm" if ratio <= 0.8 else "ổn định"

    def as_dict(self) -> dict:
        return {"label": self.label, "terms": self.terms, "count": self.count, "trend": self.trend,
                "first_half": self.first_half, "second_half": self.second_half, "examples": self.examples,
                "sources": self.sources}


@dataclass
class TopicReport:
    start: date
    end: date
    texts: int
    #: Texts in no topic: too short, too rare in wording, or in a topic of one.
    unassigned: int
    topics: list[Topic]

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "texts": self.texts,
                "unassigned": self.unassigned, "topics": [t.as_dict() for t in self.topics]}

    @classmethod
    def from_dict(cls, data: dict) -> TopicReport:
        topics = [Topic(t["label"], t["terms"], t["count"], t["first_half"], t["second_half"], t["examples"],
                        t["sources"]) for t in data["topics"]]
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), data["texts"],
                   data["unassigned"], topics)


def _features(runs: list[list[str]]) -> list[str]:
    """Words and adjacent pairs of words within a run (a pair is how "thu gom rác" or "thời gian chờ" show up)."""
    return [w for run in runs for w in run] + [f"{a} {b}" for run in runs
                                               for a, b in zip(run, run[1:], strict=False) if a != b]


def _as_is(document: list[str]) -> list[str]:
    return document


def _label(terms: list[str], scores: list[float]) -> str:
    """The best term, or a pair of words that contains it and scores nearly as well ("chờ" → "thời gian chờ");
    then the next term that adds a different word."""
    first = terms[0]
    if " " not in first:
        for term, score in zip(terms[1:5], scores[1:5], strict=False):
            if " " in term and first in term.split() and score >= 0.6 * scores[0]:
                first = term
                break
    used = set(first.split())
    label = word_label(first)
    for term, score in zip(terms[1:6], scores[1:6], strict=False):
        if not used & set(term.split()) and score >= 0.3 * scores[0]:
            return f"{label}, {word_label(term)}"
    return label


def _ranked_terms(present, rows: list[int], vocabulary) -> tuple[list[str], list[float]]:
    """Terms of a topic's texts, best first: the share of its texts that use the term times the share of the
    term's uses that fall in the topic (common inside, rare outside), pairs slightly preferred."""
    inside = np.asarray(present[rows].sum(axis=0)).ravel()
    overall = np.asarray(present.sum(axis=0)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(overall > 0, (inside / len(rows)) * (inside / overall), 0.0)
    score = score * np.array([1.15 if " " in term else 1.0 for term in vocabulary])
    order = [i for i in np.argsort(score)[::-1][:10] if score[i] > 0]
    return [str(vocabulary[i]) for i in order], [float(score[i]) for i in order]


def find_topics(items: list[TextItem], start: date, end: date, scrub: Callable[[str], str] = lambda t: t,
                max_topics: int = MAX_TOPICS) -> TopicReport:
    """Group ``items`` of the period into topics, largest first.

    :param scrub: hides personal data in the example texts (phone numbers, e-mail addresses).
    """
    tokenised = [(item, phrases(item.text)) for item in items]
    usable = [(item, runs) for item, runs in tokenised if len({w for run in runs for w in run}) >= MIN_WORDS]
    report = TopicReport(start, end, len(items), len(items), [])
    if len(usable) < MIN_TEXTS:
        return report
    # scikit-learn (and SciPy) loaded when topics are computed, not when the app starts: a web process or a job
    # that never groups texts does not carry them (about 100 MB and a second of start-up)
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_as_is, min_df=2, max_df=0.9, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([_features(runs) for _, runs in usable])
    except ValueError:  # no word appears in two texts
        return report
    vocabulary = vectorizer.get_feature_names_out()
    k = max(2, min(max_topics, round(math.sqrt(len(usable) / 3)), len(vocabulary) - 1))
    if len(vocabulary) < 3:
        return report
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NMF(n_components=k, init="nndsvd", random_state=0, max_iter=500)
        weights = model.fit_transform(matrix)
    present = (matrix > 0).astype(np.float64).tocsr()
    middle = start + (end - start) / 2
    groups: dict[str, Topic] = {}
    members: dict[str, list[tuple[float, TextItem]]] = {}
    for component in range(k):
        rows = [i for i in range(len(usable)) if weights[i].max() > 1e-9 and int(weights[i].argmax()) == component]
        if not rows:
            continue
        terms, scores = _ranked_terms(present, rows, vocabulary)
        if not terms:
            continue
        label = _label(terms, scores)
        topic = groups.setdefault(label, Topic(label, [word_label(t) for t in terms[:6]], 0, 0, 0))
        for i in rows:
            item = usable[i][0]
            topic.count += 1
            if item.day < middle:
                topic.first_half += 1
            else:
                topic.second_half += 1
            topic.sources[item.source] = topic.sources.get(item.source, 0) + 1
            members.setdefault(label, []).append((float(weights[i][component]), item))
    topics = [t for t in groups.values() if t.count >= MIN_TOPIC_SIZE]
    for topic in topics:
        seen: set[str] = set()
        for _, item in sorted(members[topic.label], key=lambda pair: -pair[0]):
            text = scrub(item.text.strip())
            key = _DIGITS.sub("#", text.lower())  # "ngõ 12" and "ngõ 31" read as the same example
            if key in seen:
                continue
            seen.add(key)
            topic.examples.append(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…")
            if len(topic.examples) == EXAMPLES:
                break
    topics.sort(key=lambda t: (-t.count, t.label))
    report.topics = topics
    report.unassigned = len(items) - sum(t.count for t in topics)
    return report
