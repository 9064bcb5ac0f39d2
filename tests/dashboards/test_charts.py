"""The SVG charts drawn from a Table ({% chart table %}): accessible, one mark per value, every
value written as text, escaped, and nothing the CSP or a PDF renderer would refuse."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from sro_portal.dashboards.tables import Table
from sro_portal.dashboards.templatetags.charts import DESC_ROWS, cell, has_values

SVG = "{http://www.w3.org/2000/svg}"


def render(table) -> str:
    return Template("{% load charts %}{% chart table %}").render(Context({"table": table}))


def parse(table) -> ET.Element:
    """The chart as XML: it must be well-formed (WeasyPrint and printers parse it as such)."""
    return ET.fromstring(render(table).strip())  # noqa: S314 (our own markup)


def bars(root) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "chart-bar" in rect.get("class", "")]


def texts(root) -> list[str]:
    return ["".join(text.itertext()).strip() for text in root.iter(f"{SVG}text")]


def value_labels(root) -> list[str]:
    return [
        "".join(text.itertext()).strip()
        for text in root.iter(f"{SVG}text")
        if "chart-value" in text.get("class", "")
    ]


def schools_table(**kwargs) -> Table:
    defaults = {
        "key": "by_school",
        "title": "Incidents by school",
        "columns": ["School", "Incidents", "Last year"],
        "rows": [["Alpha High", 5, 3], ["Alpha Composite", 2, 4], ["Beta Catholic", 0, 1]],
        "description": "Incidents recorded at each school.",
    }
    return Table(**(defaults | kwargs))


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "stacked"])
def test_a_chart_is_an_accessible_image_with_title_and_desc(kind):
    root = parse(schools_table(chart=kind))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (title_id, "Incidents by school")
    assert desc.get("id") == desc_id
    assert desc.text == (
        "Incidents recorded at each school. Alpha High: 5; Alpha Composite: 2; Beta Catholic: 0."
    )
    assert root.get("viewBox").startswith("0 0 640 ")


@pytest.mark.parametrize(
    ("language", "hidden", "said"),
    [
        ("en", 1, "1 more row in the table below."),
        ("en", 2, "2 more rows in the table below."),
        ("fr", 1, "1 ligne de plus dans le tableau ci-dessous."),
        ("fr", 2, "2 lignes de plus dans le tableau ci-dessous."),
    ],
)
def test_the_desc_counts_the_rows_it_leaves_to_the_table(language, hidden, said):
    rows = [[f"School {n}", n] for n in range(DESC_ROWS + hidden)]
    with translation.override(language):
        desc = parse(schools_table(rows=rows, columns=["School", "Incidents"])).find(f"{SVG}desc")
    assert desc.text.endswith(f"School {DESC_ROWS - 1}: {DESC_ROWS - 1}. {said}")


def test_a_bar_chart_has_one_bar_per_row_with_its_value_written():
    root = parse(schools_table(chart="bar"))
    assert len(bars(root)) == 3
    assert value_labels(root) == ["5", "2", "0"]
    heights = [float(rect.get("height")) for rect in bars(root)]
    # 5 and 2 on an axis up to 6: bars in proportion, zero is flat.
    assert heights[0] == pytest.approx(heights[1] * 5 / 2, rel=0.01)
    assert heights[2] == 0
    labels = [t for t in texts(root) if t in {"Alpha High", "Alpha Composite", "Beta Catholic"}]
    assert labels == ["Alpha High", "Alpha Composite", "Beta Catholic"]


def test_several_series_draw_one_bar_per_row_and_series_with_a_legend():
    root = parse(schools_table(chart="bar", series=(1, 2)))
    assert len(bars(root)) == 6
    assert value_labels(root) == ["5", "3", "2", "4", "0", "1"]
    legend = [t for t in root.iter(f"{SVG}text") if "chart-legend" in t.get("class")]
    assert [t.text for t in legend] == ["Incidents", "Last year"]


def test_a_horizontal_bar_chart_labels_its_rows_on_the_left():
    root = parse(schools_table(chart="hbar"))
    assert len(bars(root)) == 3
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[0] == pytest.approx(widths[1] * 5 / 2, rel=0.01)
    labels = [t for t in root.iter(f"{SVG}text") if "chart-label" in t.get("class")]
    assert ["".join(t.itertext()) for t in labels] == [
        "Alpha High",
        "Alpha Composite",
        "Beta Catholic",
    ]
    assert {t.get("text-anchor") for t in labels} == {"end"}


def test_a_line_chart_draws_a_polyline_per_series_with_its_points():
    table = Table(
        key="by_month",
        title="By month",
        columns=["Month", "This year", "Last year"],
        rows=[["2025-09", 4, 2], ["2025-10", 6, None], ["2025-11", 1, 3]],
        chart="line",
        series=(1, 2),
    )
    root = parse(table)
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert len(lines[0].get("points").split()) == 3
    assert len(lines[1].get("points").split()) == 2  # no point for a missing value
    assert len(list(root.iter(f"{SVG}circle"))) == 5
    assert value_labels(root) == ["4", "6", "1", "2", "3"]


def test_a_stacked_chart_stacks_the_series_and_writes_the_totals():
    root = parse(schools_table(chart="stacked", series=(1, 2)))
    assert len(bars(root)) == 6
    totals = [t.text for t in root.iter(f"{SVG}text") if "chart-total" in t.get("class")]
    assert totals == ["8", "6", "1"]


def test_the_total_row_is_not_a_bar():
    table = schools_table(rows=[["Alpha High", 5, 3], ["Alpha Composite", 2, 4], ["Total", 7, 7]])
    table.total_label = "Total"
    root = parse(table)
    assert len(bars(root)) == 2
    assert "Total" not in texts(root)


def test_a_zero_table_draws_flat_bars_and_has_nothing_to_chart():
    table = schools_table(rows=[["Alpha High", 0, 0], ["Alpha Composite", 0, 0]])
    root = parse(table)
    assert [float(rect.get("height")) for rect in bars(root)] == [0, 0]
    assert value_labels(root) == ["0", "0"]
    assert not has_values(table)
    assert "nan" not in render(table).lower()


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "stacked"])
def test_an_empty_table_still_renders_well_formed(kind):
    table = schools_table(rows=[], chart=kind)
    root = parse(table)
    assert bars(root) == []
    assert root.find(f"{SVG}desc").text.endswith("No figures.")
    assert not has_values(table)


def test_chart_none_draws_nothing():
    assert render(schools_table(chart="none")).strip() == ""


def test_labels_and_titles_are_escaped():
    table = schools_table(
        title='Incidents <script>alert("t")</script>',
        rows=[['<img src=x onerror=alert(1)> & "co"', 3, 1], ["</svg><script>", 1, 1]],
    )
    html = render(table)
    assert "<script" not in html and "<img" not in html and "</svg><" not in html
    root = ET.fromstring(html.strip())  # noqa: S314 (still one well-formed SVG)
    assert root.find(f"{SVG}title").text == 'Incidents <script>alert("t")</script>'
    assert '<img src=x onerror=alert(1)> & "co"' in texts(root)


def test_no_style_attribute_no_script_no_external_reference():
    html = "".join(
        render(schools_table(chart=kind, series=(1, 2)))
        for kind in ("bar", "hbar", "line", "stacked")
    )
    assert not re.search(r"\sstyle=", html)
    assert "<script" not in html and "<style" not in html
    assert "href" not in html and "url(" not in html
    assert re.findall(r'fill="(#[0-9a-f]{6}|none)"', html)


def test_two_charts_of_the_same_table_have_different_ids():
    first, second = parse(schools_table()), parse(schools_table())
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_decimals_none_and_negative_values():
    table = Table(
        key="hours",
        title="Hours",
        columns=["Officer", "Hours"],
        rows=[["A", Decimal("12.5")], ["B", None], ["C", -3], ["D", "n/a"]],
        chart="bar",
    )
    root = parse(table)
    assert len(bars(root)) == 2  # nothing drawn for a missing or text value
    assert value_labels(root) == ["12.5", "—", "-3", "n/a"]
    assert has_values(table)


def test_coordinates_are_never_localized():
    with translation.override("fr"):
        html = render(schools_table(rows=[["A", 2.5, 1], ["B", 1, 1]]))
    numbers = re.findall(r' (?:x|y|width|height)="([^"]+)"', html)
    assert numbers and all("," not in number for number in numbers)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1204, "1,204"),
        (12.5, "12.5"),
        (12.0, "12"),
        (Decimal("3.25"), "3.2"),
        (None, "—"),
        ("", "—"),
        ("text", "text"),
        (float("nan"), "—"),
        (0, "0"),
    ],
)
def test_cells_read_as_people_write_numbers(value, shown):
    assert cell(value) == shown


@pytest.mark.parametrize("language", ["en", "fr"])
@given(
    value=st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    )
)
@settings(max_examples=200, deadline=None)
def test_cells_are_written_as_django_localizes_numbers(language, value):
    """cell() formats with Python's grouping (fast); it must say what Django's number_format
    says in every language."""
    from django.utils.formats import number_format as django_number_format

    with translation.override(language):
        if isinstance(value, int):
            expected = django_number_format(value, force_grouping=True)
        else:
            rounded = round(value, 1)
            expected = (
                django_number_format(int(rounded), force_grouping=True)
                if rounded == int(rounded)
                else django_number_format(rounded, decimal_pos=1, force_grouping=True)
            )
        assert cell(value) == expected
