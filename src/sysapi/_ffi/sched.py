INCLUDES = """
#include <sched.h>
#include <string.h>
/* <linux/sched.h> carries the SCHED_FLAG_* bits; it coexists with <sched.h> (the CLONE_*
   macros agree). <linux/sched/types.h> does not (both define struct sched_param), hence the
   private struct sysapi_sched_attr below. */
#if __has_include(<linux/sched.h>)
#include <linux/sched.h>
#endif
#if __has_include(<linux/ioprio.h>)
#include <linux/ioprio.h>
#endif
"""

# One layout for both sides: cffi's cdef (so Python sees the fields) and the C source.
_SCHED_ATTR = """
struct sysapi_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};
"""

TYPES = (
    _SCHED_ATTR
    + """
#define SCHED_OTHER ...
#define SCHED_FIFO ...
#define SCHED_RR ...
#define SCHED_BATCH ...
#define SCHED_IDLE ...
#define SCHED_DEADLINE ...
#define SCHED_RESET_ON_FORK ...
#define SCHED_FLAG_RESET_ON_FORK ...
#define SCHED_FLAG_RECLAIM ...
#define SCHED_FLAG_DL_OVERRUN ...
#define SCHED_FLAG_KEEP_POLICY ...
#define SCHED_FLAG_KEEP_PARAMS ...
#define SCHED_FLAG_UTIL_CLAMP_MIN ...
#define SCHED_FLAG_UTIL_CLAMP_MAX ...
#define SYSAPI_SCHED_ATTR_SIZE_VER0 ...
#define SYSAPI_SCHED_ATTR_SIZE_VER1 ...

#define IOPRIO_WHO_PROCESS ...
#define IOPRIO_WHO_PGRP ...
#define IOPRIO_WHO_USER ...
#define IOPRIO_CLASS_NONE ...
#define IOPRIO_CLASS_RT ...
#define IOPRIO_CLASS_BE ...
#define IOPRIO_CLASS_IDLE ...
#define IOPRIO_CLASS_SHIFT ...
#define IOPRIO_CLASS_MASK ...
#define IOPRIO_PRIO_MASK ...
#define IOPRIO_NORM ...
"""
)

FUNCTIONS = """
long sysapi_sched_getattr(int pid, void *buf, unsigned int size, unsigned int flags);
long sysapi_sched_getattr_self(struct sysapi_sched_attr *attr);
long sysapi_sched_setattr(int pid, void *buf, unsigned int flags);
long sysapi_ioprio_get(int which, int who);
long sysapi_ioprio_set(int which, int who, int ioprio);
"""

CUSTOMIZATIONS = (
    """
/* struct sched_attr as the kernel's uapi lays it out (<linux/sched/types.h>, which cannot be
   included next to <sched.h>). VER0 ends before the utilization clamps (Linux 3.14), VER1
   includes them (Linux 5.3). */
"""
    + _SCHED_ATTR
    + """#define SYSAPI_SCHED_ATTR_SIZE_VER0 offsetof(struct sysapi_sched_attr, sched_util_min)
#define SYSAPI_SCHED_ATTR_SIZE_VER1 sizeof(struct sysapi_sched_attr)

/* The SCHED_FLAG_* bits are syscall ABI (include/uapi/linux/sched.h), never renumbered.
   Headers older than a bit (KEEP_* and UTIL_CLAMP_* came with Linux 5.3; manylinux_2_28 ships
   4.18 headers) get its ABI value, never 0; where the header has it, the build checks that
   both agree. */
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif
_Static_assert(SCHED_FLAG_RESET_ON_FORK == 0x01, "not the ABI value");
#ifndef SCHED_FLAG_RECLAIM
#define SCHED_FLAG_RECLAIM 0x02
#endif
_Static_assert(SCHED_FLAG_RECLAIM == 0x02, "not the ABI value");
#ifndef SCHED_FLAG_DL_OVERRUN
#define SCHED_FLAG_DL_OVERRUN 0x04
#endif
_Static_assert(SCHED_FLAG_DL_OVERRUN == 0x04, "not the ABI value");
#ifndef SCHED_FLAG_KEEP_POLICY
#define SCHED_FLAG_KEEP_POLICY 0x08
#endif
_Static_assert(SCHED_FLAG_KEEP_POLICY == 0x08, "not the ABI value");
#ifndef SCHED_FLAG_KEEP_PARAMS
#define SCHED_FLAG_KEEP_PARAMS 0x10
#endif
_Static_assert(SCHED_FLAG_KEEP_PARAMS == 0x10, "not the ABI value");
#ifndef SCHED_FLAG_UTIL_CLAMP_MIN
#define SCHED_FLAG_UTIL_CLAMP_MIN 0x20
#endif
_Static_assert(SCHED_FLAG_UTIL_CLAMP_MIN == 0x20, "not the ABI value");
#ifndef SCHED_FLAG_UTIL_CLAMP_MAX
#define SCHED_FLAG_UTIL_CLAMP_MAX 0x40
#endif
_Static_assert(SCHED_FLAG_UTIL_CLAMP_MAX == 0x40, "not the ABI value");

#ifndef IOPRIO_CLASS_SHIFT
/* No <linux/ioprio.h> (kernel headers before 5.18 kept it private): the values below are
   the syscall ABI, fixed since Linux 2.6.13 and documented in ioprio_set(2). */
enum { IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE };
enum { IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER };
#define IOPRIO_CLASS_SHIFT 13
#endif
#ifndef IOPRIO_CLASS_MASK
#define IOPRIO_CLASS_MASK 0x07
#endif
#ifndef IOPRIO_PRIO_MASK
#define IOPRIO_PRIO_MASK ((1UL << IOPRIO_CLASS_SHIFT) - 1)
#endif
#ifndef IOPRIO_NORM
#define IOPRIO_NORM 4
#endif

/* buf holds at least min(size, page size) and at least sizeof(struct sysapi_sched_attr)
   bytes (sched.py sizes it): the kernel writes at most min(size, its struct) bytes and
   rejects a size over a page before writing anything. */
static long sysapi_sched_getattr(int pid, void *buf, unsigned int size, unsigned int flags)
{
#ifdef SYS_sched_getattr
    SYSAPI_RET(syscall(SYS_sched_getattr, pid, buf, size, flags));
#else
    return -ENOSYS;
#endif
}

/* sched_getattr(0, attr, sizeof *attr, 0), the common call, with one argument (cffi passes one
   argument much faster than four). attr holds what the previous call on it returned (zeroed
   at first): the result is 0 when the kernel reports the same bytes again, 1 when they differ
   (attr then holds the new ones), so that Python decodes only what changed. */
static long sysapi_sched_getattr_self(struct sysapi_sched_attr *attr)
{
#ifdef SYS_sched_getattr
    struct sysapi_sched_attr now;
    memset(&now, 0, sizeof now);
    if (syscall(SYS_sched_getattr, 0, &now, sizeof now, 0) < 0)
        return -(long)errno;
    if (memcmp(&now, attr, sizeof now) == 0)
        return 0;
    *attr = now;
    return 1;
#else
    return -ENOSYS;
#endif
}

/* buf starts with a struct sched_attr whose size field the caller checked against the
   buffer's length. On E2BIG the kernel writes its own struct size into that field. */
static long sysapi_sched_setattr(int pid, void *buf, unsigned int flags)
{
#ifdef SYS_sched_setattr
    SYSAPI_RET(syscall(SYS_sched_setattr, pid, buf, flags));
#else
    return -ENOSYS;
#endif
}

static long sysapi_ioprio_get(int which, int who)
{
#ifdef SYS_ioprio_get
    SYSAPI_RET(syscall(SYS_ioprio_get, which, who));
#else
    return -ENOSYS;
#endif
}

static long sysapi_ioprio_set(int which, int who, int ioprio)
{
#ifdef SYS_ioprio_set
    SYSAPI_RET(syscall(SYS_ioprio_set, which, who, ioprio));
#else
    return -ENOSYS;
#endif
}
"""
)
