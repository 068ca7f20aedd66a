"""The one interface every city service implements, and the registry that finds them.

A service is a class derived from :class:`Service`, registered with
:func:`register`. The model, runner, CLI and writers loop over
:func:`registered` and never name a service. See ARCHITECTURE.md, "Adding a
service".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from metrics.labels import MetricLabel
from twin.errors import TwinError
from twin.scenario.plugins import add_service_section, remove_service_section
from twin.streams import random_stream

if TYPE_CHECKING:
    import mesa
    import simpy

    from agents.pedestrian import Surface, WalkWatcher
    from agents.sensing import Sensing, Sensor
    from agents.vehicle import VehicleWatcher
    from twin.district.navigation import TravelTimeFeed
    from twin.district.streets import StreetNetwork
    from twin.district.walkways import Walkways
    from twin.scenario import Scenario, Section

__all__ = [
    "DRIVERS",
    "IMPAIRED_PEDESTRIANS",
    "PEDESTRIANS",
    "BuildContext",
    "Control",
    "Outage",
    "Part",
    "SegmentLayer",
    "Service",
    "Sites",
    "SummaryRow",
    "Table",
    "register",
    "registered",
    "service_class",
]

Table = Mapping[str, np.ndarray]
#: ``draw(path)`` writes one plot file.
Plot = Callable[[Path], None]


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary printed after a run: ``efficiency[metric]`` formatted."""

    metric: str
    label: str
    fmt: str = "{:.1f}"


@dataclass(frozen=True)
class Control:
    """One control of the explorer (``twin explore``), tied to a scenario key.

    Attributes:
        name: keyword of the explorer's model it feeds.
        path: dotted scenario key it overrides, e.g. ``services.preemption``.
        label: short label shown on the control.
        help: what the policy does and what it costs, one or two sentences.
        widget: ``Select``, ``Checkbox``, ``SliderInt`` or ``SliderFloat``.
        low, high, step: slider range (sliders only).
        options: a Select's choices when the key is not a choice field of the schema
            (e.g. retention periods); empty: the schema's ``Literal``.
    """

    name: str
    path: str
    label: str
    help: str
    widget: str = "Select"
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sites:
    """Where a sensor sits on the map: at intersections, crosswalks (intersection, leg) or
    sidewalk segments."""

    nodes: tuple[int, ...] = ()
    crosswalks: tuple[tuple[int, int], ...] = ()
    segments: tuple[int, ...] = ()


@dataclass(frozen=True)
class SegmentLayer:
    """A per-sidewalk-segment state a service shows on the map.

    Attributes:
        label: its legend entry.
        shade: per segment, 0-1 (a segment at 0 is not drawn).
        colour: a colour, or the name of a matplotlib colour map the shade picks from.
        dashed: drawn as a thin dashed line over the sidewalk, not as its colour.
    """

    label: str
    shade: np.ndarray
    colour: str
    dashed: bool = False


#: Who meets a function's outage (``persons_affected`` of an attack counts them).
PEDESTRIANS, DRIVERS, IMPAIRED_PEDESTRIANS = "pedestrians", "drivers", "impaired_pedestrians"


@dataclass(frozen=True)
class Part:
    """A component a service deploys: a node of the integration graph an attack can reach.

    Attributes:
        kind: its name, e.g. ``dispatch``; a part at intersections is ``kind:i`` at each.
        zone: the system (security zone) it belongs to.
        functions: the service's functions that stop when it falls (``Service.functions``).
        sites: the intersections with one each (each its own target; a link between two
            parts with sites joins those at the same intersection); empty: one in all.
        keeps_records: it stores the records of its own system (no separate store).
        reached_through: other zones reach it only through this part (a traffic
            management centre in front of the controllers).
    """

    kind: str
    zone: str
    functions: tuple[str, ...]
    sites: tuple[int, ...] = ()
    keeps_records: bool = False
    reached_through: str | None = None


@dataclass(frozen=True)
class Outage:
    """A component of a service that does not work from ``start_s`` to ``end_s``, stopping
    the service's ``functions``."""

    component: str
    start_s: float
    end_s: float
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildContext:
    """What a service is built from besides its scenario section: the built district.

    Attributes:
        scenario: the whole frozen scenario (for sections other services share, e.g. city).
        model: the Mesa model (agents a service creates belong to it).
        env: the simulation clock.
        streets: intersections, approaches, crosswalks and routes on the street graph.
        walkways: sidewalk segments and walking routes.
        sensing: where sensors, links and observations are declared and logged.
    """

    scenario: Scenario
    model: mesa.Model
    env: simpy.Environment
    streets: StreetNetwork
    walkways: Walkways
    sensing: Sensing


class Service:
    """Base class of a city service; override what the service has.

    Class attributes:
        name: registry key; also the ``service`` of its sensors and its name in ``run.log``.
        metric_keys: the ``efficiency`` keys it reports; when it is off they are
            reported by :meth:`metrics_when_off` (``null`` by default: nothing measured).
        table_names: names of the tables its :meth:`collect` may add (``NAME.csv``).
        controls: its explorer controls (each names a key of its scenario section).
        section: its scenario section, ``services.<name>``, for a service that is not
            built in (the built-in sections are fields of ``twin.scenario.services``).
        labels: how its ``efficiency`` metrics read (name, unit, which way is better), by
            key, in the one catalogue of metric labels (``twin.results.labels``).

    A service is built (``__init__``) only when :meth:`enabled`; it then starts its SimPy
    processes, registers its sensors and links with ``context.sensing``, and keeps what
    it needs. Everything it reports is read after the run.
    """

    name: ClassVar[str] = ""
    metric_keys: ClassVar[tuple[str, ...]] = ()
    table_names: ClassVar[tuple[str, ...]] = ()
    controls: ClassVar[tuple[Control, ...]] = ()
    section: ClassVar[type[Section] | None] = None
    labels: ClassVar[Mapping[str, MetricLabel]] = {}

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        self.scenario = scenario
        self.context = context
        self.outages: list[Outage] = []

    def stream(self, purpose: str) -> np.random.Generator:
        """This service's random stream for ``purpose`` (named ``<service>.<purpose>``, so
        no other service draws its numbers; see ``twin.streams``)."""
        return random_stream(self.scenario.seed, f"{self.name}.{purpose}")

    # -- before the district is built ------------------------------------------------
    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        """Whether ``scenario`` runs this service."""
        return False

    @classmethod
    def warnings(cls, scenario: Scenario) -> list[str]:
        """One line per setting that is on but cannot act in ``scenario``."""
        return []

    @classmethod
    def signal_timing(cls, scenario: Scenario) -> dict[str, float]:
        """Changes to the signal controllers' ``SignalTiming`` this service needs."""
        return {}

    @classmethod
    def metrics_when_off(cls, scenario: Scenario) -> dict[str, object]:
        """Its ``efficiency`` entries when it does not run: nothing measured, ``null``."""
        return dict.fromkeys(cls.metric_keys)

    @classmethod
    def expected_observations(
        cls, scenario: Scenario, vehicle_passages: float, crossings: float
    ) -> float:
        """About how many observations its sensors make in ``scenario``, given the
        expected vehicle passages and pedestrian crossings (for the memory estimate)."""
        return 0.0

    @classmethod
    def without(cls, scenario: Scenario) -> dict[str, object]:
        """The scenario changes (dotted keys) that switch off what this service's data
        buys, for the run it is measured against (``twin run --benefits``); empty when
        nothing in ``scenario`` is there to switch off."""
        return {}

    @classmethod
    def identifies(cls, scenario: Scenario) -> bool:
        """Whether its sensors capture an identifier (their observations then reach the
        stores' history of the days before the run; for the memory estimate)."""
        return True

    @classmethod
    def summary_rows(cls, scenario: Scenario) -> tuple[SummaryRow, ...]:
        """Lines it adds to the printed summary (shown only when it runs)."""
        return ()

    # -- while and after the run ---------------------------------------------------
    def start(self) -> None:
        """Start the processes that must begin after the demand processes (e.g. incidents)."""

    def surface(self) -> Surface | None:
        """Sidewalk conditions pedestrians walk on, if this service models them."""
        return None

    def sensor_sites(self) -> dict[str, Sites]:
        """Where each of its sensors sits (for the map), by sensor name."""
        return {}

    def map_layers(self) -> list[SegmentLayer]:
        """What it shows on the sidewalks of the map now (snow, heating, ...)."""
        return []

    def attach(self, watcher: object) -> bool:
        """Let a read-only ``watcher`` observe the agents it runs of its own (ambulances,
        say); True if it took it. Watchers of walkers and vehicles attach to the model."""
        return False

    def walk_watcher(self) -> WalkWatcher | None:
        """Told of every walking trip (read-only: sensing presence, say), if it wants."""
        return None

    def vehicle_watcher(self) -> VehicleWatcher | None:
        """Told of every vehicle's moves (read-only), if it wants."""
        return None

    def navigator(self) -> TravelTimeFeed | None:
        """Live travel times informed drivers re-route on, if it publishes them."""
        return None

    def reporters(self) -> dict[str, Callable[[Any], object]]:
        """DataCollector model reporters (column name -> ``f(model)``), sampled in time."""
        return {}

    def snapshot(self) -> None:
        """Called at every time-series sample (e.g. to keep a map of the moment)."""

    def idle(self) -> str | None:
        """After the run: why it never acted though on (one line, without the key), if it
        did not; None when it acted or has nothing that acts."""
        return None

    def collect(self, sensing: Sensing, tables: Mapping[str, Table]) -> dict[str, Table]:
        """After the run: extra tables, by name; observations made in bulk from the
        run's tables (``tables``) may be added with ``sensing.observe_many`` here."""
        return {}

    def metrics(self, tables: Mapping[str, Table]) -> dict[str, object]:
        """Its ``efficiency`` entries (may refine a core entry such as conflicts)."""
        return {}

    def plots(self, result: Any) -> dict[str, Plot]:
        """Plots by file name, each ``draw(path)``; import plotting inside ``draw``."""
        return {}

    def extras(self) -> dict[str, object]:
        """Arrays plots need besides tables and series (read with ``RunResult.extra(name)``)."""
        return {}

    # -- components, for attacks ------------------------------------------------------
    def functions(self) -> dict[str, tuple[str, ...]]:
        """What it does for people, by function name: who meets each one's outage
        (``PEDESTRIANS``, ``DRIVERS``, ``IMPAIRED_PEDESTRIANS``). By default one function,
        its own name, met by nobody in particular."""
        return {self.name: ()}

    def own_sensors(self) -> list[Sensor]:
        """The sensors it registered with ``context.sensing``."""
        return [s for s in self.context.sensing.sensors.values() if s.service == self.name]

    def parts(self) -> tuple[Part, ...]:
        """Its components, for the integration graph: by default each of its sensors,
        in the zone and serving the function named on it."""
        return tuple(Part(s.name, s.service, (s.service,)) for s in self.own_sensors())

    def components(self) -> tuple[str, ...]:
        """Names of the components an attack may take down."""
        return tuple(part.kind for part in self.parts())

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """``component`` does not work from ``start_s`` to ``end_s``; it serves these
        ``functions`` of this service (its own part, or a store, platform or cloud it
        depends on).

        The default records the outage (``self.outages``); a service acts on it by
        overriding this. A function it does not have is an error.
        """
        unknown = sorted(set(functions) - set(self.functions()))
        if unknown:
            raise TwinError(
                f"service {self.name!r} has no function {unknown[0]!r}; "
                f"it has {', '.join(self.functions()) or 'none'}"
            )
        self.outages.append(Outage(component, start_s, end_s, functions))

    def data_paths(self) -> dict[str, tuple[str, ...]]:
        """The data paths its benefits need, by name: the components (kinds) the data
        crosses, its own or other services'. A fallen one, or a platform or gateway the
        policy puts on the way, cuts the path (:meth:`cut`)."""
        return {}

    def cut(self, path: str, start_s: float, end_s: float) -> None:
        """Data path ``path`` is cut from ``start_s`` to ``end_s``: fall back."""

    def mistime(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """An attacker holding ``component`` makes it act as it chooses, to hurt (the
        ``malicious_timing`` effect), from ``start_s`` to ``end_s``. The default: it stops
        doing its job, as ``take_down``; a service whose parts can do worse overrides."""
        self.take_down(component, functions, start_s, end_s)

    def spoof(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """``component`` reports false data from ``start_s`` to ``end_s`` (the
        ``false_data`` effect). The default: none of this service's decisions read it."""

    def down(self, function: str, time_s: float) -> bool:
        """Whether ``function`` is out of order at ``time_s``."""
        return any(function in o.functions and o.start_s <= time_s < o.end_s for o in self.outages)


S = TypeVar("S", bound=type[Service])
_REGISTRY: dict[str, type[Service]] = {}


def register(cls: S) -> S:
    """Class decorator: add a service to the registry (registration order is run order)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a class attribute 'name'")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"a service named {cls.name!r} is already registered")
    if cls.section is not None:
        summary = (cls.__doc__ or cls.name).strip().splitlines()[0]
        add_service_section(cls.name, cls.section, f"{summary} (section).")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a service from the registry (for tests that plug in a toy service)."""
    cls = _REGISTRY.pop(name, None)
    if cls is not None and cls.section is not None:
        remove_service_section(name)


def registered() -> tuple[type[Service], ...]:
    """Every registered service class, in registration order."""
    return tuple(_REGISTRY.values())


def service_class(name: str) -> type[Service]:
    """The registered service called ``name``."""
    return _REGISTRY[name]
