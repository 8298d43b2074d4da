"""Where the CLI writes what it measured: every report file goes through here.

What a path names decides how it is written. A regular file (or a path that
does not exist yet) is written to a temp file beside it and renamed over it,
so an interrupted or failed write never leaves half a file; an existing
file keeps its mode, a new one follows the umask. Anything else a user may
name (a FIFO, a character device such as ``/dev/null`` or a terminal, a pipe
given as ``/dev/fd/N``) is written through: it is never replaced by a
regular file. ``-`` (and ``/dev/stdout``, the same stream) is standard
output.

Problems found before a run are ``OutputPathError`` (bad usage, exit 2);
a write that fails afterwards (no space, an I/O error, a closed pipe) is
``OutputWriteError``, one line, exit 1. A closed standard output is left
to the caller's broken-pipe handling (``BrokenPipeError``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STDOUT_NAME = "-"

_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)")
_STD_PATHS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


class OutputPathError(ValueError):
    """The path cannot take the output: found before the run, exit code 2."""


class OutputWriteError(Exception):
    """Writing the output failed: one line, exit code 1."""


def _fd_of(name: str) -> int | None:
    """The descriptor a path such as ``/dev/stderr`` or ``/dev/fd/3`` stands for, if it is one."""
    path = os.path.normpath(os.path.abspath(name))
    if path in _STD_PATHS:
        return _STD_PATHS[path]
    match = _FD_PATH.fullmatch(path)
    if match is None or (match.group(1) is not None and int(match.group(1)) != os.getpid()):
        return None
    return int(match.group(2))


def current_umask() -> int:
    """The process umask, read without changing it (Linux), else by setting it back at once."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass(frozen=True, slots=True)
class Output:
    """One output the user named, with the flag it was given to (for messages)."""

    flag: str
    name: str

    @property
    def is_stdout(self) -> bool:
        return self.name == STDOUT_NAME or _fd_of(self.name) == 1

    @property
    def label(self) -> str:
        return f"{self.flag} {self.name}"

    def same_target(self, other: Output) -> bool:
        """Whether both name the same stream or file (two outputs cannot share one)."""
        if self.is_stdout or other.is_stdout:
            return self.is_stdout and other.is_stdout
        mine, theirs = _fd_of(self.name), _fd_of(other.name)
        if mine is not None or theirs is not None:
            return mine == theirs
        return Path(self.name).resolve() == Path(other.name).resolve()

    def check(self) -> None:
        """Fail before the run, not after it, if the output could not be written."""
        if self.is_stdout:
            self._check_fd(1)
            return
        fd = _fd_of(self.name)
        if fd is not None:
            self._check_fd(fd)
            return
        path = Path(self.name)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            st = None
        except OSError as exc:
            raise OutputPathError(f"{self.label}: {exc.strerror}") from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputPathError(f"{self.label}: is a folder, not a file")
        if st is not None and not stat.S_ISREG(st.st_mode):
            if stat.S_ISSOCK(st.st_mode):
                raise OutputPathError(f"{self.label}: is a socket, not a file, FIFO or device")
            if not os.access(path, os.W_OK):
                raise OutputPathError(f"{self.label}: not writable")
            return
        parent = path.resolve().parent
        if not parent.is_dir():
            raise OutputPathError(f"{self.label}: folder {parent} does not exist")
        if st is not None and (not os.access(path, os.W_OK) or not st.st_mode & 0o222):
            raise OutputPathError(f"{self.label}: file is read-only")
        try:  # the same kind of temp file the write makes: the only honest writability test
            with tempfile.NamedTemporaryFile(dir=parent, prefix=f".{path.name}.probe."):
                pass
        except OSError as exc:
            raise OutputPathError(f"{self.label}: cannot write in {parent} ({exc.strerror})") from None

    def _check_fd(self, fd: int) -> None:
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            raise OutputPathError(f"{self.label}: file descriptor {fd} is not open") from None
        if flags & os.O_ACCMODE == os.O_RDONLY:
            raise OutputPathError(f"{self.label}: file descriptor {fd} is not open for writing")

    def write_text(self, text: str) -> None:
        """Write ``text`` whole; ``OutputWriteError`` if that fails."""
        with self.open() as stream:
            stream.write(text)

    def write_json(self, payload: Any) -> None:
        """Write ``payload`` as indented JSON (serialized first: a bad payload writes nothing)."""
        self.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")

    @contextlib.contextmanager
    def open(self) -> Iterator[OutputStream]:
        """A stream for writing bit by bit (a time series); committed when the block ends.

        A regular file appears (renamed into place) only at the end, whole; a
        failed write is raised as ``OutputWriteError`` then, not where it
        happened, so a run that writes as it goes is never broken by it.
        """
        if self.is_stdout:
            stream = OutputStream(self, 1, owned=False)
            yield stream
            stream.finish()
            return
        fd = _fd_of(self.name)
        if fd is not None:
            stream = OutputStream(self, fd, owned=False)
            yield stream
            stream.finish()
            return
        path = Path(self.name)
        try:
            st: os.stat_result | None = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            st = None
        except OSError as exc:
            raise self.failed(exc) from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
            except OSError as exc:
                raise self.failed(exc) from None
            stream = OutputStream(self, fd, owned=True)
            try:
                yield stream
            finally:
                stream.close()
            stream.finish()
            return
        yield from self._atomic(path.resolve(), st)

    def _atomic(self, path: Path, st: os.stat_result | None) -> Iterator[OutputStream]:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise self.failed(exc) from None
        committed = False
        try:
            if st is not None:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(fd, st.st_uid, st.st_gid)
            else:
                os.fchmod(fd, 0o666 & ~current_umask())
            stream = OutputStream(self, fd, owned=True)
            try:
                yield stream
                if stream.error is None:
                    try:
                        os.fsync(fd)
                    except OSError as exc:
                        stream.error = exc
            finally:
                stream.close()
            stream.finish()
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise self.failed(exc) from None
            committed = True
        finally:
            if not committed:
                Path(tmp).unlink(missing_ok=True)

    def failed(self, exc: OSError) -> OutputWriteError:
        return OutputWriteError(f"{self.label}: cannot write: {exc.strerror or exc}")


class OutputStream:
    """Text written straight to a descriptor; the first failure stops it and is kept.

    Keeping the failure (instead of raising it into whoever writes) lets a
    sampler write as the run goes and the run still end in order.
    """

    def __init__(self, output: Output, fd: int, *, owned: bool) -> None:
        self.output = output
        self.fd = fd
        self.owned = owned
        self.error: OSError | None = None
        self.bytes_written = 0

    def write(self, text: str) -> int:
        if self.error is None:
            data = text.encode("utf-8")
            try:
                if self.fd == 1:
                    sys.stdout.flush()  # what was printed before goes first
                _write_all(self.fd, data)
                self.bytes_written += len(data)
            except OSError as exc:
                self.error = exc
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered here: each write reaches the descriptor."""

    def close(self) -> None:
        if self.owned:
            try:
                os.close(self.fd)
            except OSError as exc:
                self.error = self.error or exc
            self.owned = False

    def finish(self) -> None:
        """Raise what failed, if anything: a closed standard output as ``BrokenPipeError``."""
        if self.error is None:
            return
        if self.output.is_stdout and isinstance(self.error, BrokenPipeError):
            raise BrokenPipeError(errno.EPIPE, "standard output closed")
        raise self.output.failed(self.error)


def output_for(flag: str, path: Path | str | None) -> Output | None:
    """The ``Output`` for an optional ``--flag PATH`` (``None`` when not given)."""
    return None if path is None else Output(flag, str(path))
