"""The SQLite database's files: whether they can be written, and whether the
configured path still names the file the connections have open.

Both are checked before SQLite touches the files, because SQLite cannot
report either in time. Its WAL index (``-shm``) is a shared memory mapping,
and a process that writes to it after the file became immutable
(``chattr +i``) is killed by SIGBUS; every transaction writes to it, reads
too. And a connection to a file deleted or replaced under it goes on
reading and writing the old file, acknowledging writes that no later start
will find. The check costs four system calls (about 5 us) per unit of work;
a change to the files in the microseconds between check and use is not
caught (docs/operations.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from chat_domain.errors import Unavailable

FileIdentity = tuple[int, int]
"""A file's device and inode: which file a path named when it was opened."""

_SIDE_FILES = ("-wal", "-shm")


class DatabaseFiles:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._all = (path, *(path.with_name(path.name + suffix) for suffix in _SIDE_FILES))

    def identity(self) -> FileIdentity | None:
        """The file the path names now; ``None`` when there is none."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (status.st_dev, status.st_ino)

    def require_writable(self) -> None:
        """``Unavailable`` unless the database file and its side files (those that
        exist) can be written by this process."""
        for path in self._all:
            if not os.access(path, os.W_OK) and (path == self.path or path.exists()):
                raise Unavailable("the database cannot be written to; try again shortly")
