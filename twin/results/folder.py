"""Results folders that never mix: checked, locked and claimed before a run starts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from twin.errors import OutputError
from twin.scenario import Scenario

LOCK_NAME = ".twin.lock"
HASH_CHARS = 6


def default_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    """``results/NAME-seedSEED-HASH``: runs that differ in any setting never share a folder."""
    return root / f"{scenario.name}-seed{scenario.seed}-{scenario.content_hash()[:HASH_CHARS]}"


def _previous_hash(out: Path) -> str | None:
    """The scenario hash of the results already in ``out``, if any."""
    try:
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        return str(metrics["scenario"]["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def writable_folder(out: Path) -> None:
    """Create ``out`` if missing and make sure files can be written in it.

    Raises:
        OutputError: naming ``--out`` and the system's reason.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".twin-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"--out {out}: cannot write there ({reason.lower()})") from None


def check_folder(out: Path, scenario: Scenario, overwrite: bool = False) -> None:
    """Refuse ``out`` before running if it cannot be written or holds another scenario's
    results (unless ``overwrite``); creates it if missing."""
    writable_folder(out)
    previous = _previous_hash(out)
    if previous is not None and previous != scenario.content_hash() and not overwrite:
        raise OutputError(
            f"--out {out}: holds the results of another scenario (hash {previous[:HASH_CHARS]}, "
            f"this one {scenario.content_hash()[:HASH_CHARS]}); choose another folder or add "
            "--overwrite"
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out`` for one run; a second run into it is refused (a lock left by a run
    that died is taken over)."""
    lock = out / LOCK_NAME
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise OutputError(
                    f"--out {out}: in use by another run (process {pid}); wait for it or "
                    "choose another folder"
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that no longer exists
            continue
        except OSError as error:
            raise OutputError(f"--out {out}: cannot lock ({error.strerror})") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        break
    else:
        raise OutputError(f"--out {out}: could not take the lock {lock}")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        with suppress(OSError):  # a run that failed before writing leaves no empty folder
            out.rmdir()
