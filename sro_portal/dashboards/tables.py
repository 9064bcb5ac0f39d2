"""The shape every dashboard figure takes: a Section of headline Figures and Tables. A Table is
what a chart draws, what its fallback shows, what the CSV export writes and what the annual
report prints: one object, so the four never disagree."""

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

Number = int | float | Decimal | None
Cell = str | Number
ChartKind = Literal["bar", "hbar", "line", "stacked", "none"]
ON_SCREEN_ROWS = 25
_NUMBER_TYPES = frozenset({int, float, Decimal})


def _by_number(column: int):
    """A sort key: the row's number in `column` (text and None come after every number when
    sorting largest first)."""

    def key(row) -> float:
        value = row[column]
        # The exact types first: no isinstance() call for most cells (a sort of 300 rows).
        if type(value) in _NUMBER_TYPES or isinstance(value, int | float | Decimal):
            return float(value)
        return -math.inf

    return key


@dataclass
class Table:
    key: str  # unique within its section; names the CSV file and its URL ("by_month")
    title: str  # translated; also the chart's accessible title
    columns: list[str]  # translated headers; the first names the rows' labels
    rows: list[list[Cell]]
    chart: ChartKind = "bar"
    # Which columns the chart draws (indexes into `columns`; by default the second).
    series: tuple[int, ...] = (1,)
    description: str = ""  # a sentence under the title: what is counted, and how
    # Rows that add up (a "Total" row is not a bar): the label of the total row, if any.
    total_label: str = ""
    # Rows left off the page by on_screen() (the CSV export and the report keep them all).
    hidden_rows: int = 0

    def column(self, index: int) -> list[Cell]:
        return [row[index] for row in self.rows]

    def on_screen(self, limit: int = ON_SCREEN_ROWS) -> "Table":
        """The table as the dashboard page shows it: at most `limit` rows, the largest first
        by the chart's first series (a bar chart of 300 schools reads as noise, and drawing
        it made the page a megabyte), plus the total row. A line chart keeps its order."""
        if len(self.rows) <= limit or self.chart == "line":
            return self
        label = self.total_label
        body = [row for row in self.rows if not label or row[0] != label]
        if len(body) <= limit:
            return self
        if self.chart != "none":
            body.sort(key=_by_number(self.series[0]), reverse=True)
        totals = [row for row in self.rows if label and row[0] == label]
        return replace(self, rows=body[:limit] + totals, hidden_rows=len(body) - limit)

    @property
    def is_empty(self) -> bool:
        """No rows, or numbers that are all zero (a table of text only is not empty)."""
        if not self.rows:
            return True
        numbers = [
            value
            for row in self.rows
            for value in row[1:]
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        ]
        return bool(numbers) and not any(numbers)


@dataclass
class Figure:
    label: str  # translated: "Hours logged"
    value: Cell
    detail: str = ""  # "of 1,204 subjects", "vs 312 last year"
    # The table (key in the same section) behind this number: "one click away".
    table: str = ""


@dataclass
class Section:
    key: str  # "time", "incidents"... (the URL of its exports)
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""  # e.g. "Counts only: the people involved are not shown to schools."

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)


def percent(part: Number, whole: Number) -> float | None:
    """part / whole as a percentage with one decimal; None when there is no whole."""
    if not whole:
        return None
    return round(100 * float(part or 0) / float(whole), 1)
