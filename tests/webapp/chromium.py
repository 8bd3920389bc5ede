"""A headless Chromium driven over the DevTools protocol, for the app's browser test.

Chromium runs with the flags that work on this machine (no sandbox, no GPU, no network services);
each page is opened and awaited in real time until Streamlit says its script has finished, then its
DOM (what `--dump-dom` prints) and a screenshot are taken. Waiting in real time rather than with
`--virtual-time-budget` keeps the test right on a loaded machine, where a first script run can take
longer than any fixed budget. The protocol client is `websockets`, which Streamlit itself depends on.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--run-all-compositor-stages-before-draw",
    "--window-size=1400,1000",
]
# stApp's attributes: the script's state and the websocket's; an uncaught exception is an stException block
STATE_JS = """JSON.stringify({
  script: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') ?? null,
  connection: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-connection-state') ?? null,
  headings: [...document.querySelectorAll('h1')].map(h => h.innerText.trim()),
  exceptions: document.querySelectorAll('[data-testid="stException"]').length,
  skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
})"""


def chromium_binary() -> str | None:
    """The Chromium executable (Debian's `chromium`, or a `chromium-browser` / `google-chrome`), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one tab, closed on exit."""

    def __init__(self, binary: str, profile: Path, timeout: float = 120.0) -> None:
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + timeout
        while not port_file.is_file() or not port_file.read_text().strip():
            if self.process.poll() is not None or time.time() > deadline:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                    targets = json.load(response)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        page = next(t for t in targets if t["type"] == "page")
        self._exit = contextlib.ExitStack()
        self.socket = self._exit.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout)
        )
        self.ids = itertools.count(1)

    def call(self, method: str, timeout: float = 60.0, **params) -> dict:
        """One DevTools command; events that arrive meanwhile are skipped."""
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.time() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.time(), 0.1)))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url: str, heading: str, timeout: float = 240.0, settle: float = 1.0) -> dict:
        """Go to `url` and wait until Streamlit's script has run and an h1 says `heading` (or time runs out);
        returns the last state seen (script, connection, headings, exceptions)."""
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        state: dict = {}
        while time.time() < deadline:
            state = json.loads(self.evaluate(STATE_JS) or "{}")
            done = state.get("script") == "notRunning" and state.get("connection") == "CONNECTED"
            if done and heading in state.get("headings", []) and not state.get("skeletons"):
                time.sleep(settle)  # let charts and pictures paint
                return json.loads(self.evaluate(STATE_JS) or "{}")
            time.sleep(0.5)
        return state

    def drag_across(self, selector: str, start: tuple[float, float], end: tuple[float, float]) -> None:
        """Press the mouse at `start` and release it at `end`, as fractions of the last element matching
        `selector` (in steps, as a hand would drag a box); the element must be inside the window."""
        box = json.loads(
            self.evaluate(
                f"JSON.stringify([...document.querySelectorAll({json.dumps(selector)})].pop().getBoundingClientRect())"
            )
        )
        x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
        x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x0, y=y0)
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y0, button="left", clickCount=1)
        for i in range(1, 11):
            x, y = x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10
            self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y, button="left", buttons=1)
            time.sleep(0.05)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y1, button="left", clickCount=1)

    def click(self, selector: str, x: float, y: float) -> None:
        """A left click at (`x`, `y`) pixels from the top-left corner of the first element matching `selector`."""
        box = json.loads(
            self.evaluate(f"JSON.stringify(document.querySelector({json.dumps(selector)}).getBoundingClientRect())")
        )
        at = {"x": box["x"] + x, "y": box["y"] + y}
        self.call("Input.dispatchMouseEvent", type="mouseMoved", **at)
        self.call("Input.dispatchMouseEvent", type="mousePressed", button="left", clickCount=1, **at)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", button="left", clickCount=1, **at)

    def dom(self) -> str:
        """The page's DOM as HTML, as `chromium --dump-dom` prints it."""
        return self.evaluate("document.documentElement.outerHTML")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        if hasattr(self, "_exit"):
            self._exit.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
