"""Files written whole or not at all: a temporary file renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["file_mode", "write_atomic"]


def file_mode() -> int:
    """Permissions of an ordinary new file under the current umask (0644 under 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, write: Callable[[IO[str]], None] | bytes | str) -> None:
    """Write ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        binary = isinstance(write, bytes)
        with os.fdopen(fd, "wb" if binary else "w", newline=None if binary else "") as handle:
            if callable(write):
                write(handle)
            else:
                handle.write(write)
        os.chmod(tmp, file_mode())  # mkstemp makes files owner-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
