"""A dashboard Table as CSV for spreadsheets: UTF-8 with a byte order mark (so Excel reads the
accents), the columns as the header row, then the rows.

Formula injection: a text cell that starts with = + - @, a tab or a carriage return would be read
as a formula by Excel or LibreOffice; it is written with a single quote in front ("'=1+1"), which
the spreadsheet shows as text. Numbers (int, float, Decimal) are written as numbers: a number
cannot carry a formula, and -3 stays -3. None is an empty cell.
"""

import csv
import io
import math
from decimal import Decimal

from sro_portal.dashboards.tables import Cell, Table

BOM = "\ufeff"
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Cell) -> str:
    kind = type(value)  # the common cells by their exact type first (no isinstance() calls)
    if kind is str:
        # A slice, not startswith(): a call less on each of thousands of cells.
        return "'" + value if value[:1] in DANGEROUS_STARTS else value
    if kind is int or kind is Decimal:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    text = str(value)
    return "'" + text if text[:1] in DANGEROUS_STARTS else text


def write_table(table: Table, out) -> int:
    """Write `table` to the file-like `out` (an HttpResponse works) in one write(); returns the
    rows written. (A write() to an HttpResponse encodes and buffers each piece: a dozen calls a
    row.)"""
    out.write(table_csv(table))
    return len(table.rows)


def table_csv(table: Table) -> str:
    """`table` as CSV text (with its BOM)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(str(column)) for column in table.columns])
    writer.writerows([escaped_row(row) for row in table.rows])
    return buffer.getvalue()


# Cells csv writes as escape_cell() would (str() of them), left to it: no call for each.
_WRITTEN_AS_IS = frozenset({int, Decimal})


def escaped_row(row: list) -> list:
    """escape_cell() of each cell of `row`, but ints, Decimals and finite floats are passed as
    they are: csv writes str() of an int or a Decimal and repr() of a float, as escape_cell()
    does (a table of 300 rows has a thousand of them). `value - value == 0` is False for an
    infinite float or NaN only, which escape_cell() writes as an empty cell."""
    return [
        value
        if type(value) in _WRITTEN_AS_IS or (type(value) is float and value - value == 0)
        else escape_cell(value)
        for value in row
    ]
