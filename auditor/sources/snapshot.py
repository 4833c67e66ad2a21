"""A saved inventory on disk: the raw API body (saved with curl) or our snapshot document."""

from __future__ import annotations

import codecs
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from auditor.errors import InventoryError
from auditor.limits import byte_cap
from auditor.model.account import Inventory, InventoryInfo
from auditor.sources.inventory import inventory_from_document, parse_account_slices
from auditor.sources.json_decode import array_slices, loads_json, starts_an_array

# About 1.7 KB per account: 1 GiB is some 600,000 accounts, far past any real workspace, and
# already several GB of memory once decoded. A wrong path (a disk image, a log) stops here.
DEFAULT_MAX_INVENTORY_BYTES = 1024**3
MAX_INVENTORY_BYTES_ENV = "SMARTLEAD_AUDIT_MAX_INVENTORY_BYTES"


def max_inventory_bytes() -> int:
    """The cap on a saved inventory: `SMARTLEAD_AUDIT_MAX_INVENTORY_BYTES`, or 1 GiB."""
    return byte_cap(MAX_INVENTORY_BYTES_ENV, DEFAULT_MAX_INVENTORY_BYTES)


class SnapshotSource:
    def __init__(self, path: Path, *, max_bytes: int | None = None) -> None:
        self.path = path
        self.max_bytes = max_bytes

    def load(self) -> Inventory:
        source = str(self.path)
        with self._open() as stream:
            if starts_an_array(stream):  # the API's body: decoded a slice at a time
                slices = array_slices(stream, where=source)
                accounts = parse_account_slices(slices, where=source, release=True)
                return Inventory(accounts, InventoryInfo(source=source))
            data = stream.read().removeprefix(codecs.BOM_UTF8)
        # Our snapshot document (no passwords, no fields we do not know) is decoded at once.
        document = loads_json(data, where=source)
        del data
        return inventory_from_document(document, source=source, release=True)

    def _open(self) -> BinaryIO:
        """The file, checked against the size cap; a pipe (`<(curl ...)`), which has no size to
        check, is read up to the cap first."""
        limit = max_inventory_bytes() if self.max_bytes is None else self.max_bytes
        try:
            stream = self.path.open("rb", buffering=0)
            info = os.fstat(stream.fileno())
            if stat.S_ISREG(info.st_mode):
                if info.st_size > limit:
                    stream.close()
                    raise self._too_large(info.st_size, limit)
                # A file still being written can grow past its size: reading stops at the cap.
                capped = _Capped(stream, limit, lambda: self._too_large(None, limit))
                return io.BufferedReader(capped, buffer_size=_BUFFER)
            with io.BufferedReader(stream) as pipe:
                data = pipe.read(limit + 1)
        except OSError as exc:
            raise InventoryError(
                f"cannot read inventory {self.path}: {exc.strerror or exc}.",
                tip="pass an existing file with --inventory.",
            ) from None
        if len(data) > limit:
            raise self._too_large(None, limit)
        return io.BytesIO(data)

    def _too_large(self, size: int | None, limit: int) -> InventoryError:
        """`size` is None when the file had no size to check (a pipe, a file still growing) and
        ran past the cap."""
        measured = "" if size is None else f" {size:,} bytes,"
        return InventoryError(
            f"inventory {self.path} is{measured} over the limit of {limit:,} bytes.",
            tip=f"if it is the right file, set {MAX_INVENTORY_BYTES_ENV} to a larger number.",
        )


_BUFFER = 1024 * 1024


class _Capped(io.RawIOBase):
    """A file read no further than ``limit`` bytes: past it, ``too_large()`` is raised."""

    def __init__(self, raw: io.FileIO, limit: int, too_large: Callable[[], InventoryError]):
        super().__init__()
        self._raw, self._limit, self._too_large = raw, limit, too_large

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer) or 0
        if self._raw.tell() > self._limit:
            raise self._too_large()
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()
