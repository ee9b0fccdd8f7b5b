"""A file's bytes: content hash, text encoding, and whether a gzip stream is whole.

One streamed pass over the (decompressed) content gives what ingest must know before Spark
reads the file: the SHA-256 of the content (so the same data re-compressed or renamed is
recognised), whether a `.gz` is truncated or corrupt (refused, never half-read), and for
text files the encoding: UTF-8 when every byte sequence is valid UTF-8, else Windows-1252
(a superset of Latin-1's printable characters, what Excel writes on Western Windows), else
Latin-1, which decodes any byte. Never U+FFFD: a byte is decoded or the file is refused.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

from retail_analytics.errors import RetailError

BLOCK = 1 << 20
ENCODINGS = ("utf-8", "windows-1252", "latin-1")


class UnreadableFileError(RetailError):
    """A file whose bytes cannot be read whole (a truncated or corrupt archive)."""


@dataclass(frozen=True)
class Content:
    """What one pass over a file's content found."""

    sha256: str
    size: int  # bytes of content (decompressed)
    encoding: str | None  # for text files: utf-8, windows-1252 or latin-1
    has_bom: bool = False


def _blocks(path: Path):
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            yield from iter(lambda: f.read(BLOCK), b"")
    except (EOFError, OSError, zlib.error) as exc:
        raise UnreadableFileError(
            f"{path.name}: whole file: truncated or corrupt compressed file ({exc})"
        ) from None


def scan(path: Path, text: bool, encoding: str | None = None) -> Content:
    """Hash the content of `path`; for a text file, decide its encoding (or check `encoding`)."""
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("windows-1252")()
    ok = {"utf-8": True, "windows-1252": True}
    first = b""
    for block in _blocks(path):
        digest.update(block)
        size += len(block)
        if not first:
            first = block[:3]
        if text:
            for name, decoder in (("utf-8", utf8), ("windows-1252", cp1252)):
                if ok[name]:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        ok[name] = False
    if text and ok["utf-8"]:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:  # a sequence cut off at the end of the file
            ok["utf-8"] = False
    found = None
    if text:
        found = next((name for name in ("utf-8", "windows-1252") if ok[name]), "latin-1")
        if encoding and encoding != "latin-1" and not ok.get(encoding, True):
            raise UnreadableFileError(
                f"{path.name}: whole file: not valid {encoding} (--encoding); it reads as {found}"
            )
        found = encoding or found
    return Content(digest.hexdigest(), size, found, first == codecs.BOM_UTF8)
