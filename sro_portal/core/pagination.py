"""Keyset pagination for the long lists (activities, incidents, agreements, presentations).

A numbered page (OFFSET) makes PostgreSQL read and throw away every row before it: at a million
activities the last page took seconds, and COUNT(*) over the whole set took tens of
milliseconds on every request. A keyset page asks instead for the rows after (or before) the
last row shown, by the list's own sort keys, which an index on (agency, key...) answers at any
depth in the same time. The price: no "page 7 of 20 000"; the list offers newest, newer and
older, and counts up to COUNT_CAP rows ("more than 10,000").

The cursor in the URL is the sort key values of a row, e.g. `?after=2026-11-27_41233`. It only
moves within the queryset the view was given (already scoped to the user), so a forged cursor
can at worst show another part of the user's own list; one that does not parse shows the first
page.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

PER_PAGE = 50
COUNT_CAP = 10_000
SEPARATOR = "_"  # never in a date, a timestamp or an id; unreserved in URLs


@dataclass
class KeysetPage:
    object_list: list
    count: int  # rows in the list, at most COUNT_CAP
    count_capped: bool  # True when there are more than COUNT_CAP
    newer: str | None  # cursor of the page before this one (`before=`), None on the first page
    older: str | None  # cursor of the page after this one (`after=`), None on the last page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def is_first(self) -> bool:
        return self.newer is None

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


@dataclass(frozen=True)
class _Keys:
    fields: list[str]
    descending: bool
    nulls_first: bool  # the first key may be NULL; those rows come first

    def order(self, *, backwards: bool) -> list:
        descending = self.descending != backwards
        order = [F(field).desc() if descending else F(field).asc() for field in self.fields]
        if self.nulls_first:
            first = F(self.fields[0])
            # Read backwards, the NULLs come last.
            order[0] = first.desc(nulls_first=True) if not backwards else first.asc(nulls_last=True)
        return order

    def beyond(self, values, *, backwards: bool) -> Q:
        """Rows after `values` in the reading order: (a, b) < (va, vb) for a descending list
        read forwards."""
        descending = self.descending != backwards
        if not self.nulls_first:
            return _tuple_beyond(self.fields, values, descending)
        first_is_null = Q(**{f"{self.fields[0]}__isnull": True})
        if values[0] is None:
            ties = first_is_null & _tuple_beyond(self.fields[1:], values[1:], descending)
            return ties if backwards else ties | ~first_is_null
        after = _tuple_beyond(self.fields, values, descending)
        return after | first_is_null if backwards else after


def keyset_page(
    queryset: QuerySet,
    params,
    *,
    keys: tuple[str, ...],
    per_page: int = PER_PAGE,
    nulls_first: bool = False,
) -> KeysetPage:
    """The page of `queryset` that `params` (request.GET) asks for, ordered by `keys`: field
    names all descending ("-date", "-id"), or all ascending; the last must be unique (the pk).
    With `nulls_first` (descending keys only), the first key may be NULL and those rows come
    first, as a descending PostgreSQL index lists them."""
    descending = keys[0].startswith("-")
    if any(key.startswith("-") != descending for key in keys) or (nulls_first and not descending):
        raise ValueError("keyset_page needs keys in one direction (descending with NULLs first)")
    order = _Keys([key.removeprefix("-") for key in keys], descending, nulls_first)
    count = _capped_count(queryset)
    after = _parse(queryset.model, order, params.get("after"))
    before = None if after else _parse(queryset.model, order, params.get("before"))
    backwards = before is not None
    cursor = before if backwards else after

    if cursor is not None:
        queryset = queryset.filter(order.beyond(cursor, backwards=backwards))
    rows = list(queryset.order_by(*order.order(backwards=backwards))[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        # The page above `before`, read upwards from it; shown in the list's order.
        rows.reverse()
        newer = _cursor(rows[0], order) if rows and more else None
        older = _cursor(rows[-1], order) if rows else None
    else:
        newer = _cursor(rows[0], order) if rows and after else None
        older = _cursor(rows[-1], order) if more else None
    return KeysetPage(
        object_list=rows,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        newer=newer,
        older=older,
    )


def _capped_count(queryset: QuerySet) -> int:
    """The list's rows, counted up to COUNT_CAP + 1. Counted on the ids alone: the rows'
    other columns (a list's names come by subquery) would be compiled into the count for
    nothing (PostgreSQL drops them unread). A DISTINCT list is counted on its whole rows."""
    rows = queryset.order_by()
    if not queryset.query.distinct:
        rows = rows.values("pk")
    return rows[: COUNT_CAP + 1].count()


def _tuple_beyond(fields, values, descending: bool) -> Q:
    """(a, b, c) < (va, vb, vc) as a|b|c comparisons (or > for an ascending list), and a <= va
    besides: implied by the rest, but the one condition an index on (agency, a) can start from
    (without it, the last page of a year of activities read the year's 70,000 rows first)."""
    lookup = "lt" if descending else "gt"
    condition = Q()
    for depth in range(len(fields)):
        equal = dict(zip(fields[:depth], values[:depth], strict=True))
        condition |= Q(**equal, **{f"{fields[depth]}__{lookup}": values[depth]})
    if len(fields) > 1:
        condition &= Q(**{f"{fields[0]}__{lookup}e": values[0]})
    return condition


def _cursor(row, order: _Keys) -> str:
    return SEPARATOR.join(_text(getattr(row, field)) for field in order.fields)


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _parse(model, order: _Keys, raw: str | None):
    """The cursor's values as Python values, or None when it is absent or does not parse."""
    if not raw:
        return None
    parts = raw.split(SEPARATOR)
    if len(parts) != len(order.fields):
        return None
    values = []
    for index, (field, part) in enumerate(zip(order.fields, parts, strict=True)):
        if part == "":
            if not (order.nulls_first and index == 0):
                return None
            values.append(None)
            continue
        try:
            # clean() also checks the range: an id past bigint would fail in the database.
            values.append(model._meta.get_field(field).clean(part, None))
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
    return values
