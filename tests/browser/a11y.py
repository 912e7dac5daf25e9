"""axe-core scans for the browser tests: WCAG 2.1 A and AA rules, open shadow roots included.

axe-core (MPL-2.0) comes bundled in the axe-playwright-python package (requirements-dev.txt),
so the suite needs no Node. A scan covers the whole page: the host page around the widget,
and the widget's shadow root, which axe enters by itself.
"""

from typing import Any

from axe_playwright_python.sync_playwright import Axe

# The rule sets the European Accessibility Act points to (EN 301 549: WCAG 2.1 AA).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE = Axe()


def violations(page: Any) -> list[str]:
    """Each violated rule on `page` as "rule: help (target, ...)"; [] when it passes."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options).response
    return [
        f"{rule['id']}: {rule['help']} "
        + ", ".join(
            str(node["target"]) + " " + node.get("failureSummary", "") for node in rule["nodes"]
        )
        for rule in results["violations"]
    ]


def assert_accessible(page: Any, state: str) -> None:
    """Fail with every violation axe finds on `page` (`state` names what is on screen)."""
    found = violations(page)
    assert not found, f"{state}: {len(found)} WCAG 2.1 AA violations:\n" + "\n".join(found)
