"""Command-line pieces that several subcommands share: help layout, the live-fetch flags, the
effective options of `check`, the fetch's progress line."""
