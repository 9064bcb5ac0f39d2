"""axe-core in the browser tests: inject the vendored copy into a page, run the WCAG 2.0/2.1 A and
AA rules, and report what it finds in words a person can act on.

axe is injected with `page.evaluate(source)`: Playwright sends it through the DevTools protocol,
which the page's Content-Security-Policy does not govern. A `<script>` tag added by the test
(`page.add_script_tag`) would be refused by the portal's CSP (no inline scripts, nonces only),
and `bypass_csp=True` on the context would switch the CSP off for the portal's own code too. This
way the CSP stays in force, and the conftest still fails a test on any violation by the portal.
"""

from pathlib import Path

from playwright.sync_api import Page

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
}"""


def inject_axe(page: Page) -> None:
    """Loads axe into the page once (a new document needs it again)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)


def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict]:
    """axe's violations of the page as it is now, for the WCAG 2.0/2.1 A and AA rules."""
    inject_axe(page)
    return page.evaluate(_RUN, tags or WCAG_AA)


def format_violations(violations: list[dict], *, where: str = "") -> str:
    """One paragraph per rule broken: the rule, how serious, each element and what to fix."""
    lines = []
    for violation in violations:
        lines.append(
            f"{where}{violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = " ".join((node["summary"] or "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fails with axe's report when the page breaks a WCAG 2.1 A or AA rule."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations, where=f"{page.url}\n  ")
