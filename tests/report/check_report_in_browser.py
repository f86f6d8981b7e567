#!/usr/bin/env python3
"""`trainsim report` in a real browser: writes the default scenario's report, opens it in headless
Chromium, and fails on any script error or console error, or on a chart that did not draw its
marks (the page records each chart drawn and each error in its own DOM); then screenshots it.

usage: check_report_in_browser.py TRAINSIM CHROMIUM OUT_DIR
"""
import re
import subprocess
import sys
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--hide-scrollbars", "--no-first-run", "--allow-file-access-from-files",
    # Virtual time runs the page's scripts to completion before the DOM is dumped.
    "--virtual-time-budget=60000",
]

# What a drawn chart of each kind holds: Plotly's SVG, and the marks of its data.
CHARTS = {
    "timeline": ['class="main-svg"', 'class="point"'],
    "breakdown": ['class="main-svg"', 'class="point"'],
    "memory": ['class="main-svg"', 'class="point"', 'class="js-line"'],
    "scaling": ['class="main-svg"', 'class="js-line"', 'class="point"'],
}


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def section(dom, element_id):
    """The markup of the element with this id, up to the next section heading."""
    start = dom.find(f'id="{element_id}"')
    if start < 0:
        fail(f"no element with id '{element_id}' in the page")
    end = dom.find("<h2", start)
    return dom[start:end if end >= 0 else len(dom)]


def main():
    trainsim, chromium, out_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "report.html"
    made = subprocess.run([trainsim, "report", "-o", str(page)], capture_output=True, text=True)
    if made.returncode != 0:
        fail(f"trainsim report exited {made.returncode}: {made.stderr.strip()}")
    print(made.stdout.strip())

    url = page.resolve().as_uri()
    opened = subprocess.run([chromium, *CHROMIUM_FLAGS, "--enable-logging=stderr", "--v=0",
                             "--dump-dom", url], capture_output=True, text=True, timeout=300)
    if opened.returncode != 0:
        fail(f"chromium exited {opened.returncode}: {opened.stderr[-2000:]}")
    dom = opened.stdout
    console = [line for line in opened.stderr.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    if console:
        fail("console messages:\n" + "\n".join(console))
    errors = re.search(r'data-errors="(\d+)"', dom)
    drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
    if not errors or not drawn:
        fail("the page's script did not run (no data-errors / data-charts-drawn on its body)")
    if errors.group(1) != "0":
        listed = re.search(r'<ul id="errors"[^>]*>(.*?)</ul>', dom, re.S)
        fail(f"{errors.group(1)} script errors: {listed.group(1) if listed else ''}")
    if drawn.group(1) != str(len(CHARTS)):
        fail(f"{drawn.group(1)} of {len(CHARTS)} charts drawn")
    for chart, marks in CHARTS.items():
        markup = section(dom, chart)
        for mark in marks:
            if mark not in markup:
                fail(f"chart '{chart}' has no {mark}")
        points = markup.count('class="point"')
        print(f"chart {chart}: {points} bars/points drawn")
    rows = section(dom, "communication").count("<tr>") - 1  # less the header row
    if rows < 1:
        fail("the communication table has no rows")
    print(f"communication table: {rows} rows")

    shot = out_dir / "report.png"
    shot.unlink(missing_ok=True)
    subprocess.run([chromium, *CHROMIUM_FLAGS, "--window-size=1400,3600",
                    f"--screenshot={shot}", url], capture_output=True, timeout=300)
    if not shot.exists() or shot.stat().st_size < 10_000:
        fail(f"no screenshot at {shot}")
    print(f"screenshot: {shot} ({shot.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
