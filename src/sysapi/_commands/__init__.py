"""The subcommands of ``python -m sysapi``, one module per area, each with
``register(subparsers)`` that adds its parsers and sets ``func`` to a handler returning the
exit status."""
