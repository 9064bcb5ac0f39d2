"""A dashboard section drawn in Python: {% dashboard_section section query %}.

    {% load dashboard_sections %}
    {% dashboard_section section query %}   one dashboards.tables.Section: its figures as cards,
                                            then each table (its on-screen rows) with its chart,
                                            its numbers and its CSV link

It writes, byte for byte, the markup the templates dashboards/_section.html and _table.html
drew (kept in tests/dashboards/reference/, which test_section_html.py compares with): through
the templates, the variable lookups, filters and translations of a dashboard's eight sections
and thirty tables cost about a fifth of the page's time. The words are translated once per
language, the CSV links reversed once per table; every title, label and value is escaped (keys
and URLs are the portal's own slugs). The charts and the numbers come from charts.py, as the
templates had them.
"""

import functools

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from sro_portal.dashboards.tables import Section, Table
from sro_portal.dashboards.templatetags.charts import (
    _cell_html,
    _number_format,
    chart,
    escape_text,
    has_values,
    numbers,
)

register = template.Library()


@register.simple_tag
def dashboard_section(section: Section, query: str) -> str:
    """`section` as the dashboard shows it; `query`: the filters (urlencoded) for the CSV links."""
    # Every text is escaped by section_html().
    return mark_safe(section_html(section, query))  # noqa: S308


def section_html(section: Section, query: str) -> str:
    # The blank lines and indentation below are the templates' own (their {% load %} and
    # {% comment %} lines, the indented tags), kept so that the page stays byte for byte the same.
    language = get_language()
    words = _words(language)
    formats = _number_format(language)
    key = section.key
    note = (
        f'<p class="dash-note small text-body-secondary">{escape_text(section.note)}</p>'
        if section.note
        else ""
    )
    parts = [
        f'\n\n<section class="dash-section mb-5" id="section-{key}" '
        f'aria-labelledby="section-{key}-title">\n'
        f'  <h2 class="h4 border-bottom pb-1 mb-2" id="section-{key}-title">'
        f"{escape_text(section.title)}</h2>\n  {note}\n  "
    ]
    if section.figures:
        parts.append(
            '\n  <ul class="dash-figures row row-cols-2 row-cols-md-3 row-cols-xl-4 g-3 '
            'list-unstyled mb-4">\n    '
        )
        parts += [_figure_html(key, figure, formats) for figure in section.figures]
        parts.append("\n  </ul>\n  ")
    parts.append("\n  ")
    for table in section.tables:
        parts += ["\n    ", table_html(key, table.on_screen(), query, words), "\n  "]
    parts.append("\n</section>\n")
    return "".join(parts)


def _figure_html(section_key: str, figure, formats) -> str:
    label = escape_text(figure.label)
    if figure.table:
        label = f'<a class="stretched-link" href="#table-{section_key}-{figure.table}">{label}</a>'
    detail = (
        f'<div class="small text-body-secondary">{escape_text(figure.detail)}</div>'
        if figure.detail
        else ""
    )
    return (
        '\n    <li class="col">\n      <div class="card h-100 dash-figure">\n'
        '        <div class="card-body">\n'
        f'          <div class="dash-figure-value">{_cell_html(figure.value, formats)}</div>\n'
        f'          <div class="dash-figure-label">{label}</div>\n'
        f"          {detail}\n        </div>\n      </div>\n    </li>\n    "
    )


def table_html(section_key: str, table: Table, query: str, words: dict) -> str:
    """One table of a section (as on screen: Table.on_screen()), as _table.html drew it."""
    anchor = f"table-{section_key}-{table.key}"
    title = escape_text(table.title)
    urlconf = get_urlconf() or settings.ROOT_URLCONF  # as links.fixed_url keys its URLs
    href = _export_url(get_script_prefix(), urlconf, section_key, table.key)
    if query:
        href += "?" + escape_text(query)
    description = (
        f'<p class="small text-body-secondary mb-2">{escape_text(table.description)}</p>'
        if table.description
        else ""
    )
    return (
        f'\n\n<article class="dash-table mb-4" id="{anchor}" aria-labelledby="{anchor}-title">\n'
        '  <div class="d-flex flex-wrap justify-content-between align-items-baseline gap-2">\n'
        f'    <h3 class="h6 mb-1" id="{anchor}-title">{title}</h3>\n'
        f'    <a class="btn btn-sm btn-outline-secondary dash-csv" href="{href}">\n'
        '      <i class="bi bi-download" aria-hidden="true"></i> CSV'
        f'<span class="visually-hidden">: {title}</span>\n'
        "    </a>\n  </div>\n"
        f"  {description}\n  {_hidden_rows_html(table.hidden_rows)}\n  "
        f"{_body_html(table, words)}\n</article>\n"
    )


def _hidden_rows_html(hidden: int) -> str:
    if not hidden:
        return ""
    text = ngettext(
        "The %(counter)s other row is in the CSV export; choose a school in the filters to "
        "see one school.",
        "The %(counter)s other rows are in the CSV export; choose a school in the filters to "
        "see one school.",
        hidden,
    ) % {"counter": escape_text(localize(hidden))}
    return f'<p class="dash-hidden-rows small text-body-secondary mb-2">{text}</p>'


def _body_html(table: Table, words: dict) -> str:
    """The chart and its numbers, the numbers alone, or why there is nothing to show."""
    if not table.rows:
        return f'\n    <p class="dash-empty text-body-secondary">{words["nothing"]}</p>\n  '
    if table.chart != "none" and has_values(table):
        return (
            f'\n    <div class="dash-chart-wrap">{chart(table)}</div>\n'
            '    <details class="dash-numbers mt-2">\n'
            f"      <summary>{words['numbers']}</summary>\n"
            f"      {numbers(table)}\n    </details>\n  "
        )
    zero = (
        f'<p class="dash-empty small text-body-secondary">{words["zero"]}</p>'
        if table.chart != "none"
        else ""
    )
    return f"\n    {zero}\n    {numbers(table)}\n  "


@functools.lru_cache
def _words(language: str | None) -> dict[str, str]:
    """The section's fixed words in `language`, translated and escaped once (as {% translate %}
    escaped them)."""
    return {
        "nothing": escape_text(_("Nothing to show for these filters.")),
        "numbers": escape_text(_("The numbers")),
        "zero": escape_text(_("Nothing to chart: every figure is zero in this period.")),
    }


@functools.lru_cache
def _export_url(_prefix: str, _urlconf, section_key: str, table_key: str) -> str:
    """The CSV link of a table, escaped (as {% url %} wrote it); the script prefix and the URLconf
    in force are part of the cache key."""
    return escape_text(reverse("dashboards:export", args=(section_key, table_key)))
