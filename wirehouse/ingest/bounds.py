"""Opening and reading inputs within bounds: regular files only, a byte cap after
decompression, a line reader that never holds more than one capped line, JSON with a depth
bound, text fields that are valid Unicode."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from typing import IO, Any

# Deeper JSON than this is not an article record; json.loads itself gives up near the
# interpreter's recursion limit, which depends on how deep the caller already is.
MAX_JSON_DEPTH = 32

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket",
          stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link"}


class NotRegular(OSError):
    """The path names something other than a regular file: reading it could block forever
    (FIFO, socket), never end (/dev/zero) or act on a device."""


def kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular(path: str) -> IO[bytes]:
    """A regular file opened for reading, or NotRegular. Checked on the path before opening
    (opening a device can act on it) and again on the opened descriptor (the path may have
    been swapped in between); O_NONBLOCK so that opening a FIFO swapped in cannot block."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegular(f"{path} is {kind(mode)}, not a regular file")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(f"{path} is {kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class InputTooLarge(Exception):
    """More bytes came out of an input (after decompression) than max_input_bytes."""


class CappedReader:
    """Reads through ``inner`` and raises InputTooLarge past ``limit`` bytes: the cap holds
    while reading, after decompression, whatever the file claims about its size."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.limit, self.count = inner, limit, 0

    def read(self, n: int = -1) -> bytes:
        return self._counted(self.inner.read, n)

    def read1(self, n: int = -1) -> bytes:
        return self._counted(getattr(self.inner, "read1", self.inner.read), n)

    def _counted(self, read: Callable[[int], bytes], n: int) -> bytes:
        allowed = self.limit - self.count + 1
        data = read(allowed if n < 0 else min(n, allowed))
        self.count += len(data)
        if self.count > self.limit:
            raise InputTooLarge(f"more than {self.limit} bytes after decompression")
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.inner.seek(pos, whence)

    def tell(self) -> int:
        return self.inner.tell()


_BLOCK = 1 << 20
# From a line's first non-blank byte to its end. Matching starts only at a non-blank byte, so
# blank lines cost the regex engine a byte each and Python nothing.
_NON_BLANK = re.compile(rb"[^\s][^\n]*")


def lines(stream: IO[bytes], max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every non-blank line; (line number, None) for a line over
    ``max_line`` bytes, which is skipped without ever being held whole. Reads 1 MB blocks,
    and a run of blank lines costs a count, not a call per line: a gzip of a gigabyte of
    newlines takes seconds. Leading blanks of a line are dropped."""
    done = 0  # lines ended before the current block position
    head = b""  # the start of a line that continues in the next block
    skipping = False  # inside a line already reported too long
    # read1: a gzip cut short raises on the read after the last whole piece, so the lines
    # before the cut are still read (read() would drop the piece it was filling).
    read = getattr(stream, "read1", stream.read)
    while True:
        block = read(_BLOCK)
        if not block:
            if head.strip() and not skipping:
                yield done + 1, head.lstrip()
            return
        pos = 0
        if not (head or skipping or block.strip()):
            done += block.count(b"\n")  # a block of blank lines: counted, not scanned
            continue
        if head or skipping:
            end = block.find(b"\n")
            if end < 0:
                if not skipping:
                    head = (head + block).lstrip()
                    if len(head) > max_line:
                        yield done + 1, None
                        head, skipping = b"", True
                continue
            line, head = head + block[:end], b""
            done += 1
            if skipping:
                skipping = False
            elif len(line) > max_line:
                yield done, None
            elif line.strip():
                yield done, line.lstrip()
            pos = end + 1
        last = block.rfind(b"\n") + 1  # complete lines end before ``last``
        if last > pos:
            scan = pos
            for m in _NON_BLANK.finditer(block, pos, last):
                done += block.count(b"\n", scan, m.start())
                scan = m.start()
                yield done + 1, (None if m.end() - m.start() > max_line else m.group())
            done += block.count(b"\n", scan, last)
            pos = last
        head = block[pos:].lstrip()  # a line's leading blanks are dropped anyway
        if len(head) > max_line:
            yield done + 1, None
            head, skipping = b"", True


class TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def loads(text: str | bytes) -> Any:
    """json.loads with a depth bound that holds however deep the caller already is."""
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise TooDeep(f"nested deeper than the interpreter can parse ({exc})") from exc
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_JSON_DEPTH:
            raise TooDeep(f"nested more than {MAX_JSON_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def unicode_problem(*values: object) -> str | None:
    """Why one of these strings cannot be stored as UTF-8 (a lone surrogate from a ``\\ud800``
    escape), or None."""
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                return (f"lone surrogate {value[exc.start]!r} at character {exc.start}: not "
                        "valid Unicode text")
    return None
