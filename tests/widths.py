"""Browser test support: is every generated table readable at a desktop and a phone width?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from opsbook import load
from opsbook.pages import Context, generated_pages
from opsbook.sitepaths import page_url

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# For one page: each element of the article that hides content (clips it, or scrolls with
# no cue), each that sticks out of the article, and each that scrolls with a cue. A cue is
# the scroll shadow of opsbook.css (a radial gradient in the scroller's background).
MEASURE = """
() => {
  const article = document.querySelector("article.md-content__inner");
  const name = el => {
    const table = el.closest(".ob-table");
    const where = table ? "." + [...table.classList].join(".") + " " : "";
    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
    return where + el.tagName.toLowerCase() + cls;
  };
  const out = {hidden: [], out: [], scrolls: []};
  const scrollers = [];
  const shown = el => { const r = el.getBoundingClientRect(); return r.width || r.height; };
  for (const el of article.querySelectorAll("*")) {
    if (!shown(el)) continue;
    const style = getComputedStyle(el);
    const over = el.scrollWidth - el.clientWidth;
    if (style.overflowX === "visible" || over <= 1) continue;
    scrollers.push(el);
    // Material's content tabs scroll on a phone with arrow buttons beside them.
    const arrows = el.classList.contains("tabbed-labels")
      && [...el.parentElement.querySelectorAll(":scope > .tabbed-control")].some(shown);
    const cue = style.overflowX !== "hidden"
      && (arrows || /radial-gradient/.test(style.backgroundImage));
    (cue ? out.scrolls : out.hidden).push(`${name(el)} by ${over}px`);
  }
  // Material bleeds code blocks and tabs into the article's margin on a phone: the column
  // the article sits in is the container.
  const box = article.closest(".md-content").getBoundingClientRect();
  for (const el of article.querySelectorAll("*")) {
    if (!shown(el) || scrollers.some(s => s !== el && s.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (r.right > box.right + 1 || r.left < box.left - 1) {
      const by = Math.round(Math.max(r.right - box.right, box.left - r.left));
      out.out.push(`${name(el)} by ${by}px`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) out.out.push("the page scrolls sideways");
  return out;
}
"""


def generated_urls(root: Path, today: str) -> list[str]:
    """The URL path of every page opsbook generates for the handbook at root."""
    ctx = Context(handbook=load.load_handbook(root), today=dt.date.fromisoformat(today))
    return [page_url(spec.src_uri, True) for spec in generated_pages(ctx)]


def measure(page: Any, base: str, urls: list[str]) -> dict[str, dict[str, list[str]]]:
    """MEASURE of each page, by URL path; the viewport is the page's, set by the caller."""
    found: dict[str, dict[str, list[str]]] = {}
    for url in urls:
        page.goto(f"{base}/{url}")
        page.wait_for_load_state("load")
        found[url] = page.evaluate(MEASURE)
    return found


def problems(found: dict[str, dict[str, list[str]]], *, scrolling: bool) -> dict[str, list[str]]:
    """Pages with hidden or protruding content (and, unless scrolling is allowed, scrollers)."""
    keys = ("hidden", "out") if scrolling else ("hidden", "out", "scrolls")
    bad = {url: [f"{k}: {v}" for k in keys for v in m[k]] for url, m in found.items()}
    return {url: items for url, items in bad.items() if items}
