"""The city services, one module each, found through a registry.

Importing this package registers the built-in services (in run order); see
``twin.services.base`` for the interface and ARCHITECTURE.md, "Adding a service".
"""

# Importing a service module registers it; this order is the order services are built in.
from twin.services import signal_control, crossing_assist, sidewalk_heating, emergency  # isort: skip
from twin.services import traffic_monitoring  # isort: skip
from twin.services import security_monitoring  # isort: skip
from twin.services.base import (
    BuildContext,
    Control,
    Outage,
    Part,
    Service,
    SummaryRow,
    register,
    registered,
    service_class,
    unregister,
)

__all__ = [
    "BuildContext",
    "Control",
    "Outage",
    "Part",
    "Service",
    "SummaryRow",
    "crossing_assist",
    "emergency",
    "register",
    "registered",
    "security_monitoring",
    "service_class",
    "sidewalk_heating",
    "signal_control",
    "traffic_monitoring",
    "unregister",
]
