"""{% dashboard_section %} (templatetags/dashboard_sections.py) writes a dashboard section byte for
byte as the templates it replaced drew it: dashboards/_section.html and _table.html, kept in
tests/dashboards/reference/ and rendered here with the same sections, in English and French,
with HTML-special characters in every text the user or the data can put there."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.template.backends.django import get_installed_libraries
from django.utils import translation

from sro_portal.dashboards.tables import Figure, Section, Table
from sro_portal.dashboards.templatetags.dashboard_sections import section_html

REFERENCE = Path(__file__).parent / "reference"
RISKY = 'O\'Brien & <Sons> "High"'


def reference_html(section: Section, query: str) -> str:
    engine = Engine(dirs=[str(REFERENCE)], libraries=get_installed_libraries())
    template = engine.from_string('{% include "dashboards/_section.html" %}')
    return template.render(Context({"section": section, "query": query}))


def _without_chart_ids(html: str) -> str:
    """Chart ids are numbered through the process (two drawings of a chart differ)."""
    return re.sub(r"chart-([a-z_]+)-\d+", r"chart-\1-N", html)


def _sections() -> list[Section]:
    schools = [[f"{RISKY} {index}", index * 3, index / 7] for index in range(1030)]
    return [
        Section(
            key="probe",
            title=f"Probe {RISKY}",
            note=f"Note {RISKY}",
            figures=[
                Figure("Count", 1204, table="by_school"),
                Figure(f"Rate {RISKY}", 12.345, detail=f"of {RISKY}"),
                Figure("Nothing", None, table="empty"),
                Figure("Text", RISKY, detail=""),
                Figure("Money", Decimal("2.50")),
                Figure("Yes", True),
            ],
            tables=[
                Table(
                    key="by_school",
                    title=f"Schools {RISKY}",
                    columns=["School", f"Count {RISKY}", "Share"],
                    rows=[*schools, ["Total", 9999, None]],
                    chart="hbar",
                    series=(1, 2),
                    description=f"Described {RISKY}",
                    total_label="Total",
                ),
                Table(key="empty", title="Empty", columns=["A", "B"], rows=[]),
                Table(key="zeros", title="Zeros", columns=["A", "B"], rows=[["a", 0], ["b", 0]]),
                Table(
                    key="matrix",
                    title="Matrix",
                    columns=["School", "Fire", "Overall"],
                    rows=[[RISKY, "1 / 2 · behind", "—"], ["Beta", 3, "ok"]],
                    chart="none",
                ),
                Table(
                    key="by_month",
                    title="Months",
                    columns=["Month", "This", "Before"],
                    rows=[["2025-09", 3, 4.5], ["2025-10", -2, None]],
                    chart="line",
                    series=(1, 2),
                ),
                Table(
                    key="stack",
                    title="Stacked",
                    columns=["Kind", "A", "B"],
                    rows=[["x", 1, 2], ["y", 3, 0]],
                    chart="stacked",
                    series=(1, 2),
                ),
                Table(key="one", title="One hidden", columns=["S", "N"], rows=schools[:26]),
            ],
        ),
        Section(key="bare", title="Bare", tables=[]),
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("query", ["", "period=2025&school=3"])
def test_the_tag_writes_what_the_templates_drew(language, query):
    with translation.override(language):
        for section in _sections():
            expected = _without_chart_ids(reference_html(section, query))
            assert _without_chart_ids(section_html(section, query)) == expected


def test_every_text_is_escaped():
    html = section_html(_sections()[0], "period=2025&school=3")
    assert RISKY not in html
    assert "O&#x27;Brien &amp; &lt;Sons&gt; &quot;High&quot;" in html
    assert "?period=2025&amp;school=3" in html
