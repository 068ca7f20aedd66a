"""Districts from OpenStreetMap: the bundled Kaartinkaupunki extract builds as tagged (read
independently with ElementTree), runs every service, an attack and the privacy metrics,
and bad files, boxes and keys fail in words."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from twin.district.city import osm_import, station_intersection, street_graph
from twin.district.osm import osm_district
from twin.district.osm_file import DRIVABLE, OsmError, read_osm
from twin.errors import ScenarioError
from twin.scenario import load_scenario
from twin.simulation.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = ROOT / "data" / "osm" / "helsinki_kaartinkaupunki.osm"
SCENARIO = ROOT / "scenarios" / "helsinki_kaartinkaupunki.yaml"
BBOX = (24.9445, 60.1645, 24.9530, 60.1690)
SHORT = ["duration=20min", "warmup=5min", "policy.history=1d"]


@pytest.fixture(scope="module")
def district():
    return osm_import(load_scenario(SCENARIO).city)


def _tagged(path: Path, bbox: tuple[float, float, float, float]):  # type: ignore[no-untyped-def]
    """The documented rules applied to the XML by hand: per street (a chain of nodes
    between intersections, or out of the box), its ends, and per intersection its
    signal and its marked crossings (by the street's far end)."""
    root = ET.parse(path).getroot()
    where = {
        int(n.get("id")): (float(n.get("lat")), float(n.get("lon"))) for n in root.iter("node")
    }
    feature = {}
    for n in root.iter("node"):
        tags = {t.get("k"): t.get("v") for t in n.iter("tag")}
        if tags.get("highway") in ("traffic_signals", "crossing", "stop", "give_way"):
            feature[int(n.get("id"))] = tags["highway"]
        elif "crossing" in tags:
            feature[int(n.get("id"))] = "crossing"
    west, south, east, north = bbox

    def inside(node: int) -> bool:
        lat, lon = where[node]
        return south <= lat <= north and west <= lon <= east

    neighbours: dict[int, dict[int, tuple[bool, bool]]] = defaultdict(dict)
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if tags.get("highway") not in DRIVABLE or tags.get("access") in ("no", "private"):
            continue
        refs = [int(nd.get("ref")) for nd in way.iter("nd")]
        oneway = tags.get("oneway")
        forward = oneway != "-1"
        backward = oneway not in ("yes", "1", "true") and tags.get("junction") != "roundabout"
        for u, v in pairwise(refs):
            if u not in where or v not in where:
                continue
            if (inside(u) or inside(v)) and v not in neighbours[u]:
                neighbours[u][v] = (forward, backward)
                neighbours[v][u] = (backward, forward)
    junction = {n for n, near in neighbours.items() if inside(n) and len(near) != 2}

    def metres(u: int, v: int) -> float:
        (la1, lo1), (la2, lo2) = where[u], where[v]
        return 6_371_000 * math.acos(
            min(1.0, math.sin(math.radians(la1)) * math.sin(math.radians(la2))
                + math.cos(math.radians(la1)) * math.cos(math.radians(la2))
                * math.cos(math.radians(lo2 - lo1)))
        )  # fmt: skip

    streets, signals, marked = {}, set(), set()
    for start in junction:
        if feature.get(start) == "traffic_signals":
            signals.add(start)
        for first in neighbours[start]:
            path, length, ok_ab, ok_ba = (
                [start, first],
                metres(start, first),
                *neighbours[start][first],
            )
            while path[-1] not in junction and inside(path[-1]):
                nxt = next(n for n in neighbours[path[-1]] if n != path[-2])
                ab, ba = neighbours[path[-1]][nxt]
                ok_ab, ok_ba = ok_ab and ab, ok_ba and ba
                length += metres(path[-1], nxt)
                path.append(nxt)
            end = path[-1]
            streets[(start, end)] = (ok_ab, ok_ba)
            if feature.get(start) == "crossing":
                marked.add((start, end))
            along = 0.0
            for u, v in pairwise(path[:-1]):
                along += metres(u, v)
                if v in feature and (along <= length / 2 or end not in junction):
                    if feature[v] == "traffic_signals":
                        signals.add(start)
                    elif feature[v] == "crossing":
                        marked.add((start, end))
    return streets, signals, marked


def test_the_extract_builds_as_tagged(district) -> None:
    graph = district.graph
    streets, signals, marked = _tagged(EXTRACT, BBOX)
    label = graph.label
    assert district.dropped_intersections == 0
    assert {label[n] for n in graph.signalised()} == {str(s) for s in signals}
    assert len(graph.signalised()) == len(signals) == 15
    built = {(label[n], label[graph.streets[s].other(n)]) for n, s in district.marked}
    assert built == {(str(a), str(b)) for a, b in marked}
    # one-way links: a street open one way only (the independent count sees each street
    # from both ends when it joins two intersections)
    pairs = {
        tuple(sorted(k)) if k[1] in {a for a, _ in streets} else k: v for k, v in streets.items()
    }
    oneway = sum(1 for ab, ba in pairs.values() if ab != ba)
    assert sum((s.lanes_ab == 0) != (s.lanes_ba == 0) for s in graph.streets) == oneway > 10
    assert graph.n_intersections == 27


def test_coordinates_are_real_and_positions_agree(district) -> None:
    graph = district.graph
    west, south, east, north = BBOX
    n = graph.n_intersections
    assert np.all((graph.lat[:n] >= south) & (graph.lat[:n] <= north))
    assert np.all((graph.lon[:n] >= west) & (graph.lon[:n] <= east))
    # 1 km north is 1/111.32 degrees; x and y metres span the box
    assert graph.y_m[:n].max() - graph.y_m[:n].min() == pytest.approx(
        (graph.lat[:n].max() - graph.lat[:n].min()) * 111_320, rel=1e-6
    )


def test_every_corner_can_be_walked_to(district) -> None:
    from twin.district.population import walking_range

    graph = district.graph
    assert graph.crosswalks is not None and district.marked <= graph.crosswalks
    assert all(len(r) >= 1 for r in walking_range(graph, 50))


def test_pbf_and_xml_give_the_same_district(tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "extract.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for entity in osmium.FileProcessor(str(EXTRACT)):
            writer.add(entity)
    one = osm_district(read_osm(EXTRACT, BBOX)).graph
    other = osm_district(read_osm(pbf, BBOX)).graph
    assert one.label == other.label and one.control == other.control
    assert [s.length_m for s in one.streets] == pytest.approx([s.length_m for s in other.streets])


def test_bad_files_and_boxes_fail_in_words(tmp_path: Path) -> None:
    with pytest.raises(OsmError, match="file not found"):
        read_osm(tmp_path / "missing.osm")
    junk = tmp_path / "junk.osm"
    junk.write_text("this is not xml")
    with pytest.raises(OsmError, match="not a readable OpenStreetMap file"):
        read_osm(junk)
    with pytest.raises(OsmError, match="lies outside the file's area") as caught:
        read_osm(EXTRACT, (2.35, 48.85, 2.36, 48.86))
    assert caught.value.field == "bbox"
    footways = tmp_path / "footways.osm"
    footways.write_text(
        '<osm version="0.6"><node id="1" lat="60.1" lon="24.9"/><node id="2" lat="60.1001" '
        'lon="24.9"/><way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/>'
        "</way></osm>"
    )
    with pytest.raises(OsmError, match="no drivable streets"):
        osm_district(read_osm(footways))


def test_scenario_errors_name_the_key_and_value(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"city\.bbox: .*lies outside"):
        load_scenario(SCENARIO, ["city.bbox=[2.35, 48.85, 2.36, 48.86]"])
    with pytest.raises(ScenarioError, match=r"city\.bbox: .*west < east"):
        load_scenario(SCENARIO, ["city.bbox=[24.96, 60.16, 24.95, 60.17]"])
    with pytest.raises(ScenarioError, match=r"city\.osm: .*file not found"):
        load_scenario(SCENARIO, [f"city.osm={tmp_path / 'none.osm'}"])
    with pytest.raises(ScenarioError, match=r"overrides\[0\]\.at: \[1, 2\] is a grid position"):
        load_scenario(SCENARIO, ["signals.overrides=[{at: [1, 2], cycle_s: 90}]"])
    with pytest.raises(ScenarioError, match=r"overrides\[0\]\.at: 1 is not a signalised"):
        load_scenario(SCENARIO, ["signals.overrides=[{at: 1, cycle_s: 90}]"])
    with pytest.raises(ScenarioError, match=r"emergency\.station_row: is a grid position"):
        load_scenario(SCENARIO, ["emergency.station_row=1"])
    with pytest.raises(ScenarioError, match=r"emergency\.station_node: 5 is not an intersection"):
        load_scenario(SCENARIO, ["emergency.station_node=5"])
    with pytest.raises(ScenarioError, match=r"city\.bbox: is given without city\.osm"):
        load_scenario(ROOT / "scenarios" / "baseline.yaml", ["city.bbox=[0, 0, 1, 1]"])


def test_a_signal_override_and_the_station_take_node_ids(district) -> None:
    graph = district.graph
    node = graph.signalised()[0]
    osm_id = int(graph.label[node])
    scenario = load_scenario(
        SCENARIO, [f"signals.overrides=[{{at: {osm_id}, cycle_s: 90}}]",
                   f"emergency.station_node={osm_id}", *SHORT],
    )  # fmt: skip
    assert station_intersection(scenario, street_graph(scenario)) == node
    result = run_scenario(scenario)
    phases = result.tables["signal_phases"]
    mine = phases["node"] == node
    other = phases["node"] == graph.signalised()[1]
    cycles = np.diff(phases["onset_s"][mine & (phases["phase"] == 0)])
    assert np.allclose(cycles, 90.0) and not np.allclose(
        np.diff(phases["onset_s"][other & (phases["phase"] == 0)]), 90.0
    )


def test_the_default_station_is_the_intersection_nearest_the_centre(district) -> None:
    graph = district.graph
    station = station_intersection(load_scenario(SCENARIO), graph)
    x0, y0, x1, y1 = graph.extent_m()
    distance = np.hypot(graph.x_m - (x0 + x1) / 2, graph.y_m - (y0 + y1) / 2)
    assert distance[station] == distance[: graph.n_intersections].min()


@pytest.fixture(scope="module")
def attacked():
    attack = (
        "attacks=[{at: 5min, entry: crossing_cameras, duration: 10min,"
        " effect: [fail_safe_flash, exfiltrate]}]"
    )
    return run_scenario(load_scenario(SCENARIO, [*SHORT, attack]))


def test_signal_control_runs_every_tagged_signal(district, attacked) -> None:
    served = set(attacked.tables["signal_phases"]["node"].astype(int).tolist())
    assert served == set(district.graph.signalised())


def test_crossing_assist_observes_walkers_at_tagged_crossings(attacked) -> None:
    observations = attacked.tables["observations"]
    assert attacked.metrics["efficiency"]["pedestrian_trips_completed"] > 100
    assert len(observations["node"]) > 0


def test_emergency_preemption_answers_incidents() -> None:
    result = run_scenario(load_scenario(SCENARIO, [*SHORT, "emergency.incidents_per_hour=12"]))
    assert result.metrics["efficiency"]["emergency_responses"] > 0


def test_sidewalk_heating_melts_snow() -> None:
    result = run_scenario(
        load_scenario(
            SCENARIO,
            [
                *SHORT,
                "weather.temperature_c=-5",
                "weather.snowfall=[{start: 0, end: 20min, rate_cm_per_h: 2}]",
                "services.sidewalk_heating.activation=always_on",
                "services.sidewalk_heating.share=1",
            ],
        )
    )
    assert result.metrics["efficiency"]["sidewalk_heating_kwh"] > 0


def test_traffic_monitoring_counts_vehicles() -> None:
    result = run_scenario(
        load_scenario(SCENARIO, [*SHORT, "services.traffic_monitoring.method=loops"])
    )
    sensors = {s.name for s in result.sensors}
    observations = result.tables["observations"]
    assert "inductive_loops" in sensors and len(observations["node"]) > 0


def test_an_attack_disrupts_the_crossing_service(attacked) -> None:
    security = attacked.metrics["security"]
    assert security["attacks"] == 1
    assert "crossing_assist" in security["services_disrupted"]


def test_privacy_metrics_count_exposed_residents(attacked) -> None:
    privacy = attacked.metrics["privacy"]
    assert 0 < privacy["persons_exposed"] <= 1500
    # the stores hold the days before the run too (steady state), more than it observed
    assert privacy["identifiable_records_retained"] > privacy["records_observed"] > 0


def test_memory_estimate_counts_the_maps_intersections(district) -> None:
    from twin.errors import CapacityError
    from twin.simulation.capacity import check_capacity, district_size

    scenario = load_scenario(SCENARIO)
    graph = district.graph
    size = district_size(scenario)
    assert size.intersections == graph.n_intersections == 27
    assert size.signalised == 15
    assert size.corners == sum(len(graph.legs[n]) for n in range(27))
    with pytest.raises(CapacityError, match="27 intersections"):
        check_capacity(scenario, available=1024**2)
