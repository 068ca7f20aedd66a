"""``python -m twin.cli``: the ``twin`` command."""

import sys

from twin.cli.scenario_commands import main

sys.exit(main())
