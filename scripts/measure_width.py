"""How wide each page lays out on a phone: headless Chromium loads it in an iframe 390 px wide and reads the
inner page's ``document.documentElement.scrollWidth`` (more than 390 means the reader scrolls sideways).

    python scripts/measure_width.py outputs/index.html outputs/*/*/*.html            # prints width, page
    python scripts/measure_width.py --width 390 --screenshot /tmp/shots PAGE...       # PNGs to look at

Why an iframe: Chromium's window is never narrower than 500 px, an iframe is as narrow as we ask. The
wrapper page is opened with ``--allow-file-access-from-files`` so its script may read the inner file
page; the result is written into the wrapper's DOM and read back from ``--dump-dom`` (offline, no
debugging protocol). Each inner page gets the CJK font the package ships (mplfonts' Noto Sans CJK) as
its first family, so text is as wide as on a phone that has a Chinese font, on a machine that has none.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--allow-file-access-from-files", "--hide-scrollbars")

WRAPPER = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; }} iframe {{ border: 0; display: block; width: {width}px; height: {height}px; }}
</style></head><body>
{frames}
<script>
const FONT = {font};
function measure(f) {{
  const d = f.contentDocument;
  const s = d.createElement("style");
  s.textContent = '@font-face {{ font-family: "xy-cjk"; src: url("' + FONT + '"); }} '
    + 'body {{ font-family: "xy-cjk", sans-serif; }}';
  d.head.appendChild(s);
  return d.fonts.ready.then(() => {{
    d.body.offsetWidth;
    const fit = {fit};
    if (fit) f.style.height = d.documentElement.scrollHeight + "px";
    return {{page: f.dataset.page, width: d.documentElement.scrollWidth}};
  }});
}}
window.addEventListener("load", () => {{
  Promise.all([...document.querySelectorAll("iframe")].map(measure)).then(rows => {{
    const out = document.createElement("pre");
    out.id = "xy-out";
    out.textContent = JSON.stringify(rows);
    document.body.appendChild(out);
  }});
}});
</script></body></html>
"""


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("no chromium on PATH")


def _font_uri() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    from xinyong.report.fonts import font_path

    return font_path().as_uri()


def _wrapper(tmp: Path, pages: list[Path], width: int, height: int, fit: bool) -> Path:
    frames = "\n".join(f'<iframe data-page="{html.escape(str(p))}" src="{html.escape(p.resolve().as_uri())}"></iframe>'
                       for p in pages)
    w = tmp / "wrapper.html"
    w.write_text(WRAPPER.format(width=width, height=height, frames=frames, font=json.dumps(_font_uri()),
                                fit="true" if fit else "false"), encoding="utf-8")
    return w


def measure(pages: list[Path], width: int = 390, timeout: float = 180) -> dict[str, int]:
    """``{page: scrollWidth}`` of each page laid out ``width`` px wide (one Chromium for all of them)."""
    pages = [Path(p) for p in pages]
    with tempfile.TemporaryDirectory(prefix="xy-width-") as tmp:
        w = _wrapper(Path(tmp), pages, width, 800, fit=False)
        cmd = [browser(), *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", "--window-size=1000,900",
               "--virtual-time-budget=20000", "--dump-dom", w.as_uri()]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    m = re.search(r'<pre id="xy-out">(.*?)</pre>', dom, re.S)
    if not m:
        raise RuntimeError(f"no measurement in Chromium's DOM dump ({len(dom)} characters)")
    return {row["page"]: int(row["width"]) for row in json.loads(html.unescape(m.group(1)))}


def screenshot(page: Path, png: Path, width: int = 390, height: int = 2400, timeout: float = 120) -> Path:
    """A PNG of ``page`` laid out ``width`` px wide (the top ``height`` px), with the CJK font."""
    with tempfile.TemporaryDirectory(prefix="xy-shot-") as tmp:
        w = _wrapper(Path(tmp), [Path(page)], width, height, fit=True)
        cmd = [browser(), *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--window-size={max(width, 500)},{height}",
               "--virtual-time-budget=20000", f"--screenshot={Path(png).resolve()}", w.as_uri()]
        subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return Path(png)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--width", type=int, default=390)
    ap.add_argument("--screenshot", type=Path, help="folder for a PNG of each page at --width")
    ap.add_argument("--height", type=int, default=2400, help="height of each screenshot")
    a = ap.parse_args(argv)
    widths = measure(a.pages, a.width)
    for page, w in widths.items():
        print(f"{w:5d} {'OK  ' if w <= a.width else 'WIDE'} {page}")
    if a.screenshot:
        a.screenshot.mkdir(parents=True, exist_ok=True)
        for i, p in enumerate(a.pages):
            png = a.screenshot / f"{i:02d}-{p.parent.name}-{p.stem}-{a.width}.png"
            screenshot(p, png, a.width, a.height)
            print("screenshot", png)
    return 0 if all(w <= a.width for w in widths.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
