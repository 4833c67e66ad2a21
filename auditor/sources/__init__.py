"""Where inventories come from. Each source has one job: produce a complete ``Inventory`` or raise
``InventoryError``; the engine never learns which source it was."""

from __future__ import annotations

from typing import Protocol

from auditor.models import Inventory


class InventorySource(Protocol):
    def load(self) -> Inventory: ...
