"""Scenario files: schema, defaults, overrides and error messages that name the line."""

import textwrap
from pathlib import Path

import pydantic
import pytest

from twin.errors import Problem, ScenarioError, TwinError
from twin.scenario import (
    City,
    Scenario,
    json_schema,
    load_scenario,
    parse_scenario,
    scenario_to_yaml,
)

FULL = """\
name: baseline
description: Four by four grid at evening demand.
seed: 7
duration: 2h
warmup: 15min
city:
  rows: 3
  cols: 5
  block_length_m: 120
  lanes: 2
  lane_width_m: 3.25
  speed_limit_kmh: 40
population:
  residents: 800
  impaired_share: 0.2
  destinations_per_resident: 3
  max_trip_blocks: 4
demand:
  vehicles_per_hour: 600
  pedestrians_per_hour: 900.5
  profile: daily
signals:
  control: actuated
  cycle_s: 90s
  yellow_s: 4
  all_red_s: 1
  walk_s: 8
  saturation_flow_vph: 1900
  green_split_ns: 0.6
  startup_lost_s: 2.5
  clearance_speed_mps: 0.91
  min_green_s: 10
  max_green_s: 1min
  passage_s: 2.5
"""


def write(tmp_path: Path, text: str, name: str = "baseline.yaml") -> Path:
    """Write a scenario file and return its path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    """The problem lines reported for a scenario file that must fail to load."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return str(caught.value).splitlines()


def test_minimal_file_gets_every_default(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "name: tiny\n"))
    assert scenario.name == "tiny"
    assert (scenario.seed, scenario.duration, scenario.warmup) == (0, 14400.0, 0.0)
    assert (scenario.city.rows, scenario.city.cols, scenario.city.lanes) == (4, 4, 1)
    assert scenario.population.impaired_share == 0.121
    assert scenario.demand.profile == "flat"
    assert scenario.signals.control == "fixed"
    assert scenario.signals.cycle_s == 60.0


def test_full_file_keeps_every_value(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, FULL))
    assert scenario.description == "Four by four grid at evening demand."
    assert (scenario.seed, scenario.duration, scenario.warmup) == (7, 7200.0, 900.0)
    assert scenario.city == City(
        rows=3, cols=5, block_length_m=120, lanes=2, lane_width_m=3.25, speed_limit_kmh=40
    )
    assert scenario.population.destinations_per_resident == 3
    assert scenario.demand.pedestrians_per_hour == 900.5
    assert scenario.signals.cycle_s == 90.0
    assert scenario.signals.max_green_s == 60.0
    assert scenario.signals.clearance_speed_mps == 0.91


def test_wrong_value_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, FULL.replace("cycle_s: 90s", "cycle_s: -5"))
    assert FULL.splitlines()[23] == "  cycle_s: 90s"
    assert problems_of(path) == [
        f"{path}:24: signals.cycle_s: -5 is not a positive number of seconds"
    ]


def test_negative_warmup_is_not_a_non_negative_duration(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nwarmup: -5min\n")
    assert problems_of(path) == [
        f"{path}:2: warmup: '-5min' is not a non-negative number of seconds"
    ]


def test_unknown_field_lists_the_section_and_suggests_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nsignals:\n  cycle: 90\n")
    [line] = problems_of(path)
    assert line.startswith(f"{path}:3: signals.cycle: unknown field; expected one of: control, ")
    assert "min_green_s, max_green_s, passage_s" in line
    assert line.endswith("; did you mean 'cycle_s'?")


def test_unknown_section_is_reported_with_the_top_level_names(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nsignal:\n  cycle_s: 90\n")
    [line] = problems_of(path)
    assert "signal: unknown field; expected one of: name, description, seed," in line
    assert line.endswith("did you mean 'signals'?")


def test_wrong_literal_lists_the_choices(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nsignals:\n  control: fixd\n")
    assert problems_of(path) == [
        f"{path}:3: signals.control: 'fixd' is not one of: 'fixed', 'actuated', 'adaptive'"
    ]


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        name: my run
        seed: 1.5
        city:
          rows: 0
          cols: 40.5
          lane_width_m: abc
          lanes: yes
        population:
          impaired_share: 1.5
        demand:
          profile: hourly
          profile: daily
        signals:
          walk_s:
        """,
    )
    assert problems_of(path) == [
        f"{path}:1: name: 'my run' may contain only letters, digits, '-' and '_', "
        "since it names folders",
        f"{path}:2: seed: 1.5 is not an integer",
        f"{path}:4: city.rows: 0 must be at least 1",
        f"{path}:5: city.cols: 40.5 is not an integer",
        f"{path}:6: city.lane_width_m: 'abc' is not a number",
        f"{path}:7: city.lanes: yes is not a number",
        f"{path}:9: population.impaired_share: 1.5 must be at most 1",
        f"{path}:12: demand.profile: is given twice (first at line 11); keep only one",
        f"{path}:14: signals.walk_s: has no value",
    ]


def test_missing_name_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, "seed: 3\n")
    assert problems_of(path) == [f"{path}: name: is required"]


def test_empty_section_and_scalar_section_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ncity:\ndemand: 5\n")
    assert problems_of(path) == [
        f"{path}:2: city: is empty; give it fields or remove it",
        f"{path}:3: demand: 5 is not a section; write its fields indented below it",
    ]


def test_bad_duration_names_the_accepted_forms(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nduration: 4x\n")
    assert problems_of(path) == [
        f"{path}:2: duration: '4x' is not a duration; "
        "use seconds or a string like '90s', '15min', '4h', '2d'"
    ]


def test_yaml_syntax_error_has_the_line_of_the_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ncity:\n  rows: 2\n   cols: 3\n")
    [line] = problems_of(path)
    assert line.startswith(f"{path}:4: invalid YAML: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty; a scenario needs at least 'name: ...'"),
        ("# only a comment\n", "is empty; a scenario needs at least 'name: ...'"),
        ("- name: a\n", "the top level must be fields such as 'name: baseline', not a list"),
    ],
)
def test_empty_or_non_mapping_file_is_a_scenario_error(
    tmp_path: Path, text: str, message: str
) -> None:
    [line] = problems_of(write(tmp_path, text))
    assert line.endswith(message)


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert problems_of(path) == [f"{path}: file not found"]
    assert issubclass(ScenarioError, TwinError)


def test_overrides_set_existing_and_create_missing_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ncity:\n  rows: 3\n")
    overrides = (
        "city.rows=1",
        "demand.pedestrians_per_hour=0",
        "signals.control=actuated",
        "duration=1h",
        "description=a: b",
    )
    scenario = load_scenario(path, overrides)
    assert scenario.city.rows == 1
    assert scenario.demand.pedestrians_per_hour == 0.0
    assert scenario.signals.control == "actuated"
    assert scenario.duration == 3600.0
    assert scenario.description == "a: b"
    assert load_scenario(path).city.rows == 3


def test_override_problems_are_located_at_set(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ncity:\n  rows: 3\n")
    overrides = ("cityrows", "=3", "name.x=1", "city.rows=0", "signals.control=on", "gizmo.x=1")
    assert problems_of(path, overrides) == [
        "--set: 'cityrows' is not PATH=VALUE, e.g. city.rows=2",
        "--set: '=3' is not PATH=VALUE, e.g. city.rows=2",
        "--set: name.x: cannot be set: name is 'a', not a section",
        "--set: city.rows: 0 must be at least 1",
        "--set: signals.control: on is not one of: 'fixed', 'actuated', 'adaptive'",
        "--set: gizmo: unknown field; expected one of: name, description, seed, duration, "
        "warmup, city, population, demand, signals, emergency, services, weather, policy, "
        "security, attacks, incidents, counts",
    ]


def test_problems_are_structured(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ncity:\n  rows: 0\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["city.cols=0"])
    assert caught.value.problems == (
        Problem(str(path), 3, "city.rows", "0 must be at least 1"),
        Problem("--set", None, "city.cols", "0 must be at least 1"),
    )


def test_problem_renders_with_and_without_line() -> None:
    assert str(Problem("a.yaml", 12, "signals.cycle_s", "bad")) == "a.yaml:12: signals.cycle_s: bad"
    assert str(Problem("--set", None, "seed", "bad")) == "--set: seed: bad"
    assert str(ScenarioError([Problem("f", 1, "a", "x"), Problem("f", 2, "b", "y")])) == (
        "f:1: a: x\nf:2: b: y"
    )


def test_walk_and_clearance_must_fit_in_the_fixed_green(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        name: a
        city:
          lanes: 2
        signals:
          cycle_s: 60
          green_split_ns: 0.68
        """,
    )
    assert problems_of(path) == [
        f"{path}:5: signals.cycle_s: 60 leaves 16.0 s of green for the east-west phase, but "
        "WALK 7 s + clearance 13.1 s (14.0 m crossing at 1.07 m/s) needs 20.1 s; "
        "lengthen the cycle or shorten walk_s"
    ]


def test_cycle_without_green_is_rejected() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"name": "a", "signals": {"cycle_s": 9}})
    assert str(caught.value) == (
        "<scenario>: signals.cycle_s: 9 leaves no green after 2 x (yellow 3 s + all-red 2 s); "
        "lengthen the cycle"
    )


def test_warmup_must_be_shorter_than_duration(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nduration: 4h\nwarmup: 4h\n")
    assert problems_of(path) == [
        f"{path}:3: warmup: 4h must be shorter than duration (4h); "
        "the warmup is excluded from every metric"
    ]


@pytest.mark.parametrize(
    ("signals", "message"),
    [
        ({"min_green_s": 20, "max_green_s": 15}, "15 is shorter than min_green_s (20 s)"),
        (
            {"max_green_s": 10},
            "10 is too short for pedestrians: WALK 7 s + clearance 6.5 s (7.0 m crossing at "
            "1.07 m/s) needs 13.5 s; lengthen max_green_s or shorten walk_s",
        ),
    ],
)
def test_actuated_max_green_is_checked(signals: dict[str, float], message: str) -> None:
    data = {"name": "a", "signals": {"control": "actuated", **signals}}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "app", {"signals.max_green_s": 9})
    assert str(caught.value) == f"app:9: signals.max_green_s: {message}"


def test_parse_scenario_rejects_a_non_mapping() -> None:
    with pytest.raises(ScenarioError, match="the top level must be fields"):
        parse_scenario([1, 2])  # type: ignore[arg-type]


def test_to_yaml_round_trips_to_an_equal_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, FULL))
    text = scenario_to_yaml(scenario)
    assert "duration: 7200.0" in text
    assert load_scenario(write(tmp_path, text, "resolved.yaml")) == scenario


def test_content_hash_is_stable_and_follows_every_field(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, FULL))
    again = parse_scenario(scenario.model_dump())
    assert scenario.content_hash() == again.content_hash()
    assert len(scenario.content_hash()) == 64
    changed = load_scenario(write(tmp_path, FULL), ["city.block_length_m=121"])
    assert changed.content_hash() != scenario.content_hash()
    assert load_scenario(write(tmp_path, FULL), ["duration=120min"]) == scenario


def test_json_schema_documents_every_field() -> None:
    schema = json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] and schema["description"]
    city = schema["$defs"]["City"]["properties"]
    assert set(city) == set(City.model_fields)
    assert all(field.get("description") for field in city.values())
    sections = [schema, *schema["$defs"].values()]
    assert all(field.get("description") for s in sections for field in s["properties"].values())
    assert schema["required"] == ["name"]


def test_scenario_is_frozen() -> None:
    scenario = parse_scenario({"name": "a"})
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        scenario.city.rows = 9  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        scenario.seed = 9  # type: ignore[misc]


def test_derived_quantities() -> None:
    scenario = parse_scenario(
        {
            "name": "a",
            "city": {"lanes": 2, "lane_width_m": 3.5, "speed_limit_kmh": 36},
            "signals": {"cycle_s": 70, "green_split_ns": 0.6, "clearance_speed_mps": 1.0},
        }
    )
    assert scenario.city.crossing_width_m == 14.0
    assert scenario.city.speed_mps == pytest.approx(10.0)
    assert scenario.clearance_s == 14.0
    assert scenario.signals.green_s("ns") == pytest.approx(36.0)
    assert scenario.signals.green_s("ew") == pytest.approx(24.0)
    assert scenario.signals.effective_green_s("ew") == pytest.approx(25.0)
    with pytest.raises(ValueError, match="phase must be"):
        scenario.signals.green_s("nw")  # type: ignore[arg-type]


def test_scenario_built_in_code_is_validated_too() -> None:
    with pytest.raises(pydantic.ValidationError, match="is not a positive number of seconds"):
        Scenario(name="a", duration=0)


def test_yaml_off_means_heating_off(tmp_path: Path) -> None:
    """A bare `off` is the boolean false in YAML 1.1; for activation it means 'off'."""
    path = write(tmp_path, "name: a\nservices:\n  sidewalk_heating:\n    activation: off\n")
    assert load_scenario(path).services.sidewalk_heating.activation == "off"
    assert (
        load_scenario(
            path, ["services.sidewalk_heating.activation=off"]
        ).services.sidewalk_heating.activation
        == "off"
    )


def test_override_accepts_flow_lists(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\n")
    spell = "weather.snowfall=[{start: 1h, end: 2h, rate_cm_per_h: 3}]"
    scenario = load_scenario(path, [spell])
    assert [(s.start, s.end, s.rate_cm_per_h) for s in scenario.weather.snowfall] == [
        (3600.0, 7200.0, 3.0)
    ]
    problems = problems_of(path, ["weather.snowfall=[{start: 2h, end: 1h, rate_cm_per_h: 3}]"])
    assert problems == [
        "--set: weather.snowfall.0: {end: 1h, rate_cm_per_h: 3, start: 2h} must end after it starts"
    ]
