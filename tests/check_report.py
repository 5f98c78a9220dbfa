#!/usr/bin/python3
"""Opens a report.html in headless Chromium (Debian's) as a reader would, and fails unless

  - the page logs nothing to the console (it has no scripts; any message is an error),
  - the page requests nothing over a network (Chromium's net log: every http(s) request the page
    initiated; the browser's own background requests carry no page origin and are ignored),
  - a full-page screenshot is not blank (enough non-white pixels and colours: the plots and grids).

Usage: /usr/bin/python3 tests/check_report.py REPORT_HTML SCREENSHOT_PNG
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

report, screenshot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
browser = shutil.which("chromium") or shutil.which("chromium-browser")
if browser is None:
    sys.exit("check_report: chromium is missing (tests/install-deps.sh installs Debian's)")
with tempfile.TemporaryDirectory() as tmp:
    netlog = os.path.join(tmp, "net.json")
    run = subprocess.run([
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        "--user-data-dir=" + os.path.join(tmp, "profile"), "--enable-logging=stderr", "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND", "--log-net-log=" + netlog, "--window-size=1280,4000",
        "--screenshot=" + screenshot, "file://" + report,
    ], capture_output=True, text=True, timeout=180)
    if run.returncode != 0 or not os.path.exists(screenshot):
        sys.exit("check_report: chromium failed:\n" + run.stderr[-3000:])
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    with open(netlog) as f:
        events = json.load(f)["events"]
    fetched = sorted({e["params"]["url"] for e in events
                      if e.get("params", {}).get("url", "").startswith(("http:", "https:"))
                      and e["params"].get("initiator", "not an origin") != "not an origin"})

image = Image.open(screenshot).convert("RGB")
pixels = list(image.getdata())
non_white = sum(1 for p in pixels if min(p) < 235) / len(pixels)
colours = len(set(pixels))
problems = []
if console:
    problems.append("console messages:\n  " + "\n  ".join(console))
if fetched:
    problems.append("network requests by the page:\n  " + "\n  ".join(fetched))
if non_white < 0.05 or colours < 64:
    problems.append(f"the screenshot looks blank: {non_white:.1%} non-white pixels, {colours} colours")
if problems:
    sys.exit("check_report: " + report + "\n" + "\n".join(problems))
print(f"check_report: {report} ok ({image.width}x{image.height} screenshot, {non_white:.0%} non-white,"
      f" {colours} colours, no console messages, no network requests)")
