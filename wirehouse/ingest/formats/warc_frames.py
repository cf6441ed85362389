"""WARC record framing that notices a record cut short, in plain and gzipped archives alike.

warcio trusts each record's Content-Length: a record cut short swallows the records after it
(spliced into one document under the first one's URL) and the only sign is a warning on
stderr. Here the record boundaries are found and checked first, and each whole record is
handed to warcio as bytes. A record is whole when its header block parses, its declared
Content-Length of bytes follows, and the two CRLFs that end every record come right after.
Anything else is reported with the record's byte offset (in the file for plain archives, of
its gzip member for gzipped ones) and reading goes on at the next record header after the
bad record's own header: records may be lost, never spliced.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from wirehouse.ingest.bounds import InputTooLarge

# A header block longer than this is not a WARC header.
MAX_HEADER_BYTES = 64 * 1024
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b\x08"
_HEADER_START = re.compile(rb"WARC/1\.[01]\r?\n")
_TRAILER = b"\r\n\r\n"
# Writers pad the end of a file with these; they are not a record.
_PADDING = b"\x00\r\n \t"


@dataclass(frozen=True)
class Frame:
    """One record: whole (``data`` is its header block, content and trailer) or not
    (``error`` is a quarantine reason, ``message`` says what is wrong and where)."""

    number: int  # 1-based, counting every record in archive order, bad ones included
    offset: int  # of the record (plain archive) or of its gzip member (gzipped)
    data: bytes | None = None
    error: str | None = None  # truncated_warc, malformed_warc or too_large
    message: str = ""


class _BrokenMember(Exception):
    """A gzip member that ends early or does not inflate."""

    def __init__(self, offset: int, detail: str) -> None:
        super().__init__(detail)
        self.offset = offset


class _Bytes:
    """The bytes of a plain archive, with a push-back buffer; ``pos`` counts bytes taken,
    and taking more than ``limit`` raises InputTooLarge."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw, self.buf, self.pos, self.limit = raw, b"", 0, limit

    def _taken(self, n: int) -> None:
        self.pos += n
        if self.pos > self.limit:
            raise InputTooLarge(f"more than {self.limit} bytes after decompression")

    def skip_blank(self) -> None:
        """Take the blank bytes before the next record in bulk, not a line at a time."""
        while True:
            if not self.buf and not self._more():
                return
            kept = self.buf.lstrip()
            self._taken(len(self.buf) - len(kept))
            self.buf = kept
            if kept:
                return

    def _more(self) -> bool:
        chunk = self.raw.read(_CHUNK)
        self.buf += chunk
        return bool(chunk)

    def read(self, n: int) -> bytes:
        while len(self.buf) < n and self._more():
            pass
        out, self.buf = self.buf[:n], self.buf[n:]
        self._taken(len(out))
        return out

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self.buf[:limit] and len(self.buf) < limit and self._more():
            pass
        end = self.buf.find(b"\n", 0, limit)
        take = min(limit, len(self.buf)) if end < 0 else end + 1
        line, self.buf = self.buf[:take], self.buf[take:]
        self._taken(len(line))
        return line

    def unread(self, data: bytes) -> None:
        self.buf = data + self.buf
        self.pos -= len(data)

    def where(self, pos: int) -> int:
        """The offset a tool uses to find the record holding byte ``pos``."""
        return pos

    def rewind(self, pos: int) -> bool:
        """Go back to byte ``pos`` if the file can seek; False if it cannot."""
        try:
            self.raw.seek(pos)
        except (OSError, ValueError):
            return False
        self.buf, self.pos = b"", pos
        return True

    def skip_broken(self) -> None:
        raise AssertionError("a plain archive has no gzip members")


class _Members(_Bytes):
    """The inflated bytes of consecutive gzip members. A member that does not inflate or
    ends early raises _BrokenMember; ``skip_broken`` goes on at the next member after the
    broken one's start that inflates to a record header."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        super().__init__(raw, limit)
        self.member = 0  # file offset of the member being inflated
        self.starts: list[tuple[int, int]] = [(0, 0)]  # (inflated pos, file offset) per member
        self.raw_pos = 0  # file bytes read
        self.inflater = zlib.decompressobj(31)
        self.pending = b""  # file bytes read, not yet inflated
        self.fresh = True  # nothing of the current member inflated yet
        self.ended = False

    def _more(self) -> bool:
        while not self.ended:
            if self.inflater.eof:
                self.pending = self.inflater.unused_data + self.pending
                self._start_member(self.raw_pos - len(self.pending))
            if not self.pending:
                self.pending = self.raw.read(_CHUNK)
                self.raw_pos += len(self.pending)
                if not self.pending:
                    if self.fresh:
                        self.ended = True
                        return False
                    raise _BrokenMember(self.member, "the file ends inside a gzip member")
            if self.fresh and not self._at_member():
                return False
            data, self.pending, self.fresh = self.pending, b"", False
            try:
                out = self.inflater.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise _BrokenMember(self.member, f"gzip member does not inflate: {exc}") from exc
            # At a member's end zlib gives the bytes after it both as unconsumed_tail and
            # as unused_data; the end-of-member branch above takes them from unused_data.
            self.pending = b"" if self.inflater.eof else self.inflater.unconsumed_tail
            if out:
                self.buf += out
                return True
        return False

    def _start_member(self, offset: int) -> None:
        self.member, self.fresh = offset, True
        self.inflater = zlib.decompressobj(31)
        self.starts.append((self.pos + len(self.buf), offset))
        del self.starts[:-64]  # enough to place any byte still buffered

    def _at_member(self) -> bool:
        """At a member's start: a gzip header, or only padding to the end of the file."""
        while len(self.pending) < len(_GZIP_MAGIC):
            more = self.raw.read(_CHUNK)
            if not more:
                break
            self.raw_pos += len(more)
            self.pending += more
        if self.pending.startswith(_GZIP_MAGIC):
            return True
        while not self.pending.strip(_PADDING):
            self.pending = self.raw.read(_CHUNK)
            self.raw_pos += len(self.pending)
            if not self.pending:
                self.ended = True
                return False
        raise _BrokenMember(self.member, "bytes that are not a gzip member follow the last one")

    def where(self, pos: int) -> int:
        return max((off for start, off in self.starts if start <= pos), default=self.member)

    def rewind(self, pos: int) -> bool:
        return False

    def skip_broken(self) -> None:
        self.buf, self.pending = b"", b""
        pos = self.member + 1
        while True:
            self.raw.seek(pos)
            window = self.raw.read(_CHUNK)
            if len(window) < len(_GZIP_MAGIC):
                self.ended = True
                return
            hit = window.find(_GZIP_MAGIC)
            if hit < 0:
                pos += len(window) - len(_GZIP_MAGIC) + 1
                continue
            pos += hit
            self.raw.seek(pos)
            if _inflates_to_record(self.raw.read(_CHUNK)):
                self.raw.seek(pos)
                self.raw_pos = pos
                self._start_member(pos)
                return
            pos += 1


def _inflates_to_record(compressed: bytes) -> bool:
    try:
        head = zlib.decompressobj(31).decompress(compressed, 16)
    except zlib.error:
        return False
    return _HEADER_START.match(head) is not None


def frames(raw: IO[bytes], max_content: int, max_total: int) -> Iterator[Frame]:
    """Every record of an archive (plain, or gzipped per record or as a whole), whole or not,
    in archive order. ``raw`` must be seekable. ``max_content`` caps the bytes of one record
    kept in memory (a longer record is a too_large frame); more than ``max_total`` bytes
    after decompression raise InputTooLarge."""
    gzipped = raw.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
    raw.seek(0)
    src = _Members(raw, max_total) if gzipped else _Bytes(raw, max_total)
    number, last_offset = 0, -1
    while True:
        number += 1
        produced = src.pos + len(src.buf)
        try:
            frame = _next_frame(src, number, max_content)
        except _BrokenMember as exc:
            if src.pos + len(src.buf) == produced and exc.offset == last_offset:
                # Nothing of a new record came out: the member of the record before ends
                # early after its content (a cut gzip trailer). That record is read whole.
                number -= 1
                message = (f"the gzip member at byte {exc.offset} holding record {number} is "
                           f"cut short after the record: {exc}")
            else:
                message = (f"record {number} (gzip member at byte {exc.offset}) is cut short "
                           f"or corrupt: {exc}; reading on at the next record")
            yield Frame(number, exc.offset, error="truncated_warc", message=message)
            src.skip_broken()
            last_offset = -1
            continue
        if frame is None:
            return
        last_offset = frame.offset
        yield frame


def _next_frame(src: _Bytes, number: int, max_content: int) -> Frame | None:
    src.skip_blank()  # blank lines between records and at the end are allowed
    line = src.readline(MAX_HEADER_BYTES)
    if not line:
        return None
    start = src.pos - len(line)
    offset = src.where(start)
    if not _HEADER_START.fullmatch(line):
        skipped = _resync(src, line)
        return Frame(number, offset, error="malformed_warc",
                     message=f"no WARC record starts at byte {offset}: {skipped} bytes "
                     "skipped to the next record header")
    header = [line]
    size = len(line)
    while header[-1] not in (b"\r\n", b"\n"):
        if size >= MAX_HEADER_BYTES:
            _resync(src, b"")
            return Frame(number, offset, error="malformed_warc",
                         message=f"record {number} at byte {offset}: header block over "
                         f"{MAX_HEADER_BYTES} bytes")
        header.append(src.readline(MAX_HEADER_BYTES - size))
        size += len(header[-1])
        if not header[-1]:
            return Frame(number, offset, error="truncated_warc",
                         message=f"record {number} at byte {offset}: the archive ends "
                         "inside its header")
    block = b"".join(header)
    declared = _content_length(block)
    if declared is None:
        src.unread(block[len(line):])
        _resync(src, b"")
        return Frame(number, offset, error="malformed_warc",
                     message=f"record {number} at byte {offset}: no Content-Length that is "
                     "a byte count")
    content_at = src.pos
    if declared > max_content:
        return _skip_content(src, number, offset, declared, max_content, content_at)
    content = src.read(declared)
    trailer = src.read(len(_TRAILER)) if len(content) == declared else b""
    if trailer == _TRAILER:
        return Frame(number, offset, data=block + content + trailer)
    # Cut short: the declared length ran into the next record or the end of the file. Go on
    # from the first record header after this record's own header.
    rest = content + trailer
    hit = _HEADER_START.search(rest)
    if hit is not None:
        src.unread(rest[hit.start():])
    return _cut(number, offset, declared, ended=len(content) < declared)


def _cut(number: int, offset: int, declared: int, ended: bool) -> Frame:
    why = ("the archive ends inside it" if ended else
           "the two CRLFs that end a record do not follow")
    return Frame(number, offset, error="truncated_warc",
                 message=f"record {number} at byte {offset} declares {declared} bytes of "
                 f"content but {why}: it was cut short; reading on at the next record")


def _content_length(block: bytes) -> int | None:
    for raw_line in block.split(b"\n")[1:]:
        name, sep, value = raw_line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() else None
    return None


def _skip_content(src: _Bytes, number: int, offset: int, declared: int, max_content: int,
                  content_at: int) -> Frame:
    left = declared
    while left:
        got = len(src.read(min(left, _CHUNK)))
        if not got:
            break
        left -= got
    if not left and src.read(len(_TRAILER)) == _TRAILER:
        return Frame(number, offset, error="too_large",
                     message=f"record {number} at byte {offset}: {declared} bytes of content, "
                     f"over the {max_content} byte limit")
    # Cut short: look for the next record from where its content started, when the file
    # can seek back (a plain archive); otherwise from here.
    if src.rewind(content_at):
        _resync(src, b"")
    return _cut(number, offset, declared, ended=bool(left))


def _resync(src: _Bytes, seen: bytes) -> int:
    """Take bytes up to the next record header (left unread); the number of bytes skipped."""
    skipped = 0
    carry = seen
    while True:
        hit = _HEADER_START.search(carry, 1 if carry.startswith(b"WARC/") else 0)
        if hit is not None:
            src.unread(carry[hit.start():])
            return skipped + hit.start()
        chunk = src.read(_CHUNK)
        if not chunk:
            return skipped + len(carry)
        keep = carry[-16:]
        skipped += len(carry) - len(keep)
        carry = keep + chunk
