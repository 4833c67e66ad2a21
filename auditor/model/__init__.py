"""Typed data shared by every layer: the account model and the result types."""
