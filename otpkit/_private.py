"""Owner-only files and directories: the journal, locks and run state hold numbers, order ids,
host names and tokens that other users of a shared CI host must not read."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["FILE_MODE", "private_directory", "private_file", "write_atomically"]

#: The mode of every file otpkit creates for its own state.
FILE_MODE = 0o600
_DIRECTORY_MODE = 0o700


def private_directory(path: Path) -> Path:
    """Create ``path`` and any missing parent owner-only; existing ones are left as they are
    (a user's home or a CI workspace is theirs to set)."""
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=_DIRECTORY_MODE)
        except FileExistsError:  # another process created it meanwhile
            continue
        os.chmod(directory, _DIRECTORY_MODE)  # mkdir's mode is reduced by the umask only
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` (and its directory) owner-only if it does not exist yet."""
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return path
    os.close(descriptor)
    return path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` owner-only, so that a reader never sees it empty or half
    written (a ready file, the run's state)."""
    private_directory(path.parent)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
