"""Charts drawn on the server as SVG, from a dashboards.tables.Table and nothing else.

    {% load charts %}
    {% chart table %}          the chart of `table` (nothing at all when table.chart is "none")
    {{ value|cell }}           a Table cell or Figure value as text ("—" for None, 1,204, 12.5)

`{% chart %}` writes one self-contained <svg role="img"> (built in Python: through a template, the
thousands of shapes of a dashboard took a few hundred milliseconds a page) with
a <title> and a <desc> (named by aria-labelledby; the desc lists the values) and every value
written as a text label. Scale, positions and colours are computed here and written as SVG
attributes (x=, width=, fill=...): no style attribute, no JavaScript, no stylesheet needed. So
the same markup shows on the page, prints, and goes into a WeasyPrint PDF (the annual report
includes it the same way). portal.css only makes it fit the page width (class "dash-chart").

Kinds (Table.chart):
- "bar": one vertical bar per row and series (grouped side by side when several series);
- "hbar": horizontal bars, the row labels on the left (long labels, many rows);
- "line": a polyline per series with a dot and a value label at each row (months, years);
- "stacked": the series stacked in one vertical bar per row, the total above it;
- "none": nothing is drawn (the page shows the numbers instead).
The columns drawn are Table.series (indexes into Table.columns); the first column labels the
rows. Rows labelled Table.total_label are left out (a total is not a bar). None or text cells
draw nothing; negative values go below a zero line (stacked charts count them as zero).
The caller decides what to do with an empty table (dashboards/_table.html says so in words);
given one, the chart draws its frame and zero-height bars.
"""

import functools
import html
import itertools
import math
from decimal import Decimal

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

WIDTH = 640
FONT = 12  # values
SMALL = 11  # row labels, axis ticks, legend
CHAR = 6.2  # the mean width of a character at SMALL, to shorten labels that would not fit
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
# Okabe-Ito: told apart by colour-blind readers, and in grey print.
PALETTE = ("#1f3a5f", "#e69f00", "#009e73", "#56b4e9", "#cc79a7", "#d55e00", "#0072b2", "#8c8c00")
# The colour of a value written inside a bar of each colour (contrast of at least 4.5:1).
ON_PALETTE = ("#ffffff", TEXT, TEXT, TEXT, TEXT, TEXT, "#ffffff", TEXT)
DESC_ROWS = 24  # rows listed in the desc; the table under the chart has them all

_ids = itertools.count(1)  # ids unique within a page (titles are referenced by aria-labelledby)


def number(value) -> float | None:
    """A cell as a number to draw; None for empty and text cells."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@functools.cache
def _number_format(language: str | None) -> tuple:
    """The separators and grouping of a language, as number_format() looks them up (three
    format lookups per call: a dashboard writes thousands of numbers), and the table that turns
    Python's "1,234.5" into the language's."""
    decimal = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
    grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
    thousands = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)
    return decimal, grouping, thousands, str.maketrans({",": thousands, ".": decimal})


def number_format(value, decimal_pos=None, formats=None) -> str:
    """django.utils.formats.number_format(value, decimal_pos, force_grouping=True) for an int or
    a float, with the language's formats looked up once; groups of three (every language the
    portal speaks) through Python's own formatting, a few times faster. `formats`: the
    language's _number_format(), when the caller formats many numbers."""
    decimal, grouping, thousands, table = formats or _number_format(get_language())
    if grouping == 3:
        text = f"{value:,}" if decimal_pos is None else f"{value:,.{decimal_pos}f}"
        return text.translate(table)
    return numberformat.format(
        value, decimal, decimal_pos, grouping, thousands, force_grouping=True
    )


def escape_text(text) -> str:
    """Django's escape() without its lazy-text check (3,000 calls a dashboard): the same
    characters escaped, for text put in markup that is marked safe as a whole."""
    return html.escape(str(text))


@register.filter
def cell(value) -> str:
    """A cell or figure value as people read it: 1,204 · 12.5 · — for nothing."""
    return format_cell(value)


def format_cell(value, formats=None) -> str:
    """cell(); `formats`: as for number_format(), when the caller formats many cells."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return number_format(value, formats=formats)
    if isinstance(value, float | Decimal):
        if not math.isfinite(float(value)):
            return "—"
        rounded = round(float(value), 1)
        if rounded == int(rounded):
            return number_format(int(rounded), formats=formats)
        return number_format(rounded, decimal_pos=1, formats=formats)
    return str(value)


def has_values(table) -> bool:
    """True when the chart would show something: a non-zero number in a drawn column."""
    return any(number(value) for row in drawn_rows(table) for value in _series_values(table, row))


def drawn_rows(table) -> list:
    return [row for row in table.rows if not (table.total_label and row[0] == table.total_label)]


def _series_values(table, row) -> list:
    return [row[index] if index < len(row) else None for index in table.series]


def _fmt(value: float) -> str:
    """An SVG coordinate (never localized: French would write 12,5)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _shorten(label: str, room: float) -> str:
    chars = max(3, int(room / CHAR))
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _nice_step(span: float, count: int = 4) -> float:
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            step = factor * power
            break
    return max(step, 1.0) if span >= 1 else step


def _scale(values: list[float]) -> tuple[float, float, float]:
    """(low, high, step): round axis ends that hold every value and zero."""
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


class _Canvas:
    """The shapes of one chart, in drawing order, as attribute dictionaries (see svg())."""

    def __init__(self):
        self.lines, self.rects, self.polylines, self.circles, self.texts = [], [], [], [], []

    def line(self, x1, y1, x2, y2, stroke=GRID, cls="chart-grid"):
        self.lines.append(
            {
                "x1": _fmt(x1),
                "y1": _fmt(y1),
                "x2": _fmt(x2),
                "y2": _fmt(y2),
                "stroke": stroke,
                "cls": cls,
            }
        )

    def rect(self, x, y, width, height, series, tip="", cls="chart-bar"):
        self.rects.append(
            {
                "x": _fmt(x),
                "y": _fmt(y),
                "width": _fmt(max(width, 0)),
                "height": _fmt(max(height, 0)),
                "fill": PALETTE[series % len(PALETTE)],
                "cls": f"{cls} chart-series-{series % len(PALETTE)}",
                "tip": tip,
            }
        )

    def text(self, x, y, content, anchor="middle", cls="chart-value", fill=TEXT, tip=""):
        size = FONT if cls.startswith("chart-value") else SMALL
        self.texts.append(
            {
                "x": _fmt(x),
                "y": _fmt(y),
                "text": content,
                "anchor": anchor,
                "cls": cls,
                "fill": fill,
                "tip": tip,
                "size": size,
            }
        )


def _legend(canvas: _Canvas, names: list[str], top: float) -> float:
    """Coloured keys for several series, wrapped to the width; returns the height used."""
    if len(names) < 2:
        return 0
    x, y = 8.0, top + 12
    for index, name in enumerate(names):
        room = 14 + len(name) * CHAR + 16
        if x + room > WIDTH and x > 8:
            x, y = 8.0, y + 18
        canvas.rect(x, y - 9, 10, 10, index, cls="chart-key")
        canvas.text(x + 14, y, name, anchor="start", cls="chart-legend")
        x += room
    return y - top + 10


def _y_axis(canvas, low, high, step, left, right, top, height):
    def y_of(value):
        return top + height * (high - value) / (high - low)

    ticks = round((high - low) / step)
    for index in range(ticks + 1):
        value = low + index * step
        y = y_of(value)
        canvas.line(left, y, right, y, stroke=MUTED if value == 0 else GRID)
        canvas.text(
            left - 6, y + 4, cell(_tick_value(value)), anchor="end", cls="chart-tick", fill=MUTED
        )
    return y_of


def _tick_value(value: float):
    return int(value) if value == int(value) else round(value, 3)


def _vertical(table, canvas, kind, rows, names, top) -> float:
    """Bars (grouped or stacked) or a line; returns the chart's height."""
    left, right, plot = 52, WIDTH - 12, 220
    top += 16  # room for the value labels above the tallest bar
    width = right - left
    series = len(names)
    values = [[number(value) for value in _series_values(table, row)] for row in rows]
    if kind == "stacked":
        totals = [sum(max(v or 0, 0) for v in row_values) for row_values in values]
        low, high, step = _scale(totals)
    else:
        low, high, step = _scale([v for row_values in values for v in row_values if v is not None])
    y_of = _y_axis(canvas, low, high, step, left, right, top, plot)
    slot = width / max(len(rows), 1)
    # Crowded labels (24 hours...): label every 2nd, 3rd or 4th row, shortened to the room left.
    longest = max((len(str(row[0])) for row in rows), default=0)
    every = max(1, min(math.ceil((longest * CHAR + 4) / slot), 4))
    for index, row in enumerate(rows):
        label = str(row[0])
        center = left + slot * (index + 0.5)
        if kind != "line" and index % every == 0:
            canvas.text(
                center,
                top + plot + 16,
                _shorten(label, slot * every - 4),
                cls="chart-label",
                tip=label,
            )
        if kind == "stacked":
            group = slot * 0.6
            base = 0.0
            for s, value in enumerate(values[index]):
                value = max(value or 0, 0)
                y_top, y_bottom = y_of(base + value), y_of(base)
                canvas.rect(
                    center - group / 2,
                    y_top,
                    group,
                    y_bottom - y_top,
                    s,
                    tip=f"{label}, {names[s]}: {cell(row[table.series[s]])}",
                )
                if y_bottom - y_top >= FONT + 2 and value:
                    canvas.text(
                        center,
                        (y_top + y_bottom) / 2 + 4,
                        cell(row[table.series[s]]),
                        cls="chart-value chart-value-inside",
                        fill=ON_PALETTE[s % len(PALETTE)],
                    )
                base += value
            canvas.text(center, y_of(base) - 4, cell(totals[index]), cls="chart-value chart-total")
        elif kind == "bar":
            group = slot * 0.7
            bar = group / series
            for s, value in enumerate(values[index]):
                x = center - group / 2 + s * bar
                shown = cell(row[table.series[s]])
                if value is None:
                    canvas.text(x + bar / 2, y_of(0) - 4, shown, fill=MUTED)
                    continue
                y_value, y_zero = y_of(value), y_of(0)
                canvas.rect(
                    x + 1,
                    min(y_value, y_zero),
                    bar - 2,
                    abs(y_zero - y_value),
                    s,
                    tip=f"{label}, {names[s]}: {shown}",
                )
                label_y = y_value - 4 if value >= 0 else y_value + FONT + 2
                canvas.text(x + bar / 2, label_y, shown)
    if kind == "line":
        _lines(table, canvas, rows, values, names, left, width, y_of, top + plot)
    return top + plot + 26


def _lines(table, canvas, rows, values, names, left, width, y_of, bottom):
    # Points sit at the middle of equal slots, as bars would: the first and last labels fit.
    room = width / max(len(rows), 1)

    def x_of(index):
        return left + room * (index + 0.5)

    longest = max((len(str(row[0])) for row in rows), default=0)
    every = max(1, min(math.ceil((longest * CHAR + 4) / room), 6))  # thin crowded labels out
    for index, row in enumerate(rows):
        if index % every == 0:
            canvas.text(
                x_of(index),
                bottom + 16,
                _shorten(str(row[0]), room * every - 2),
                cls="chart-label",
                tip=str(row[0]),
            )
    for s, name in enumerate(names):
        colour = PALETTE[s % len(PALETTE)]
        points = [
            (x_of(index), y_of(row_values[s]), rows[index], row_values[s])
            for index, row_values in enumerate(values)
            if row_values[s] is not None
        ]
        canvas.polylines.append(
            {
                "points": " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y, _r, _v in points),
                "stroke": colour,
                "cls": f"chart-line chart-series-{s % len(PALETTE)}",
            }
        )
        for x, y, row, _value in points:
            shown = cell(row[table.series[s]])
            canvas.circles.append(
                {
                    "cx": _fmt(x),
                    "cy": _fmt(y),
                    "fill": colour,
                    "cls": f"chart-point chart-series-{s % len(PALETTE)}",
                    "tip": f"{row[0]}, {name}: {shown}",
                }
            )
            canvas.text(x, y - 8, shown)


def _horizontal(table, canvas, rows, names, top) -> float:
    label_width, value_room = 170, 60
    left, right = label_width, WIDTH - value_room
    series = len(names)
    bar, gap = 16, 10
    row_height = bar * series + gap
    values = [[number(value) for value in _series_values(table, row)] for row in rows]
    low, high, _step = _scale([v for row_values in values for v in row_values if v is not None])

    def x_of(value):
        return left + (right - left) * (value - low) / (high - low)

    zero = x_of(0)
    for index, row in enumerate(rows):
        label = str(row[0])
        y = top + index * row_height + gap / 2
        canvas.text(
            left - 8,
            y + row_height / 2,
            _shorten(label, label_width - 12),
            anchor="end",
            cls="chart-label",
            tip=label,
        )
        for s, value in enumerate(values[index]):
            shown = cell(row[table.series[s]])
            y_bar = y + s * bar
            if value is None:
                canvas.text(zero + 4, y_bar + bar - 4, shown, anchor="start", fill=MUTED)
                continue
            end = x_of(value)
            canvas.rect(
                min(zero, end),
                y_bar + 1,
                abs(end - zero),
                bar - 2,
                s,
                tip=f"{label}, {names[s]}: {shown}",
            )
            if value >= 0:
                canvas.text(end + 4, y_bar + bar - 4, shown, anchor="start")
            else:
                canvas.text(end - 4, y_bar + bar - 4, shown, anchor="end")
    bottom = top + len(rows) * row_height
    canvas.line(zero, top, zero, bottom, stroke=MUTED, cls="chart-axis")
    return bottom + 8


def _description(table, rows, names) -> str:
    parts = []
    for row in rows[:DESC_ROWS]:
        if len(names) == 1:
            parts.append(f"{row[0]}: {cell(row[table.series[0]])}")
        else:
            pairs = zip(names, table.series, strict=True)
            values = ", ".join(f"{name} {cell(row[index])}" for name, index in pairs)
            parts.append(f"{row[0]}: {values}")
    text = "; ".join(parts) + "."
    if len(rows) > DESC_ROWS:
        text += " " + _("%(count)s more rows in the table below.") % {
            "count": len(rows) - DESC_ROWS
        }
    if not rows:
        text = _("No figures.")
    return f"{table.description} {text}".strip()


def chart_context(table) -> dict:
    """Everything svg() draws for `table` (also handy to test the geometry)."""
    kind = table.chart if table.chart in {"bar", "hbar", "line", "stacked"} else "bar"
    rows = drawn_rows(table)
    names = [str(table.columns[index]) for index in table.series]
    canvas = _Canvas()
    top = 8 + _legend(canvas, names, 4)
    if kind == "hbar":
        height = _horizontal(table, canvas, rows, names, top)
    else:
        height = _vertical(table, canvas, kind, rows, names, top)
    chart_id = f"chart-{table.key}-{next(_ids)}"
    return {
        "id": chart_id,
        "kind": kind,
        "width": WIDTH,
        "height": _fmt(math.ceil(height)),
        "title": table.title,
        "desc": _description(table, rows, names),
        "canvas": canvas,
        "font": FONT,
        "text_fill": TEXT,
    }


FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def svg(chart: dict) -> str:
    """The <svg> of chart_context(): presentation attributes only (no style, no script), every
    text escaped. Class names, colours and coordinates are the module's own, never user text."""
    canvas = chart["canvas"]
    id_ = chart["id"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart chart-{chart["kind"]}" '
        f'role="img" aria-labelledby="{id_}-title {id_}-desc" '
        f'viewBox="0 0 {chart["width"]} {chart["height"]}" width="{chart["width"]}" '
        f'height="{chart["height"]}" font-family="{escape_text(FONT_FAMILY)}" '
        f'font-size="{chart["font"]}" fill="{chart["text_fill"]}">\n'
        f'<title id="{id_}-title">{escape_text(chart["title"])}</title>\n'
        f'<desc id="{id_}-desc">{escape_text(chart["desc"])}</desc>\n'
    ]
    for line in canvas.lines:
        parts.append(
            f'<line class="{line["cls"]}" x1="{line["x1"]}" y1="{line["y1"]}" x2="{line["x2"]}" '
            f'y2="{line["y2"]}" stroke="{line["stroke"]}" stroke-width="1"/>\n'
        )
    for rect in canvas.rects:
        tip = f"<title>{escape_text(rect['tip'])}</title>" if rect["tip"] else ""
        parts.append(
            f'<rect class="{rect["cls"]}" x="{rect["x"]}" y="{rect["y"]}" '
            f'width="{rect["width"]}" height="{rect["height"]}" fill="{rect["fill"]}">'
            f"{tip}</rect>\n"
        )
    for line in canvas.polylines:
        parts.append(
            f'<polyline class="{line["cls"]}" points="{line["points"]}" fill="none" '
            f'stroke="{line["stroke"]}" stroke-width="2" stroke-linejoin="round"/>\n'
        )
    for point in canvas.circles:
        parts.append(
            f'<circle class="{point["cls"]}" cx="{point["cx"]}" cy="{point["cy"]}" r="3.5" '
            f'fill="{point["fill"]}"><title>{escape_text(point["tip"])}</title></circle>\n'
        )
    for text in canvas.texts:
        tip = text["tip"]
        title = f"<title>{escape_text(tip)}</title>" if tip and tip != text["text"] else ""
        parts.append(
            f'<text class="{text["cls"]}" x="{text["x"]}" y="{text["y"]}" '
            f'text-anchor="{text["anchor"]}" font-size="{text["size"]}" fill="{text["fill"]}">'
            f"{title}{escape_text(text['text'])}</text>\n"
        )
    parts.append("</svg>")
    return "".join(parts)


@register.simple_tag
def chart(table) -> str:
    """The SVG chart of `table` (dashboards.tables.Table); empty output for chart "none"."""
    if table is None or table.chart == "none":
        return ""
    # svg() escapes every text it writes.
    return mark_safe(svg(chart_context(table)))  # noqa: S308


@register.filter(name="has_values")
def has_values_filter(table) -> bool:
    """{% if table|has_values %}: something to chart (a non-zero number in a drawn column)."""
    return has_values(table)


@register.filter
def is_number(value) -> bool:
    return number(value) is not None


@register.simple_tag
def numbers(table) -> str:
    """`table` as an HTML <table> (the numbers under a chart): columns holding numbers are
    aligned right (header included), the total row is marked. Built in Python for the same
    reason as the charts; every label and value is escaped."""
    formats = _number_format(get_language())
    numeric = [False] * len(table.columns)
    for row in table.rows:
        for index, value in enumerate(row[1:], start=1):
            if index < len(numeric) and number(value) is not None:
                numeric[index] = True
    right = ' class="text-end"'
    head = "".join(
        f'<th scope="col"{right if is_numeric else ""}>{escape_text(column)}</th>'
        for column, is_numeric in zip(table.columns, numeric, strict=False)
    )
    body = []
    for row in table.rows:
        total = ' class="dash-total"' if table.total_label and row[0] == table.total_label else ""
        cells = "".join(
            f"<td{right if is_numeric else ''}>{escape_text(format_cell(value, formats))}</td>"
            for value, is_numeric in zip(row[1:], numeric[1:], strict=False)
        )
        label = escape_text(format_cell(row[0], formats))
        body.append(f'<tr{total}><th scope="row">{label}</th>{cells}</tr>\n')
    return mark_safe(  # noqa: S308 (every label and value is escaped above)
        '<div class="table-responsive">\n'
        '<table class="table table-sm table-striped align-middle dash-data mb-0">\n'
        f'<caption class="visually-hidden">{escape_text(table.title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(body)}</tbody>\n</table>\n</div>"
    )
