"""How far a run has got, on stderr: a live bar on a terminal, else a line per 10 %."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from twin.durations import format_duration


class Progress:
    """``progress(now_s, end_s)`` callback for :func:`twin.run`.

    On a terminal, a tqdm bar with elapsed time and ETA; otherwise (a log file,
    CI) one plain line per 10 % of simulated time.
    """

    def __init__(self, label: str, stream: IO[str] | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty()
        self.start = time.perf_counter()
        self.next_share = 0.1
        self._bar: Any = None

    def __call__(self, now_s: float, end_s: float) -> None:
        if self.live:
            self._live(now_s, end_s)
            return
        share = now_s / end_s
        if share >= self.next_share - 1e-9:
            elapsed = time.perf_counter() - self.start
            self.stream.write(
                f"{self.label}: simulated {format_duration(now_s)} of {format_duration(end_s)} "
                f"({share:.0%}) in {elapsed:.1f} s\n"
            )
            self.stream.flush()
            while self.next_share <= share + 1e-9:
                self.next_share += 0.1

    def _live(self, now_s: float, end_s: float) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=round(end_s),
                desc=self.label,
                unit="sim s",
                file=self.stream,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} sim s "
                "[{elapsed}<{remaining}]",
            )
        self._bar.update(round(now_s) - self._bar.n)
        if now_s >= end_s:
            self._bar.close()
