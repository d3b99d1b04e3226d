INCLUDES = """
#include <sys/xattr.h>
#include <linux/limits.h>
"""

TYPES = """
#define XATTR_CREATE ...
#define XATTR_REPLACE ...
#define XATTR_NAME_MAX ...
#define XATTR_SIZE_MAX ...
#define XATTR_LIST_MAX ...
#define SYSAPI_XATTR_CAP ...
"""

FUNCTIONS = """
long sysapi_getxattr(const char *path, const char *name, char *value, size_t size);
long sysapi_lgetxattr(const char *path, const char *name, char *value, size_t size);
long sysapi_fgetxattr(int fd, const char *name, char *value, size_t size);
long sysapi_setxattr(const char *path, const char *name, const char *value, size_t size,
                     int flags);
long sysapi_lsetxattr(const char *path, const char *name, const char *value, size_t size,
                      int flags);
long sysapi_fsetxattr(int fd, const char *name, const char *value, size_t size, int flags);
long sysapi_listxattr(const char *path, char *list, size_t size);
long sysapi_llistxattr(const char *path, char *list, size_t size);
long sysapi_flistxattr(int fd, char *list, size_t size);
long sysapi_removexattr(const char *path, const char *name);
long sysapi_lremovexattr(const char *path, const char *name);
long sysapi_fremovexattr(int fd, const char *name);

long sysapi_getxattr_auto(const char *path, const char *name, char *buf);
long sysapi_lgetxattr_auto(const char *path, const char *name, char *buf);
long sysapi_fgetxattr_auto(int fd, const char *name, char *buf);
long sysapi_listxattr_auto(const char *path, char *buf);
long sysapi_llistxattr_auto(const char *path, char *buf);
long sysapi_flistxattr_auto(int fd, char *buf);
long sysapi_xattr_lost_races(void);
"""

CUSTOMIZATIONS = """
static long sysapi_getxattr(const char *path, const char *name, char *value, size_t size)
{ SYSAPI_RET(getxattr(path, name, value, size)); }
static long sysapi_lgetxattr(const char *path, const char *name, char *value, size_t size)
{ SYSAPI_RET(lgetxattr(path, name, value, size)); }
static long sysapi_fgetxattr(int fd, const char *name, char *value, size_t size)
{ SYSAPI_RET(fgetxattr(fd, name, value, size)); }

static long sysapi_setxattr(const char *path, const char *name, const char *value, size_t size,
                            int flags)
{ SYSAPI_RET(setxattr(path, name, value, size, flags)); }
static long sysapi_lsetxattr(const char *path, const char *name, const char *value, size_t size,
                             int flags)
{ SYSAPI_RET(lsetxattr(path, name, value, size, flags)); }
static long sysapi_fsetxattr(int fd, const char *name, const char *value, size_t size, int flags)
{ SYSAPI_RET(fsetxattr(fd, name, value, size, flags)); }

static long sysapi_listxattr(const char *path, char *list, size_t size)
{ SYSAPI_RET(listxattr(path, list, size)); }
static long sysapi_llistxattr(const char *path, char *list, size_t size)
{ SYSAPI_RET(llistxattr(path, list, size)); }
static long sysapi_flistxattr(int fd, char *list, size_t size)
{ SYSAPI_RET(flistxattr(fd, list, size)); }

static long sysapi_removexattr(const char *path, const char *name)
{ SYSAPI_RET(removexattr(path, name)); }
static long sysapi_lremovexattr(const char *path, const char *name)
{ SYSAPI_RET(lremovexattr(path, name)); }
static long sysapi_fremovexattr(int fd, const char *name)
{ SYSAPI_RET(fremovexattr(fd, name)); }

/* Race-safe reads. The kernel allocates (and for values zeroes) as many bytes as the size
   passed, so a first attempt passes a small size even though buf holds cap bytes: most values
   and name lists fit, and then one system call does it all. Otherwise probe the size (size 0),
   read exactly that, and start again when the value grew in between (ERANGE). After a few
   lost races read with cap (XATTR_SIZE_MAX), which the kernel never answers with ERANGE.
   buf must hold SYSAPI_XATTR_CAP bytes. */
enum { SYSAPI_XATTR_PATH, SYSAPI_XATTR_LINK, SYSAPI_XATTR_FD };
#define SYSAPI_XATTR_FIRST 256
/* The size of the buffers Python passes to the _auto shims: the most the kernel ever copies. */
#define SYSAPI_XATTR_CAP (XATTR_SIZE_MAX > XATTR_LIST_MAX ? XATTR_SIZE_MAX : XATTR_LIST_MAX)
#define SYSAPI_XATTR_RETRIES 3

static ssize_t sysapi_xattr_get1(int kind, const char *path, int fd, const char *name,
                                 char *buf, size_t size)
{
    switch (kind) {
    case SYSAPI_XATTR_PATH: return getxattr(path, name, buf, size);
    case SYSAPI_XATTR_LINK: return lgetxattr(path, name, buf, size);
    default: return fgetxattr(fd, name, buf, size);
    }
}

static ssize_t sysapi_xattr_list1(int kind, const char *path, int fd, char *buf, size_t size)
{
    switch (kind) {
    case SYSAPI_XATTR_PATH: return listxattr(path, buf, size);
    case SYSAPI_XATTR_LINK: return llistxattr(path, buf, size);
    default: return flistxattr(fd, buf, size);
    }
}

/* How many times a read probed a size and then found the value (or list) longer: the races
   the _auto shims lost and recovered from. For tests and diagnostics. */
static unsigned long sysapi_xattr_lost_races_;

static long sysapi_xattr_lost_races(void)
{ return (long)__atomic_load_n(&sysapi_xattr_lost_races_, __ATOMIC_RELAXED); }

/* name == NULL: list the names instead of reading a value. */
static long sysapi_xattr_auto(int kind, const char *path, int fd, const char *name, char *buf,
                              size_t cap)
{
    ssize_t n;
    size_t size = cap < SYSAPI_XATTR_FIRST ? cap : SYSAPI_XATTR_FIRST;
    for (int attempt = 0; ; attempt++) {
        n = name ? sysapi_xattr_get1(kind, path, fd, name, buf, size)
                 : sysapi_xattr_list1(kind, path, fd, buf, size);
        if (n >= 0)
            return n;
        if (errno != ERANGE || size >= cap)
            return -(long)errno;
        if (attempt > 0)
            __atomic_fetch_add(&sysapi_xattr_lost_races_, 1, __ATOMIC_RELAXED);
        if (attempt >= SYSAPI_XATTR_RETRIES) {
            size = cap;
            continue;
        }
        n = name ? sysapi_xattr_get1(kind, path, fd, name, NULL, 0)
                 : sysapi_xattr_list1(kind, path, fd, NULL, 0);
        if (n < 0)
            return -(long)errno;
        /* Empty now: a read with size 0 would probe again instead of reading. */
        if (n == 0)
            return 0;
        size = (size_t)n < cap ? (size_t)n : cap;
    }
}

static long sysapi_getxattr_auto(const char *path, const char *name, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_PATH, path, -1, name, buf, SYSAPI_XATTR_CAP); }
static long sysapi_lgetxattr_auto(const char *path, const char *name, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_LINK, path, -1, name, buf, SYSAPI_XATTR_CAP); }
static long sysapi_fgetxattr_auto(int fd, const char *name, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_FD, NULL, fd, name, buf, SYSAPI_XATTR_CAP); }
static long sysapi_listxattr_auto(const char *path, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_PATH, path, -1, NULL, buf, SYSAPI_XATTR_CAP); }
static long sysapi_llistxattr_auto(const char *path, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_LINK, path, -1, NULL, buf, SYSAPI_XATTR_CAP); }
static long sysapi_flistxattr_auto(int fd, char *buf)
{ return sysapi_xattr_auto(SYSAPI_XATTR_FD, NULL, fd, NULL, buf, SYSAPI_XATTR_CAP); }
"""
