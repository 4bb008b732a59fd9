"""Page weight on a phone (PERFORMANCE.md): a judge's score sheet, with every asset it loads,
is under 150 KB transferred on an empty cache, and neither the sheet nor the judge's
dashboards are wider than a 360 px screen.

Bytes are what Chromium itself counts on the wire (CDP `Network.loadingFinished`
`encodedDataLength`: response headers plus the body as sent, compressed or not). The figures
of every page go to test-artifacts/e2e/page-weight.json and are printed (`pytest -s`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from playwright.sync_api import expect

from tests.e2e.conftest import ARTEFACTS
from tests.factories import Factory
from tests.judging import world as jw

PHONE = {"width": 360, "height": 740}
SHEET_BUDGET = 150 * 1024

# Elements that reach past the viewport's edges, with what they are (for the message). A box
# of a pixel or less shows nothing: the skip link hidden off-screen until it has the focus.
TOO_WIDE = """(limit) => {
  const found = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) continue;
    if (box.width > limit + 0.5 || box.right > limit + 0.5 || box.left < -0.5) {
      const name = element.tagName.toLowerCase()
        + (element.id ? '#' + element.id : '')
        + (element.className && typeof element.className === 'string'
           ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
      found.push(`${name} (${Math.round(box.left)}..${Math.round(box.right)} px)`);
    }
  }
  return found;
}"""


@dataclass
class Weight:
    """What one page load brought over the network, request by request."""

    urls: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def as_dict(self) -> dict:
        return {
            "bytes": self.total,
            "kb": round(self.total / 1024, 1),
            "requests": [
                {
                    "url": self.urls.get(key, "?"),
                    "bytes": size,
                    "content_encoding": self.encodings.get(key, ""),
                }
                for key, size in self.sizes.items()
            ],
        }


def weigh(page, path: str) -> Weight:  # noqa: ANN001
    """Load `path` with the browser's cache emptied and disabled, counting every response."""
    page.wait_for_load_state("networkidle")  # nothing of the page before is counted
    weight = Weight()
    cdp = page.context.new_cdp_session(page)

    def on_response(event: dict) -> None:
        weight.urls[event["requestId"]] = event["response"]["url"]
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        weight.encodings[event["requestId"]] = headers.get("content-encoding", "")

    def on_finished(event: dict) -> None:
        if not weight.urls.get(event["requestId"], "").startswith("data:"):
            weight.sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
    finally:
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.detach()
    return weight


def overflow(page) -> tuple[int, list[str]]:  # noqa: ANN001
    """The document's width and the elements wider than the phone or past its edges."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return width, page.evaluate(TOO_WIDE, PHONE["width"])


def test_a_judges_score_sheet_is_light_and_fits_a_phone(live_server, new_context, steps, sign_in):
    def world() -> dict:
        x = jw.build(Factory(), entries=3, judges=1)
        for round_entry in x.entries:
            jw.assign(x, x.judges[0], round_entry)
        return {"judge": x.judges[0].email, "sheet": x.entries[0].id}

    w = live_server.setup(world)
    sheet = f"/judging/sheets/{w['sheet']}"
    pages = {"home": "/", "dashboard": "/dashboard", "judging": "/judging/", "sheet": sheet}
    weights: dict[str, Weight] = {}
    widths: dict[str, tuple[int, list[str]]] = {}

    visitor = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    with steps("the public home page on an empty cache", visitor):
        weights["home"] = weigh(visitor, pages["home"])
        widths["home"] = overflow(visitor)

    judge = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(judge, w["judge"], who="judge")
    for name in ("dashboard", "judging", "sheet"):
        with steps(f"the {name} page on an empty cache", judge):
            weights[name] = weigh(judge, pages[name])
            widths[name] = overflow(judge)
            if name == "sheet":
                expect(judge.locator("#score-sheet fieldset.criterion").first).to_be_visible()

    report = {
        name: {
            "path": pages[name],
            **weights[name].as_dict(),
            "scroll_width": widths[name][0],
            "too_wide": widths[name][1],
        }
        for name in pages
    }
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "page-weight.json").write_text(json.dumps(report, indent=2) + "\n")
    for name, figures in report.items():
        print(
            f"{name:10} {figures['kb']:7.1f} KB in {len(figures['requests'])} responses,"
            f" {figures['scroll_width']} px wide"
        )

    assert weights["sheet"].total < SHEET_BUDGET, (
        f"the score sheet weighs {weights['sheet'].total / 1024:.1f} KB on an empty cache"
        f" (budget {SHEET_BUDGET // 1024} KB): {json.dumps(report['sheet']['requests'])}"
    )
    for name in ("sheet", "dashboard", "judging"):
        width, too_wide = widths[name]
        assert width <= PHONE["width"], f"the {name} page is {width}px wide on a 360px phone"
        assert too_wide == [], f"on the {name} page, wider than 360px: {too_wide}"
