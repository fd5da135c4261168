"""Vietnamese text as words, for comparing feedback and grouping comments.

NFC, lower case, diacritics kept ("hỏng" and "hồng" are different words); words are segmented by pyvi's
offline CRF model (shipped inside the package, nothing downloaded), so "thời gian" and "cán bộ" count as one
word each. Imports neither Flask nor the database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Function words and forms of address that say nothing about the subject of a message.
_STOPWORDS_TEXT = """
ạ à ơi nhé nha vậy thì là mà và với của cho các những này kia đó đây ấy được bị đã đang sẽ vẫn cũng rất
quá lắm nhiều ít có không chưa ra vào lên xuống tại trong ngoài ở về từ đến tới theo như để nên nếu khi lúc
còn thêm hay hoặc nhưng vì do bởi tôi chúng_tôi mình em anh chị ông bà cô chú bác bạn họ người_dân dân
xin cảm_ơn đề_nghị kính_gửi kính mong muốn hỏi ạ_ơi gì nào sao thế nhỉ đi lại mới rồi ngày hôm_nay nay
ai hơn phải người mấy một tổ
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
#: Words that join two thoughts: a pair of words never spans them.
BREAKS = frozenset(["và", "hoặc", "nhưng", "hay", "còn", "mà", "vì", "nên", "nếu", "khi"])
_WORD = re.compile(r"\w", re.UNICODE)
_NUMBER = re.compile(r"^\d+([.,/]\d+)*$")


def normalise(text: str | None) -> str:
    """NFC and lower case; diacritics kept."""
    return unicodedata.normalize("NFC", text or "").lower().strip()


@lru_cache(maxsize=1)
def _tokenizer():
    from pyvi import ViTokenizer  # loads its CRF model once (about a second)

    return ViTokenizer


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(_tokenizer().tokenize(text).split())


def phrases(text: str | None) -> list[list[str]]:
    """The words of ``text`` in runs broken at punctuation and conjunctions, function words dropped.

    Adjacent words of one run make the pairs that name a topic ("thu_gom rác"); a comma, a number or "và" ends
    a run, so "chờ lâu, không có chỗ ngồi" never pairs "lâu" with "chỗ".
    """
    clean = normalise(text)
    runs: list[list[str]] = [[]]
    if not clean:
        return []
    for token in _segment(clean):
        if not _WORD.search(token) or token in BREAKS or _NUMBER.match(token):
            runs.append([])
        elif token in STOPWORDS or token.strip("_") == "":
            continue
        else:
            runs[-1].append(token)
    return [run for run in runs if run]


def words(text: str | None) -> list[str]:
    """The words of ``text``: multi-syllable words joined by "_", punctuation, numbers, emoji and function words
    dropped."""
    return [word for run in phrases(text) for word in run]


def label(word: str) -> str:
    """'thời_gian' -> 'thời gian'."""
    return word.replace("_", " ")
