"""The SUMO side-by-side benchmark's own arithmetic (SUMO itself is optional: with
``eclipse-sumo`` installed, the whole comparison runs on a 3 x 3 grid too)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import sumo_grid as grid  # noqa: E402
import sumo_side_by_side as side  # noqa: E402

#: Two signalised junctions 150 m apart on an east-west street, each with a stub.
NET = """<net>
  <edge id="in" from="w" to="A" /><edge id="out" from="A" to="w" />
  <edge id="AB" from="A" to="B" /><edge id="BA" from="B" to="A" />
  <edge id="in2" from="e" to="B" /><edge id="out2" from="B" to="e" />
  <edge id="n" from="s" to="B" /><edge id="n2" from="B" to="s" />
  <junction id="w" x="-150" y="0" /><junction id="A" x="0" y="0" />
  <junction id="B" x="150" y="0" /><junction id="e" x="300" y="0" />
  <junction id="s" x="150" y="-150" />
  <tlLogic id="A" type="static" programID="0" offset="0">
    <phase duration="40" state="rG"/><phase duration="5" state="ry"/>
    <phase duration="40" state="Gr"/><phase duration="5" state="yr"/>
  </tlLogic>
  <tlLogic id="B" type="static" programID="0" offset="0">
    <phase duration="40" state="rG"/><phase duration="5" state="ry"/>
    <phase duration="40" state="Gr"/><phase duration="5" state="yr"/>
  </tlLogic>
  <connection from="in" to="AB" dir="s" tl="A" linkIndex="0" />
  <connection from="AB" to="out2" dir="s" tl="B" linkIndex="0" />
  <connection from="n" to="BA" dir="l" tl="B" linkIndex="1" />
</net>
"""


def test_green_wave_offsets_open_each_east_west_green_on_arrival(tmp_path: Path) -> None:
    """SUMO starts a program's first phase at ``offset``: the east-west green (phase 3,
    starting 45 s into the program) must open 150 m / v later at B than at A, when a
    vehicle that left A at the start of its green arrives."""
    net = tmp_path / "n.net.xml"
    net.write_text(NET)
    wave = ET.parse(grid.green_wave(net, tmp_path, 90)).getroot()
    offsets = {tl.get("id"): float(tl.get("offset", "nan")) for tl in wave.iter("tlLogic")}
    opens = {tl: (offset + 45.0) % 90.0 for tl, offset in offsets.items()}  # mod the cycle
    assert (opens["B"] - opens["A"]) % 90.0 == pytest.approx(150.0 / grid.SPEED_MPS, abs=0.11)


ARGS = argparse.Namespace(
    size=3,
    block=150.0,
    cycle=90,
    hours=0.25,
    seed=2,
    left_turns="permissive",
    speed_spread=0.1,
    acceleration=2.6,
    sumo_routing=False,
)


def test_the_twin_side_runs_the_same_district_and_keeps_its_trips() -> None:
    run = side.run_twin(ARGS, 1200.0, "none")
    assert 0 < run.figures["arrived"] <= len(run.trips) <= 1200.0 * 0.25 * 1.3
    assert run.figures["delay_s"] > 0 and run.figures["east_delay_s"] >= 0
    starts = [start for start, _ in run.trips]
    assert starts == sorted(starts) and starts[0] >= 0 and starts[-1] < 0.25 * 3600
    links = run.graph.links
    for _, route in run.trips:  # each route a chain of links from one stub to another
        assert all(links[a][1] == links[b][0] for a, b in pairwise(route))
    boundary = set(run.graph.boundary_nodes)
    assert all(links[r[0]][0] in boundary and links[r[-1]][1] in boundary for _, r in run.trips)
    assert run.east.sum() > 0 and len(run.east) == len(run.trips)


@pytest.mark.skipif(grid.find_sumo("sumo") is None, reason="SUMO is the sumo extra (CI has it)")
def test_sumo_drives_the_twins_trips_along_its_streets(tmp_path: Path) -> None:
    """Each twin link maps to the SUMO edge between the same places (coordinates taken
    from each tool's own west and south edge), so SUMO drives the same routes."""
    net = grid.build_net(tmp_path, 3, 150.0, 90)
    run = side.run_twin(ARGS, 1200.0, "none")
    root = ET.parse(net).getroot()
    at = {j.get("id"): (float(j.get("x")), float(j.get("y"))) for j in root.iter("junction")}
    ends = {e.get("id"): (e.get("from"), e.get("to")) for e in root.iter("edge")}
    sumo_x0 = min(x for x, _ in at.values())
    sumo_y0 = min(y for _, y in at.values())
    graph = run.graph
    for link, edge in enumerate(grid.sumo_edges(graph, net)):
        tail, head, _ = graph.links[link]
        for node, junction in zip((tail, head), ends[edge], strict=True):
            x, y = at[junction]
            assert x - sumo_x0 == pytest.approx(graph.x_m[node] - graph.x_m.min())
            assert y - sumo_y0 == pytest.approx(graph.y_m[node] - graph.y_m.min())
    vehicles = ET.parse(side.write_routes(tmp_path / "r.xml", run, net, False)).getroot()
    written = [(float(v.get("depart")), v.find("route").get("edges").split()) for v in vehicles]
    edges = grid.sumo_edges(graph, net)
    assert written == [
        (pytest.approx(start, abs=0.005), [edges[k] for k in route]) for start, route in run.trips
    ]
    own = ET.parse(side.write_routes(tmp_path / "t.xml", run, net, True)).getroot()
    assert [(t.get("from"), t.get("to")) for t in own] == [(e[0], e[-1]) for _, e in written]
    sumo = side.run_sumo(net, tmp_path, run, ARGS, None)
    # well below capacity, the same vehicles on the same streets: nearly the same arrivals
    assert abs(sumo["arrived"] - run.figures["arrived"]) <= 0.05 * run.figures["arrived"]


def test_green_wave_change_is_the_mean_of_the_seeds_changes() -> None:
    pairs = [({"d": 100.0}, {"d": 20.0}), ({"d": 200.0}, {"d": 80.0})]  # -80 %, -60 %
    assert side._wave_change(pairs, "d", "twin") == "twin 150.0 -> 50.0 (-70% sd 14%)"
    assert side._wave_change(pairs[:1], "d", "SUMO") == "SUMO 100.0 -> 20.0 (-80%)"


@pytest.mark.skipif(grid.find_sumo("sumo") is None, reason="SUMO is the sumo extra (CI has it)")
def test_the_documented_command_runs_with_seeds(monkeypatch, capsys, tmp_path: Path) -> None:
    """docs/model.md's command, on a small grid: a green-wave line per tool and seeds."""
    argv = ["sumo_side_by_side.py", "--demands", "600", "--size", "3", "--hours", "0.2"]
    argv += ["--green-wave", "600", "--green-wave-seeds", "2", "--json", str(tmp_path / "f.json")]
    monkeypatch.setattr(sys, "argv", argv)
    side.main()
    out = capsys.readouterr().out
    assert "speed spread 0.1" in out
    assert re.search(r"straight east \| SUMO .* sd \d+%\) \| twin .* sd \d+%\)", out), out


@pytest.mark.skipif(grid.find_sumo("sumo") is None, reason="SUMO is the sumo extra (CI has it)")
def test_standing_says_where_each_tools_vehicles_are(monkeypatch, capsys, tmp_path: Path) -> None:
    """docs/model.md's ``--standing``: a row every 10 minutes, SUMO's junction standers by
    movement adding up to at most its standing vehicles, the twin's queued within its grid."""
    argv = ["sumo_side_by_side.py", "--demands", "600", "--size", "3", "--hours", "0.2"]
    argv += ["--standing", "1500", "--json", str(tmp_path / "f.json")]
    monkeypatch.setattr(sys, "argv", argv)
    side.main()
    assert "where the vehicles are at 1500 veh/h" in capsys.readouterr().out
    (found,) = json.loads((tmp_path / "f.json").read_text())["standing"]
    assert [row["time_s"] for row in found["sumo"]] == [0.0, 600.0]
    assert [row["time_s"] for row in found["twin"]] == [0.0, 600.0]
    for row in found["sumo"]:
        assert sum(row["in_junctions"].values()) <= row["standing"] <= row["vehicles"]
        assert set(row["in_junctions"]) <= {"l", "s", "r"}
    assert found["sumo"][1]["vehicles"] > 0 and found["twin"][1]["vehicles"] > 0
    assert all(row["queued"] <= row["vehicles"] for row in found["twin"])
