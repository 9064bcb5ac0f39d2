"""Dates and times written as Django's |date filter writes them, for the rows of a list page.

`datetime_label()` is `|date:"DATETIME_FORMAT"` as a function, on the current language and time
zone: the format is parsed once a page (not once a value) and its words (month names, a.m. and
p.m.) translated once a process in each language, not once a value: a translation costs some
thirty Python calls, and a list of 50 rows formatted its dates in more calls than the rest of its
rows. The output is Django's own (its DateFormat methods write each letter):
tests/incidents/test_list_tags.py and tests/presentations/test_list_rows.py compare it with
|date in English, French and a language written otherwise, across both clock changes.
"""

import functools
from collections.abc import Callable
from datetime import date, datetime

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language


def datetime_label() -> Callable[[datetime], str]:
    """`|date:"DATETIME_FORMAT"` as a function for the rows of a page, on the current time zone.
    The formats are parsed once a page and their words translated once (_DateFormat).
    The portal's languages write the date, a comma and the time: the date's part is formatted
    once a day, not once a row."""
    tz = timezone.get_current_timezone()
    words = _date_words(get_language())
    day_format, time_format = get_format("DATE_FORMAT"), get_format("TIME_FORMAT")
    datetime_format = get_format("DATETIME_FORMAT")
    if datetime_format != f"{day_format}, {time_format}":  # a language written otherwise
        format_datetime = _formatter(datetime_format, words)
        return lambda value: format_datetime(value.astimezone(tz))
    format_day, format_time = _formatter(day_format, words), _formatter(time_format, words)
    days: dict[date, str] = {}

    def label(value: datetime) -> str:
        local = value.astimezone(tz)
        day = days.get(local.date())
        if day is None:
            day = days[local.date()] = format_day(local)
        return f"{day}, {format_time(local)}"

    return label


@functools.cache
def _date_words(language: str | None) -> dict[tuple[str, int], str]:
    """_DateFormat.words of `language`, the active one: filled as they are used, and kept for
    the process's life as the rows' labels are (_labels)."""
    return {}


def _formatter(format_string: str, words: dict) -> Callable[[datetime], str]:
    """dateformat.format(value, format_string) with the format parsed once rather than once a
    value: its letters become Django's own DateFormat methods (so the text and translations are
    the same), the rest its literal text, unescaped. `words`: _DateFormat.words."""
    pieces: list[str | Callable] = []
    for index, piece in enumerate(dateformat.re_formatchars.split(format_string)):
        if index % 2:
            pieces.append(getattr(_DateFormat, piece))
        elif piece:
            pieces.append(dateformat.re_escaped.sub(r"\1", piece))

    def format_value(value: datetime) -> str:
        formatter = _DateFormat(value)
        formatter.words = words
        return "".join(
            [piece if isinstance(piece, str) else str(piece(formatter)) for piece in pieces]
        )

    return format_value


class _DateFormat(dateformat.DateFormat):
    """Django's DateFormat with the words of the portal's formats (English and French: the
    month's name, a.m. and p.m.) translated once rather than once a value: a translation costs
    some thirty Python calls. `words`: (letter, month or afternoon) -> word, of the active
    language (_date_words)."""

    words: dict[tuple[str, int], str]

    def _word(self, letter: str, key: int, word: Callable[[], object]) -> str:
        text = self.words.get((letter, key))
        if text is None:
            text = self.words[letter, key] = str(word())
        return text

    def a(self):  # "a.m." or "p.m."; also in P ("2:30 p.m.")
        return self._word("a", self.data.hour > 11, super().a)

    def F(self):  # "January"
        return self._word("F", self.data.month, super().F)

    def N(self):  # "Jan.", "Sept."
        return self._word("N", self.data.month, super().N)
