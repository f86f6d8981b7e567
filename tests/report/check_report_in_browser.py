#!/usr/bin/env python3
"""trainsim's HTML pages in a real browser: writes the default scenario's `report`, a `compare
--report` (the tour's naive model parallelism against the same split pipelined), a `search
--report` and a `sweep --report` page, opens each in headless Chromium, and fails on any script
error or console error, or on a chart that did not draw its marks (the pages record how many
charts they have, how many were drawn and each error in their own DOM); then screenshots the step
report and the comparison.

usage: check_report_in_browser.py TRAINSIM CHROMIUM OUT_DIR
"""
import re
import subprocess
import sys
from pathlib import Path

TOUR = Path(__file__).resolve().parents[2] / "scenarios" / "teaching"

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--hide-scrollbars", "--no-first-run", "--allow-file-access-from-files",
    # Virtual time runs the page's scripts to completion before the DOM is dumped.
    "--virtual-time-budget=60000",
]

# Each page: the command that writes it (the page's path is appended) and the marks each of its
# charts must hold besides Plotly's SVG (bars are Plotly "point"s, lines "js-line"s).
PAGES = {
    "report": (["report", "-o"], {
        "timeline": ['class="point"'],
        "breakdown": ['class="point"'],
        "memory": ['class="point"', 'class="js-line"'],
        "scaling": ['class="js-line"', 'class="point"'],
    }),
    # A parameter server: its pushes and pulls fill the communication table.
    "report-parameter-server": (["report", str(TOUR / "04-parameter-server.json"), "-o"], {
        "timeline": ['class="point"'],
        "breakdown": ['class="point"'],
        "memory": ['class="point"', 'class="js-line"'],
        "scaling": ['class="js-line"', 'class="point"'],
    }),
    # Naive model parallelism next to the same split pipelined: the idle GPUs show.
    "compare": (["compare", str(TOUR / "05-naive-model-parallel.json"),
                 str(TOUR / "06-pipeline-parallel.json"), "--report"], {
        "timeline-a": ['class="point"'],
        "timeline-b": ['class="point"'],
        "compare-breakdown": ['class="point"'],
    }),
    "search": (["search", "--top", "5", "--report"], {
        "search-breakdown": ['class="point"'],
        "search-memory": ['class="point"', 'class="js-line"'],
    }),
    "sweep": (["sweep", "--vary", "cluster.gpus=256..4096*2",
               "--vary", "cluster.gpu=a100-sxm4-80gb,h100-sxm5-80gb", "--report"], {
        "sweep-step": ['class="js-line"', 'class="point"'],
        "sweep-mfu": ['class="js-line"', 'class="point"'],
        "sweep-memory": ['class="js-line"', 'class="point"'],
    }),
}

# The pages screenshotted (each shot is another browser start, about 10 s).
SCREENSHOTS = {"report", "compare"}

# Tables the page script fills: at least one row each.
TABLES = {"report": ["communication"], "report-parameter-server": ["communication"], "compare": [], "search": ["search-table"], "sweep": []}


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


def check_page(trainsim, chromium, out_dir, name):
    command, charts = PAGES[name]
    page = out_dir / f"{name}.html"
    made = subprocess.run([trainsim, *command, str(page)], capture_output=True, text=True)
    if made.returncode != 0:
        fail(f"trainsim {name} exited {made.returncode}: {made.stderr.strip()}")

    url = page.resolve().as_uri()
    opened = subprocess.run([chromium, *CHROMIUM_FLAGS, "--enable-logging=stderr", "--v=0",
                             "--dump-dom", url], capture_output=True, text=True, timeout=300)
    if opened.returncode != 0:
        fail(f"{name}: chromium exited {opened.returncode}: {opened.stderr[-2000:]}")
    dom = opened.stdout
    console = [line for line in opened.stderr.splitlines()
               if "CONSOLE" in line or "Uncaught" in line]
    if console:
        fail(f"{name}: console messages:\n" + "\n".join(console))
    body = re.search(r"<body([^>]*)>", dom)
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1) if body else ""))
    if "errors" not in attributes or "charts-drawn" not in attributes:
        fail(f"{name}: the page's script did not run (no data-errors / data-charts-drawn)")
    if attributes["errors"] != "0":
        listed = re.search(r'<ul id="errors"[^>]*>(.*?)</ul>', dom, re.S)
        fail(f"{name}: {attributes['errors']} script errors: {listed.group(1) if listed else ''}")
    expected = attributes.get("charts-expected")
    if expected != str(len(charts)):
        fail(f"{name}: the page has {expected} charts, the test knows {len(charts)}")
    if attributes["charts-drawn"] != expected:
        fail(f"{name}: {attributes['charts-drawn']} of {expected} charts drawn")
    for chart, marks in charts.items():
        markup = section(dom, chart)
        for mark in ['class="main-svg"', *marks]:
            if mark not in markup:
                fail(f"{name}: chart '{chart}' has no {mark}")
        points = markup.count('class="point"')
        print(f"{name}: chart {chart}: {points} bars/points drawn")
    for table in TABLES[name]:
        rows = section(dom, table).count("<tr>") - 1  # less the header row
        if rows < 1:
            fail(f"{name}: table '{table}' has no rows")
        print(f"{name}: table {table}: {rows} rows")

    if name not in SCREENSHOTS:
        return
    shot = out_dir / f"{name}.png"
    shot.unlink(missing_ok=True)
    subprocess.run([chromium, *CHROMIUM_FLAGS, "--window-size=1400,3600",
                    f"--screenshot={shot}", url], capture_output=True, timeout=300)
    if not shot.exists() or shot.stat().st_size < 10_000:
        fail(f"{name}: no screenshot at {shot}")
    print(f"{name}: screenshot {shot} ({shot.stat().st_size} bytes)")


def main():
    trainsim, chromium, out_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        check_page(trainsim, chromium, out_dir, name)


if __name__ == "__main__":
    main()
