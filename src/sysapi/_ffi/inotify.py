INCLUDES = """
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
"""

TYPES = """
#define IN_ACCESS ...
#define IN_MODIFY ...
#define IN_ATTRIB ...
#define IN_CLOSE_WRITE ...
#define IN_CLOSE_NOWRITE ...
#define IN_CLOSE ...
#define IN_OPEN ...
#define IN_MOVED_FROM ...
#define IN_MOVED_TO ...
#define IN_MOVE ...
#define IN_CREATE ...
#define IN_DELETE ...
#define IN_DELETE_SELF ...
#define IN_MOVE_SELF ...
#define IN_UNMOUNT ...
#define IN_Q_OVERFLOW ...
#define IN_IGNORED ...
#define IN_ONLYDIR ...
#define IN_DONT_FOLLOW ...
#define IN_EXCL_UNLINK ...
#define IN_MASK_CREATE ...
#define IN_MASK_ADD ...
#define IN_ISDIR ...
#define IN_ONESHOT ...
#define IN_ALL_EVENTS ...
#define IN_CLOEXEC ...
#define IN_NONBLOCK ...
#define SYSAPI_INOTIFY_EVENT_SIZE ...
"""

FUNCTIONS = """
long sysapi_inotify_init1(int flags);
long sysapi_inotify_add_watch(int fd, const char *path, uint32_t mask);
long sysapi_inotify_rm_watch(int fd, int wd);
long sysapi_inotify_fionread(int fd, int *count);
long sysapi_inotify_wait_read(int fd, int wakefd, int64_t timeout_ns, char *buf, size_t size,
                              int *woken);
long sysapi_inotify_scan(const char *buf, size_t size, size_t max_events, int32_t *wd,
                         uint32_t *mask, uint32_t *cookie, char *names, size_t *names_len,
                         uint32_t *mask_or, size_t *bad_offset);
"""

CUSTOMIZATIONS = """
#define SYSAPI_INOTIFY_EVENT_SIZE ((int)sizeof(struct inotify_event))

static long sysapi_inotify_init1(int flags)
{ SYSAPI_RET(inotify_init1(flags)); }

static long sysapi_inotify_add_watch(int fd, const char *path, uint32_t mask)
{ SYSAPI_RET(inotify_add_watch(fd, path, mask)); }

static long sysapi_inotify_rm_watch(int fd, int wd)
{ SYSAPI_RET(inotify_rm_watch(fd, wd)); }

static long sysapi_inotify_fionread(int fd, int *count)
{ SYSAPI_RET(ioctl(fd, FIONREAD, count)); }

/* Wait until fd is readable (or wakefd, when >= 0, is: the owner closed the instance), for at
   most timeout_ns (< 0: forever), then read once. Returns the bytes read; 0 when the time ran
   out or the wake-up fd fired (*woken = 1); -errno (EINTR included: the caller recomputes the
   remaining time and retries). The caller serializes readers, so the read cannot block. */
static long sysapi_inotify_wait_read(int fd, int wakefd, int64_t timeout_ns, char *buf,
                                     size_t size, int *woken)
{
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {wakefd, POLLIN, 0}};
    struct timespec ts, *tsp = NULL;
    int ready;

    *woken = 0;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    ready = ppoll(fds, wakefd >= 0 ? 2 : 1, tsp, NULL);
    if (ready < 0)
        return -(long)errno;
    if (wakefd >= 0 && fds[1].revents) {
        *woken = 1;
        return 0;
    }
    if (ready == 0)
        return 0;
    if (fds[0].revents & POLLNVAL)
        return -(long)EBADF;
    SYSAPI_RET(read(fd, buf, size));
}

/* One pass over a buffer of struct inotify_event records: wd/mask/cookie into the arrays, each
   name (up to its first NUL, the rest is padding) into names followed by one NUL. Returns the
   number of events (*mask_or: the OR of their masks), or -EINVAL with *bad_offset at the first
   truncated record. Bounds: at most size / sizeof(struct inotify_event) events, and names needs
   at most size bytes because every record of 16 + len bytes writes at most len + 1 of them. */
static long sysapi_inotify_scan(const char *buf, size_t size, size_t max_events, int32_t *wd,
                                uint32_t *mask, uint32_t *cookie, char *names, size_t *names_len,
                                uint32_t *mask_or, size_t *bad_offset)
{
    const size_t header = sizeof(struct inotify_event);
    size_t pos = 0, out = 0, count = 0;
    uint32_t seen = 0;

    while (pos < size) {
        struct inotify_event ev;
        size_t len;
        if (size - pos < header || count >= max_events) {
            *bad_offset = pos;
            return -(long)EINVAL;
        }
        memcpy(&ev, buf + pos, header);  /* the caller's buffer need not be aligned */
        len = ev.len;
        if (len > size - pos - header) {
            *bad_offset = pos;
            return -(long)EINVAL;
        }
        wd[count] = ev.wd;
        mask[count] = ev.mask;
        seen |= ev.mask;
        cookie[count] = ev.cookie;
        len = strnlen(buf + pos + header, len);
        memcpy(names + out, buf + pos + header, len);
        out += len;
        names[out++] = 0;
        pos += header + ev.len;
        count++;
    }
    *names_len = out;
    *mask_or = seen;
    return (long)count;
}
"""
