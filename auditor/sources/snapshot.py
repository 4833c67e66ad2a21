"""A saved inventory on disk: the raw API body (saved with curl) or our snapshot document."""

from __future__ import annotations

import codecs
from pathlib import Path

from auditor.errors import InventoryError
from auditor.model.account import Inventory
from auditor.sources.inventory import inventory_from_document, loads_json


class SnapshotSource:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Inventory:
        source = str(self.path)
        # The file's bytes are gone before validation starts: only the decoded JSON is held.
        document = loads_json(self._read().removeprefix(codecs.BOM_UTF8), where=source)
        return inventory_from_document(document, source=source, release=True)

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise InventoryError(
                f"cannot read inventory {self.path}: {exc.strerror or exc}.",
                tip="pass an existing file with --inventory.",
            ) from None
