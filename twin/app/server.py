"""Serve the explorer: Solara's own server, in this process, in production mode."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

APP = "twin.app.page"
#: Solara's settings for the page: its tab title, and no "runs on Solara" banner over
#: the controls; telemetry off (set before Solara is imported).
SOLARA_SETTINGS = {
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "Smart-city twin explorer",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
}
LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(scenario_file: Path, host: str = LOOPBACK, port: int = 8765) -> int:
    """Run the explorer on ``host:port`` until interrupted; returns the exit status."""
    for key, value in SOLARA_SETTINGS.items():
        os.environ.setdefault(key, value)
    from twin.app.page import SCENARIO_ENV

    os.environ[SCENARIO_ENV] = str(scenario_file.resolve())
    shown = f"[{host}]" if ":" in host else host
    print(f"twin explore: {scenario_file} at http://{shown}:{port}/  (Ctrl-C stops)", flush=True)
    if not is_loopback(host):
        print(
            f"twin explore: listening on {host}: anyone who can reach this machine can use "
            "the explorer (there is no login)",
            file=sys.stderr,
            flush=True,
        )
    from solara.__main__ import run

    args = ["--host", host, "--port", str(port), "--production", "--no-open", APP]
    run.main(args=args, prog_name="twin explore", standalone_mode=False)
    return 0
