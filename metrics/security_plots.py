"""Drawing of the integration graph with the compromised part highlighted (needs matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx

__all__ = ["plot_component_graph"]


def plot_component_graph(
    graph: nx.DiGraph,
    compromised: Mapping[str, float],
    path: Path,
    title: str = "Integration graph",
) -> Path:
    """Draw ``graph`` (nodes carrying a ``component`` with a ``zone``) to ``path``.

    Components that fell are red, the rest grey; node labels drop the
    intersection index of signal controllers' kind; trust paths are drawn
    thicker the more likely they are traversed.
    """
    zones = sorted({graph.nodes[n]["component"].zone for n in graph})
    # Zones on a circle, their components around each zone's centre: zones read as islands.
    layout = nx.shell_layout(
        graph, nlist=[[n for n in graph if _zone(graph, n) == z] for z in zones]
    )
    layout = nx.spring_layout(graph, pos=layout, seed=1, iterations=30, k=0.6)
    fig, ax = plt.subplots(figsize=(9, 7))
    widths = [0.3 + 2.0 * d for _, _, d in graph.edges(data="traversal")]
    nx.draw_networkx_edges(graph, layout, ax=ax, width=widths, alpha=0.35, arrowsize=8)
    colours = ["tab:red" if n in compromised else "lightgrey" for n in graph]
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_color=colours, node_size=160)
    labels = {n: n for n in graph if not n.split(":")[-1].isdigit() or n.endswith(":0")}
    nx.draw_networkx_labels(graph, layout, labels=labels, ax=ax, font_size=7)
    fallen = sum(1 for n in graph if n in compromised)
    ax.set_title(f"{title}: {fallen} of {graph.number_of_nodes()} components compromised")
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _zone(graph: nx.DiGraph, name: str) -> str:
    zone: str = graph.nodes[name]["component"].zone
    return zone
