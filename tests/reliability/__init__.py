"""The reliability suite: fuzzing, soak, thread stress, signals, fork and shutdown.

Run the bounded budget with ``python -m pytest tests/reliability`` (it is part of the whole
suite), the long run with ``python -m tests.reliability --long``. See docs/reliability.rst.
"""
