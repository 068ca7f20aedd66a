"""The one catalogue of metric labels: the core's (``metrics.labels``) and those each
registered service declares (``Service.labels``, for its ``efficiency`` keys). The
report, the sweep comparison (plots, ranking, report) and the explorer name metrics
through :func:`metric_label`."""

from __future__ import annotations

from metrics.labels import CORE_LABELS, MetricLabel, label_for

__all__ = ["catalogue", "metric_label"]


def catalogue() -> dict[str, MetricLabel]:
    """Every labelled metric by dotted key: the core's, then the services'."""
    from twin.services import registered

    entries = dict(CORE_LABELS)
    for service in registered():
        entries.update({f"efficiency.{key}": label for key, label in service.labels.items()})
    return entries


def metric_label(metric: str) -> MetricLabel:
    """How the dotted ``metric`` reads (a label made from its key when none is declared)."""
    return label_for(metric, catalogue())
