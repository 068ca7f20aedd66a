"""The signalised grid as a SUMO network, for the side by side (``sumo_side_by_side.py``).

SUMO's tools (found on PATH, in ``$SUMO_HOME/bin`` or through the ``sumo`` package of the
``sumo`` extra), the network netgenerate builds, its green-wave offsets, the edge of each
of the twin's links, and where SUMO's vehicles stand in its position output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.district.street_graph import StreetGraph

SPEED_MPS = 50 / 3.6
YELLOW_S, ALL_RED_S = 3, 2


def find_sumo(name: str) -> str | None:
    """Path of SUMO's ``name`` binary (PATH, ``$SUMO_HOME/bin``, the ``sumo`` package)."""
    found = shutil.which(name)
    if found:
        return found
    homes = [os.environ.get("SUMO_HOME", "")]
    try:
        import sumo  # type: ignore[import-not-found]

        homes.append(sumo.SUMO_HOME)
    except ImportError:
        pass
    for home in homes:
        candidate = Path(home, "bin", name)
        if home and candidate.exists():
            return str(candidate)
    return None


def sumo_binary(name: str) -> str:
    """Path of SUMO's ``name`` binary, or exit saying how to install SUMO."""
    found = find_sumo(name)
    if found is None:
        sys.exit(f"{name} not found: pip install eclipse-sumo (or set SUMO_HOME)")
    return found


def build_net(folder: Path, size: int, block_m: float, cycle_s: int) -> Path:
    """The grid as a SUMO network (netgenerate), boundary stubs one block long."""
    net = folder / "grid.net.xml"
    green = cycle_s // 2 - YELLOW_S - ALL_RED_S
    subprocess.run(
        [
            sumo_binary("netgenerate"),
            "--grid",
            f"--grid.number={size}",
            f"--grid.length={block_m}",
            f"--grid.attach-length={block_m}",
            "--default.lanenumber=1",
            f"--default.speed={SPEED_MPS}",
            "--default.junctions.type=traffic_light",
            f"--tls.green.time={green}",
            f"--tls.yellow.time={YELLOW_S}",
            f"--tls.allred.time={ALL_RED_S}",
            "--no-turnarounds",
            f"--output-file={net}",
        ],
        check=True,
        capture_output=True,
    )
    return net


def green_wave(net: Path, folder: Path, cycle_s: int) -> Path:
    """An additional file giving every controller east-west progression offsets."""
    root = ET.parse(net).getroot()
    x_of = {
        j.get("id"): float(j.get("x", 0))
        for j in root.iter("junction")
        if j.get("type") != "internal"
    }
    horizontal = {}
    for e in root.iter("edge"):
        if e.get("function") != "internal":
            horizontal[e.get("id")] = abs(x_of[e.get("to")] - x_of[e.get("from")]) > 1.0
    ew_link: dict[str, int] = {}
    for c in root.iter("connection"):
        if c.get("tl") and horizontal.get(c.get("from")) and c.get("dir") == "s":
            ew_link.setdefault(str(c.get("tl")), int(c.get("linkIndex", 0)))
    west = min(x_of.values())
    out = ET.Element("additional")
    for logic in root.iter("tlLogic"):
        tl = str(logic.get("id"))
        if tl not in ew_link:
            continue
        start, ew_start = 0.0, 0.0
        for phase in logic.iter("phase"):
            state = str(phase.get("state"))
            if state[ew_link[tl]] in "Gg":
                ew_start = start
                break
            start += float(phase.get("duration", 0))
        arrival = (x_of[tl] - west) / SPEED_MPS
        new = ET.SubElement(out, "tlLogic", dict(logic.attrib))
        new.set("programID", "wave")
        new.set("offset", f"{(arrival - ew_start) % cycle_s:.1f}")
        for phase in logic.iter("phase"):
            ET.SubElement(new, "phase", dict(phase.attrib))
    path = folder / "wave.add.xml"
    ET.ElementTree(out).write(path)
    return path


def sumo_edges(graph: StreetGraph, net: Path) -> list[str]:
    """SUMO's edge id of each of the twin's links (the two grids match node for node by
    the order of their x and y coordinates: both put their stubs one block out)."""
    root = ET.parse(net).getroot()
    at = {
        str(j.get("id")): (float(j.get("x", 0)), float(j.get("y", 0)))
        for j in root.iter("junction")
        if j.get("type") != "internal"
    }

    def rank(values: list[float]) -> list[int]:
        levels = sorted({round(v, 1) for v in values})
        return [levels.index(round(v, 1)) for v in values]

    names = list(at)
    sumo_at = dict(zip(zip(rank([at[n][0] for n in names]), rank([at[n][1] for n in names]),
                           strict=True), names, strict=True))  # fmt: skip
    twin_at = zip(rank(graph.x_m.tolist()), rank(graph.y_m.tolist()), strict=True)
    junction = [sumo_at[key] for key in twin_at]
    edge = {
        (str(e.get("from")), str(e.get("to"))): str(e.get("id"))
        for e in root.iter("edge")
        if e.get("function") != "internal"
    }
    return [edge[junction[tail], junction[head]] for tail, head, _ in graph.links]


def standing_vehicles(net: Path, positions: Path) -> list[dict[str, object]]:
    """Per sampled instant: SUMO's vehicles in the grid, those standing (below 0.1 m/s),
    and those standing inside a junction by movement (l, s, r: the connection's ``dir``)."""
    movement = {c.get("via"): c.get("dir") for c in ET.parse(net).getroot().iter("connection")}
    rows = []
    for step in ET.parse(positions).getroot().iter("timestep"):
        vehicles = list(step.iter("vehicle"))
        standing = [v for v in vehicles if float(v.get("speed", "0")) < 0.1]
        inside: dict[str, int] = {}
        for v in standing:
            lane = v.get("lane", "")
            if lane.startswith(":"):  # a junction's internal lane
                key = movement.get(lane) or "?"
                inside[key] = inside.get(key, 0) + 1
        rows.append(
            {"time_s": float(step.get("time", "0")), "vehicles": len(vehicles),
             "standing": len(standing), "in_junctions": inside}
        )  # fmt: skip
    return rows
