INCLUDES = """
#include <dlfcn.h>
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
long sysapi_libc_has(const char *name);
"""

CUSTOMIZATIONS = """
/* A shim's result: the call's non-negative result, or -errno read the instant it failed. */
#define SYSAPI_RET(expr) do { long sysapi_r_ = (long)(expr); \\
    return sysapi_r_ < 0 ? -(long)errno : sysapi_r_; } while (0)
/* For calls that return the error number instead of setting errno (posix_*, clock_nanosleep). */
#define SYSAPI_RET_RC(expr) do { int sysapi_rc_ = (expr); \\
    return sysapi_rc_ ? -(long)sysapi_rc_ : 0; } while (0)

/* C library functions newer than the wheels' floor (glibc 2.28), or that only glibc has, are
   looked up at run time, never linked: the module then loads on any glibc and on musl, and a
   shim whose function is absent returns -ENOSYS (sysapi._syscall names the C library needed).
   `fn` is a static function pointer; binding it twice from two threads stores the same value. */
#define SYSAPI_LIBC_BIND(fn, name) \
    ((fn) != NULL || (*(void **)&(fn) = dlsym(RTLD_DEFAULT, (name))) != NULL)

static long sysapi_libc_has(const char *name)
{ return dlsym(RTLD_DEFAULT, name) != NULL; }
"""
