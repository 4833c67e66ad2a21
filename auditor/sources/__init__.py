"""Where inventories come from. Each source has one job: produce a complete ``Inventory`` or raise
``InventoryError``; the engine never learns which source it was."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the account model imports this package's wire types
    from auditor.model.account import Inventory


class InventorySource(Protocol):
    def load(self) -> Inventory: ...
