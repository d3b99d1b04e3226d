"""C declarations of the SysV message queues and semaphore sets and the POSIX message queues and
semaphores (SysV shared memory is declared in ``process.py``)."""

INCLUDES = """
"""

TYPES = """
"""

FUNCTIONS = """
"""

CUSTOMIZATIONS = """
"""
