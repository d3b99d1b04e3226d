INCLUDES = """
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
"""

TYPES = """
/* The one errno Python's errno module lacks (3.11): errors.EHWPOISON takes it from here. */
#define EHWPOISON ...
"""

FUNCTIONS = """
"""

CUSTOMIZATIONS = """
/* A shim's result: the call's non-negative result, or -errno read the instant it failed. */
#define SYSAPI_RET(expr) do { long sysapi_r_ = (long)(expr); \\
    return sysapi_r_ < 0 ? -(long)errno : sysapi_r_; } while (0)
/* For calls that return the error number instead of setting errno (posix_*, clock_nanosleep). */
#define SYSAPI_RET_RC(expr) do { int sysapi_rc_ = (expr); \\
    return sysapi_rc_ ? -(long)sysapi_rc_ : 0; } while (0)
"""
