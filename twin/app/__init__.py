"""The interactive explorer (``twin explore``): a Mesa SolaraViz app in the browser.

Only ``twin explore`` imports this package; it needs the ``app`` extra
(solara, solara-assets). :mod:`twin.app.controls` and :mod:`twin.app.adapter`
are model-facing and import no web framework; :mod:`twin.app.page` is the page.
"""

import warnings

# Mesa's own ComponentsView trips Solara's rules-of-hooks check when imported; harmless.
warnings.filterwarnings("ignore", message=r".*found despite early return", category=UserWarning)
