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
The caller decides what to do with an empty table (dashboard_sections.py says so in words);
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
from django.utils.translation import get_language, ngettext
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
COLOURS = len(PALETTE)
DESC_ROWS = 24  # rows listed in the desc; the table under the chart has them all

_ids = itertools.count(1)  # ids unique within a page (titles are referenced by aria-labelledby)


def number(value) -> float | None:
    """A cell as a number to draw; None for empty and text cells."""
    if type(value) is int:  # the commonest cell, a count (not a bool: its type is bool)
        return float(value)
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
    # None when the language writes numbers as Python does (English): nothing to translate.
    table = (
        None
        if (thousands, decimal) == (",", ".")
        else str.maketrans({",": thousands, ".": decimal})
    )
    return decimal, grouping, thousands, table


def number_format(value, decimal_pos=None, formats=None) -> str:
    """django.utils.formats.number_format(value, decimal_pos, force_grouping=True) for an int or
    a float, with the language's formats looked up once; groups of three (every language the
    portal speaks) through Python's own formatting, a few times faster. `formats`: the
    language's _number_format(), when the caller formats many numbers."""
    decimal, grouping, thousands, table = formats or _number_format(get_language())
    if grouping == 3:
        text = f"{value:,}" if decimal_pos is None else f"{value:,.{decimal_pos}f}"
        return text if table is None else text.translate(table)
    return numberformat.format(
        value, decimal, decimal_pos, grouping, thousands, force_grouping=True
    )


def escape_text(text) -> str:
    """Django's escape() without its lazy-text check (3,000 calls a dashboard): the same
    characters escaped, for text put in markup that is marked safe as a whole. Most texts (the
    numbers, most names) have none of them: they are returned as they are, without the five
    replace() calls of html.escape()."""
    text = str(text)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text)
    return text


@register.filter
def cell(value) -> str:
    """A cell or figure value as people read it: 1,204 · 12.5 · — for nothing."""
    return format_cell(value)


def format_cell(value, formats=None) -> str:
    """cell(); `formats`: as for number_format(), when the caller formats many cells."""
    kind = type(value)  # the common cells by their exact type first (thousands a page)
    if kind is int:  # a count (not a bool: its type is bool)
        return number_format(value, formats=formats)
    if kind is str:
        return value or "—"
    if kind is not float and kind is not Decimal:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, int):
            return number_format(value, formats=formats)
        if not isinstance(value, float | Decimal):
            return str(value)
    # A float or a Decimal: one decimal, none when it is zero.
    if not math.isfinite(float(value)):
        return "—"
    rounded = round(float(value), 1)
    if rounded == int(rounded):
        return number_format(int(rounded), formats=formats)
    return number_format(rounded, decimal_pos=1, formats=formats)


def has_values(table) -> bool:
    """True when the chart would show something: a non-zero number in a drawn column."""
    return any(number(value) for row in drawn_rows(table) for value in _series_values(table, row))


def drawn_rows(table) -> list:
    return [row for row in table.rows if not (table.total_label and row[0] == table.total_label)]


def _series_values(table, row) -> list:
    return [row[index] if index < len(row) else None for index in table.series]


def _fmt(value: float) -> str:
    """An SVG coordinate (never localized: French would write 12,5)."""
    text = f"{value:.1f}"
    return text[:-2] if text[-2:] == ".0" else text  # (thousands of calls a page: no method)


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
    """The shapes of one chart as SVG elements, by kind in drawing order (see svg()): each is
    written once, when it is drawn. Texts and tips are escaped here; coordinates, classes and
    colours are the module's own. `formats`: the language's _number_format(), looked up once
    per chart for its values (cell())."""

    def __init__(self, formats):
        self.lines, self.rects, self.polylines, self.circles, self.texts = [], [], [], [], []
        self.formats = formats

    def cell(self, value) -> str:
        return format_cell(value, self.formats)

    def line(self, x1, y1, x2, y2, stroke=GRID, cls="chart-grid"):
        self.lines.append(
            f'<line class="{cls}" x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" '
            f'y2="{_fmt(y2)}" stroke="{stroke}" stroke-width="1"/>\n'
        )

    def rect(self, x, y, width, height, series, tip="", cls="chart-bar"):
        colour = series % COLOURS
        title = f"<title>{escape_text(tip)}</title>" if tip else ""
        # max(width, 0) without its call (hundreds a page): the same value, -0.0 included.
        width = 0 if width < 0 else width
        height = 0 if height < 0 else height
        self.rects.append(
            f'<rect class="{cls} chart-series-{colour}" x="{_fmt(x)}" y="{_fmt(y)}" '
            f'width="{_fmt(width)}" height="{_fmt(height)}" '
            f'fill="{PALETTE[colour]}">{title}</rect>\n'
        )

    def polyline(self, points: list[tuple[float, float]], series: int):
        colour = series % COLOURS
        coordinates = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
        self.polylines.append(
            f'<polyline class="chart-line chart-series-{colour}" points="{coordinates}" '
            f'fill="none" stroke="{PALETTE[colour]}" stroke-width="2" stroke-linejoin="round"/>\n'
        )

    def circle(self, x, y, series: int, tip: str):
        colour = series % COLOURS
        self.circles.append(
            f'<circle class="chart-point chart-series-{colour}" cx="{_fmt(x)}" cy="{_fmt(y)}" '
            f'r="3.5" fill="{PALETTE[colour]}"><title>{escape_text(tip)}</title></circle>\n'
        )

    def text(self, x, y, content, anchor="middle", cls="chart-value", fill=TEXT, tip=""):
        size = FONT if cls[:11] == "chart-value" else SMALL
        title = f"<title>{escape_text(tip)}</title>" if tip and tip != content else ""
        self.texts.append(
            f'<text class="{cls}" x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" '
            f'font-size="{size}" fill="{fill}">{title}{escape_text(content)}</text>\n'
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
            left - 6,
            y + 4,
            canvas.cell(_tick_value(value)),
            anchor="end",
            cls="chart-tick",
            fill=MUTED,
        )
    return y_of


def _tick_value(value: float):
    return int(value) if value == int(value) else round(value, 3)


def _vertical(table, canvas, kind, rows, written, names, top) -> float:
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
                    tip=f"{label}, {names[s]}: {written[index][s]}",
                )
                if y_bottom - y_top >= FONT + 2 and value:
                    canvas.text(
                        center,
                        (y_top + y_bottom) / 2 + 4,
                        written[index][s],
                        cls="chart-value chart-value-inside",
                        fill=ON_PALETTE[s % COLOURS],
                    )
                base += value
            canvas.text(
                center, y_of(base) - 4, canvas.cell(totals[index]), cls="chart-value chart-total"
            )
        elif kind == "bar":
            group = slot * 0.7
            bar = group / series
            for s, value in enumerate(values[index]):
                x = center - group / 2 + s * bar
                shown = written[index][s]
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
        _lines(canvas, rows, written, values, names, left, width, y_of, top + plot)
    return top + plot + 26


def _lines(canvas, rows, written, values, names, left, width, y_of, bottom):
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
        points = [
            (x_of(index), y_of(row_values[s]), index)
            for index, row_values in enumerate(values)
            if row_values[s] is not None
        ]
        canvas.polyline([(x, y) for x, y, _index in points], s)
        for x, y, index in points:
            shown = written[index][s]
            canvas.circle(x, y, s, tip=f"{rows[index][0]}, {name}: {shown}")
            canvas.text(x, y - 8, shown)


def _horizontal(table, canvas, rows, written, names, top) -> float:
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
            shown = written[index][s]
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


def _description(table, rows, written, names) -> str:
    parts = []
    for row, row_written in zip(rows[:DESC_ROWS], written, strict=False):
        if len(names) == 1:
            parts.append(f"{row[0]}: {row_written[0]}")
        else:
            pairs = zip(names, row_written, strict=True)
            values = ", ".join(f"{name} {shown}" for name, shown in pairs)
            parts.append(f"{row[0]}: {values}")
    text = "; ".join(parts) + "."
    if len(rows) > DESC_ROWS:
        more = len(rows) - DESC_ROWS
        text += " " + ngettext(
            "%(count)s more row in the table below.",
            "%(count)s more rows in the table below.",
            more,
        ) % {"count": more}
    if not rows:
        text = _("No figures.")
    return f"{table.description} {text}".strip()


def chart_context(table) -> dict:
    """Everything svg() draws for `table` (also handy to test the geometry)."""
    kind = table.chart if table.chart in {"bar", "hbar", "line", "stacked"} else "bar"
    rows = drawn_rows(table)
    names = [str(table.columns[index]) for index in table.series]
    canvas = _Canvas(_number_format(get_language()))
    # The drawn values as written (value labels, tips, the description), formatted once.
    written = [[canvas.cell(row[index]) for index in table.series] for row in rows]
    top = 8 + _legend(canvas, names, 4)
    if kind == "hbar":
        height = _horizontal(table, canvas, rows, written, names, top)
    else:
        height = _vertical(table, canvas, kind, rows, written, names, top)
    chart_id = f"chart-{table.key}-{next(_ids)}"
    return {
        "id": chart_id,
        "kind": kind,
        "width": WIDTH,
        "height": _fmt(math.ceil(height)),
        "title": table.title,
        "desc": _description(table, rows, written, names),
        "canvas": canvas,
        "font": FONT,
        "text_fill": TEXT,
    }


FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def svg(chart: dict) -> str:
    """The <svg> of chart_context(): presentation attributes only (no style, no script), every
    text escaped (the canvas wrote its shapes so). Class names, colours and coordinates are the
    module's own, never user text."""
    canvas = chart["canvas"]
    id_ = chart["id"]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart chart-{chart["kind"]}" '
            f'role="img" aria-labelledby="{id_}-title {id_}-desc" '
            f'viewBox="0 0 {chart["width"]} {chart["height"]}" width="{chart["width"]}" '
            f'height="{chart["height"]}" font-family="{escape_text(FONT_FAMILY)}" '
            f'font-size="{chart["font"]}" fill="{chart["text_fill"]}">\n'
            f'<title id="{id_}-title">{escape_text(chart["title"])}</title>\n'
            f'<desc id="{id_}-desc">{escape_text(chart["desc"])}</desc>\n',
            *canvas.lines,
            *canvas.rects,
            *canvas.polylines,
            *canvas.circles,
            *canvas.texts,
            "</svg>",
        ]
    )


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
    reason as the charts; every label and value is escaped (a number's text needs none)."""
    formats = _number_format(get_language())
    # A column holds numbers when any of its cells is one (searched until each is found).
    pending = set(range(1, len(table.columns)))
    for row in table.rows:
        if not pending:
            break
        pending -= {
            index for index in pending if index < len(row) and number(row[index]) is not None
        }
    right = ' class="text-end"'
    aligns = [
        "",
        *(right if index not in pending else "" for index in range(1, len(table.columns))),
    ]
    head = "".join(
        f'<th scope="col"{align}>{escape_text(column)}</th>'
        for column, align in zip(table.columns, aligns, strict=False)
    )
    body = []
    total_label = table.total_label
    opening = [f"<td{align}>" for align in aligns[1:]]
    for row in table.rows:
        total = ' class="dash-total"' if total_label and row[0] == total_label else ""
        cells = "".join(
            [
                f"{td}{_cell_html(value, formats)}</td>"
                for value, td in zip(row[1:], opening, strict=False)
            ]
        )
        label = _cell_html(row[0], formats)
        body.append(f'<tr{total}><th scope="row">{label}</th>{cells}</tr>\n')
    return mark_safe(  # noqa: S308 (every label and value is escaped above)
        '<div class="table-responsive">\n'
        '<table class="table table-sm table-striped align-middle dash-data mb-0">\n'
        f'<caption class="visually-hidden">{escape_text(table.title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(body)}</tbody>\n</table>\n</div>"
    )


def _cell_html(value, formats) -> str:
    """format_cell() escaped for HTML. The text of a number (an int, float or Decimal) is
    digits, a sign and the language's separators, and nothing at all is "—": only the other
    cells (text) need escaping."""
    if type(value) is int and formats[1] == 3:
        # The commonest cell, a count: number_format()'s own path, inlined (thousands a page).
        text = f"{value:,}"
        return text if formats[3] is None else text.translate(formats[3])
    text = format_cell(value, formats)
    if type(value) is int or value is None or type(value) in (float, Decimal):
        return text
    return escape_text(text)
