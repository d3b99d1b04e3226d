"""Subcommands of this area (being built: see the open issue for this area)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    pass
