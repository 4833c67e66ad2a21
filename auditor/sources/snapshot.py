"""A saved inventory on disk: the raw API body (saved with curl) or our snapshot document."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from auditor.errors import InventoryError
from auditor.limits import byte_cap
from auditor.model.account import Inventory
from auditor.sources.inventory import inventory_from_document, loads_json

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
        # The file's bytes are gone before validation starts: only the decoded JSON is held.
        document = loads_json(self._read().removeprefix(codecs.BOM_UTF8), where=source)
        return inventory_from_document(document, source=source, release=True)

    def _read(self) -> bytes:
        limit = max_inventory_bytes() if self.max_bytes is None else self.max_bytes
        try:
            with self.path.open("rb") as stream:
                info = os.fstat(stream.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                    raise self._too_large(info.st_size, limit)
                data = stream.read(limit + 1)  # a pipe (`<(curl ...)`) has no size to check
        except OSError as exc:
            raise InventoryError(
                f"cannot read inventory {self.path}: {exc.strerror or exc}.",
                tip="pass an existing file with --inventory.",
            ) from None
        if len(data) > limit:
            raise self._too_large(None, limit)
        return data

    def _too_large(self, size: int | None, limit: int) -> InventoryError:
        """`size` is None when the file had no size to check (a pipe) and ran past the cap."""
        measured = "" if size is None else f" {size:,} bytes,"
        return InventoryError(
            f"inventory {self.path} is{measured} over the limit of {limit:,} bytes.",
            tip=f"if it is the right file, set {MAX_INVENTORY_BYTES_ENV} to a larger number.",
        )
