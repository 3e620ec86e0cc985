"""Log files as the ingest reads them: finding them, describing them, and taking the part of a file
that a run reads as a stable copy when reading the file itself could see the wrong bytes.

Line endings: LF, CRLF and a lone CR each end a line (as Python's universal newlines do). A file
whose lines all end the same way is read as it is; one that mixes them is read from a copy whose
line endings are LF, line for line, so line numbers do not change.
"""

import csv
import gzip
import hashlib
import io
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from llm_vitals.errors import SourceError

KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
HEAD_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class FileFacts:
    """What a file looked like when it was found."""

    path: str
    size_bytes: int
    modified_at: datetime
    head_sha256: str
    compressed: bool  # gzip data, whatever the name says
    tail_start: int  # where an unterminated last line starts; size_bytes when the file ends with a line ending
    csv_columns: tuple[str, ...] = ()  # a CSV file's header names (duplicates numbered), empty otherwise

    def unchanged(self) -> bool:
        """Whether the file still has the size and modification time it was found with."""
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        return now.st_size == self.size_bytes and _mtime(now) == self.modified_at


def find(sources: list[str], suffixes: tuple[str, ...] | None = None) -> tuple[list[str], list[str]]:
    """Returns the log files the sources name (absolute paths, sorted), and the sources that name
    none. A source is a file, a folder (walked recursively, following links to folders but never
    round a loop) or a glob; with `suffixes`, the files ending so (plain or .gz) count, else those
    of a known kind. A file reached by two paths (a link, a second source) is listed once, under the
    first path in sorted order."""
    paths: dict[tuple[int, int], str] = {}
    empty = []
    for source in sources:
        matched = False
        for path in sorted(_expand(source)):
            if not _wanted(path, suffixes):
                continue
            try:
                info = os.stat(path)
            except OSError:
                continue
            matched = True
            paths.setdefault((info.st_dev, info.st_ino), path)
        if not matched:
            empty.append(source)
    return sorted(paths.values()), empty


def kind_of(path: str) -> str | None:
    """The contract kind a file's name says (jsonl, csv, parquet), .gz or not; None if none."""
    name = path.lower().removesuffix(".gz")
    return KINDS.get(os.path.splitext(name)[1])


def describe(path: str, *, csv_header: bool = False) -> FileFacts:
    """Returns the file's facts; with csv_header, its header names too.

    Raises SourceError when the file cannot be opened or its gzip data cannot be read.
    """
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            head = handle.read(min(HEAD_BYTES, info.st_size))
            compressed = head.startswith(GZIP_MAGIC)
            tail_start = info.st_size if compressed else _tail_start(handle, info.st_size)
        columns = _csv_header(path, compressed) if csv_header else ()
    except OSError as exc:
        raise SourceError(f"Cannot read {path}: {exc.strerror or exc}.",
                          hint="Check that the file exists and that llm-vitals may read it.") from exc
    return FileFacts(path, info.st_size, _mtime(info), hashlib.sha256(head).hexdigest(), compressed, tail_start, columns)


def same_head(facts: FileFacts, head_sha256: str, old_size: int) -> bool:
    """Whether the file starts as it did when it was old_size bytes long (a grown file, not a rewrite)."""
    if old_size >= HEAD_BYTES:
        return facts.head_sha256 == head_sha256
    with open(facts.path, "rb") as handle:  # the old file was shorter than the head: hash its length
        return hashlib.sha256(handle.read(old_size)).hexdigest() == head_sha256


def copy_region(facts: FileFacts, start: int, end: int, target: Path, *, header: bool,
                csv_blank_lines: bool = False) -> list[int]:
    """Copies the file's bytes [start, end) (decompressed for gzip, which is always whole) to target
    with every line ending made LF; with `header`, the file's first line goes first (a CSV region
    read without its header would not know its columns). With csv_blank_lines, returns the line
    numbers in the copy of its empty lines outside quoted fields, which DuckDB's CSV reader skips
    without a word (a quote count that is odd so far means a quoted field is open); else [].

    Raises SourceError when the file no longer holds those bytes (it was rewritten or truncated).
    """
    blank: list[int] = []
    line, previous, quotes = 1, b"\n", 0  # the copy's line being written, the byte before, quotes so far
    with open(target, "wb") as out:
        if header and start > 0:
            first = _normalized(_first_line(facts))
            out.write(first)
            line, previous, quotes = 2, b"\n", first.count(b'"')
        pending_cr = False
        for chunk in _chunks(facts, start, end):
            if pending_cr and chunk.startswith(b"\n"):
                chunk = chunk[1:]  # the LF of a CRLF split between two chunks
            if not chunk:
                continue
            pending_cr = chunk.endswith(b"\r")
            chunk = _normalized(chunk)
            if csv_blank_lines:
                blank += _blank_lines(chunk, line, previous, quotes)
                quotes += chunk.count(b'"')
            line += chunk.count(b"\n")
            previous = chunk[-1:]
            out.write(chunk)
    return blank


def _blank_lines(chunk: bytes, line: int, previous: bytes, quotes: int) -> list[int]:
    """The numbers of the empty lines that end in chunk (LF endings) outside quoted fields: an LF
    right after another; `line` is the number of the line the chunk starts in."""
    candidates = [0] if previous == b"\n" and chunk.startswith(b"\n") else []
    found = chunk.find(b"\n\n")
    while found >= 0:
        candidates.append(found + 1)
        found = chunk.find(b"\n\n", found + 1)
    out, at = [], 0
    for position in candidates:
        line += chunk.count(b"\n", at, position)
        quotes += chunk.count(b'"', at, position)
        at = position
        if quotes % 2 == 0:
            out.append(line)
    return out


def _chunks(facts: FileFacts, start: int, end: int) -> Iterator[bytes]:
    if facts.compressed:
        with gzip.open(facts.path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
        return
    with open(facts.path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size < end:
            raise SourceError(f"{facts.path} became shorter while it was read ({end} bytes before).",
                              hint="It was rewritten or truncated; it is read again on the next run.")
        handle.seek(start)
        left = end - start
        while left > 0:
            chunk = handle.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def _normalized(chunk: bytes) -> bytes:
    return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in chunk else chunk


def _first_line(facts: FileFacts) -> bytes:
    with (gzip.open(facts.path, "rb") if facts.compressed else open(facts.path, "rb")) as handle:
        line = handle.readline(HEAD_BYTES)
    cr = line.find(b"\r")
    return line[: cr + 1] if 0 <= cr < len(line) - 1 else line


def _tail_start(handle, size: int) -> int:
    """The offset just after the last line ending at or before `size` (size itself when the file
    ends with one). A final CR ends a line only in a file whose line before ended with a lone CR
    too; otherwise it may be the first half of a CRLF still being written."""
    if size == 0:
        return 0
    handle.seek(size - 1)
    last = handle.read(1)
    if last == b"\n":
        return size
    position, end = size - (1 if last == b"\r" else 0), size - (1 if last == b"\r" else 0)
    while position > 0:
        step = min(_CHUNK, position)
        handle.seek(position - step)
        block = handle.read(step)
        cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
        if cut >= 0:
            ending = position - step + cut
            if last == b"\r" and block[cut:cut + 1] == b"\r" and ending + 1 < end:
                return size  # the file ends its lines with a lone CR: the final CR ends the last one
            return ending + 1
        position -= step
    return 0


def _csv_header(path: str, compressed: bool) -> tuple[str, ...]:
    with (gzip.open(path, "rb") if compressed else open(path, "rb")) as handle:
        first = handle.readline(HEAD_BYTES)
    text = first.decode("utf-8", errors="replace").removeprefix("\ufeff")
    names = next(csv.reader(io.StringIO(text.splitlines()[0] if text.strip() else "")), [])
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen[name] = seen.get(name, 0) + 1
        out.append(name if count == 1 else f"{name}_{count}")
    return tuple(out)


def _expand(source: str) -> list[str]:
    if os.path.isdir(source):
        return list(_walk(source))
    if any(char in source for char in "*?["):
        import glob

        return [os.path.abspath(path) for path in glob.glob(source, recursive=True) if os.path.isfile(path)]
    return [os.path.abspath(source)] if os.path.isfile(source) else []


def _walk(folder: str) -> Iterator[str]:
    """The files under folder, following links to folders once each (a link loop is walked once)."""
    visited: set[tuple[int, int]] = set()
    stack = [os.path.abspath(folder)]
    while stack:
        current = stack.pop()
        try:
            info = os.stat(current)
            if (info.st_dev, info.st_ino) in visited:
                continue
            visited.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                mode = os.stat(entry.path).st_mode
            except OSError:
                continue  # a dangling link
            if stat.S_ISDIR(mode):
                stack.append(entry.path)
            elif stat.S_ISREG(mode):
                yield entry.path


def _wanted(path: str, suffixes: tuple[str, ...] | None) -> bool:
    if suffixes:
        return path.lower().removesuffix(".gz").endswith(suffixes)
    return kind_of(path) is not None


def _mtime(info: os.stat_result) -> datetime:
    return datetime.fromtimestamp(info.st_mtime, UTC)


def remove_tree(path: Path) -> None:
    """Removes a scratch folder, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)
