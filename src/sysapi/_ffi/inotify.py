INCLUDES = """
#include <poll.h>
#include <stddef.h>
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
"""

NATIVE = """
/* ---- native functions (sysapi._native) ----
   Python reads the bytes (sysapi_inotify_wait_read, which releases the GIL); C only turns them
   into InotifyEvent objects. */
static struct sysapi_record sysapi_inotify_event;
static PyObject *sysapi_inotify_mask_type;   /* InotifyMask */
static PyObject *sysapi_inotify_masks;       /* sysapi.inotify._MASKS: value -> InotifyMask */
static Py_ssize_t sysapi_inotify_masks_max;  /* the most values _MASKS keeps */

/* inotify_bind(event, mask, masks, masks_max): the record class, the mask class, the dict of
   known masks and its size limit. */
static PyObject *sysapi_native_inotify_bind(PyObject *self, PyObject *const *args,
                                            Py_ssize_t nargs)
{
    static const char *const fields[] = {"wd", "mask", "cookie", "name", NULL};
    Py_ssize_t max;
    PyObject *old_type = sysapi_inotify_mask_type, *old_masks = sysapi_inotify_masks;
    (void)self;
    if (nargs != 4 || !PyType_Check(args[1]) || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "inotify_bind(event, mask, masks, masks_max)");
        return NULL;
    }
    max = PyLong_AsSsize_t(args[3]);
    if (max == -1 && PyErr_Occurred())
        return NULL;
    if (sysapi_record_bind(&sysapi_inotify_event, args[0], fields) < 0)
        return NULL;  /* nothing else is bound before the record is */
    Py_INCREF(args[1]);
    Py_INCREF(args[2]);
    sysapi_inotify_mask_type = args[1];
    sysapi_inotify_masks = args[2];
    sysapi_inotify_masks_max = max;
    Py_XDECREF(old_type);
    Py_XDECREF(old_masks);
    Py_RETURN_NONE;
}

/* The number of whole records in buf[0, size), or -1 with *bad at the first truncated one. */
static Py_ssize_t sysapi_inotify_count(const char *buf, size_t size, size_t *bad)
{
    const size_t header = sizeof(struct inotify_event);
    size_t pos = 0;
    Py_ssize_t count = 0;
    while (pos < size) {
        uint32_t len;
        if (size - pos < header) {
            *bad = pos;
            return -1;
        }
        /* The caller's buffer need not be aligned. */
        memcpy(&len, buf + pos + offsetof(struct inotify_event, len), sizeof len);
        if (len > size - pos - header) {
            *bad = pos;
            return -1;
        }
        pos += header + len;
        count++;
    }
    return count;
}

/* The masks one call has met: a queue holds a handful of values, often alternating. */
#define SYSAPI_MASK_CACHE 8
struct sysapi_mask_cache {
    int used, next;
    uint32_t value[SYSAPI_MASK_CACHE];
    PyObject *mask[SYSAPI_MASK_CACHE];
};

/* InotifyMask(value), a new reference: from the call's cache, else from _MASKS, else made
   (InotifyMask(value) keeps the unknown bits) and kept in _MASKS while it has room. */
static PyObject *sysapi_inotify_mask(struct sysapi_mask_cache *cache, uint32_t value)
{
    PyObject *mask;
    int i;
    for (i = 0; i < cache->used; i++) {
        if (cache->value[i] == value) {
            Py_INCREF(cache->mask[i]);
            return cache->mask[i];
        }
    }
    mask = sysapi_lookup(sysapi_inotify_masks, sysapi_inotify_mask_type, (long)value,
                         sysapi_inotify_masks_max);
    if (mask == NULL)
        return NULL;
    if (cache->used < SYSAPI_MASK_CACHE) {
        i = cache->used++;
    } else {
        i = cache->next;
        cache->next = (cache->next + 1) % SYSAPI_MASK_CACHE;
        Py_DECREF(cache->mask[i]);
    }
    cache->value[i] = value;
    Py_INCREF(mask);
    cache->mask[i] = mask;
    return mask;
}

/* inotify_events(buffer, size) -> (the events of buffer[0, size), the OR of their masks), or
   the offset of the first truncated record as an int. Each name is read up to its first NUL
   (the rest is padding) and decoded as os.fsdecode does; consecutive events about the same
   name (an open and its close) share one str. */
static PyObject *sysapi_native_inotify_events(PyObject *self, PyObject *const *args,
                                              Py_ssize_t nargs)
{
    const size_t header = sizeof(struct inotify_event);
    struct sysapi_mask_cache cache;
    Py_buffer view;
    Py_ssize_t size, count, i;
    size_t bad = 0, pos = 0, last_len = 0;
    const char *buf, *last_name = NULL;
    PyObject *events = NULL, *result = NULL, *last_str = NULL;
    uint32_t seen = 0;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "inotify_events(buffer, size) takes 2 arguments");
        return NULL;
    }
    size = PyLong_AsSsize_t(args[1]);
    if ((size == -1 && PyErr_Occurred()) || sysapi_record_bound(&sysapi_inotify_event) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    memset(&cache, 0, sizeof cache);
    buf = (const char *)view.buf;
    if (size < 0 || size > view.len) {
        PyErr_SetString(PyExc_ValueError, "inotify_events: size is not within the buffer");
        goto done;
    }
    count = sysapi_inotify_count(buf, (size_t)size, &bad);
    if (count < 0) {
        result = PyLong_FromSize_t(bad);
        goto done;
    }
    events = PyList_New(count);
    for (i = 0; events != NULL && i < count; i++) {
        struct inotify_event ev;
        const char *name = buf + pos + header;
        size_t name_len;
        PyObject *values[4], *event;
        memcpy(&ev, buf + pos, header);
        name_len = strnlen(name, ev.len);
        seen |= ev.mask;
        values[0] = PyLong_FromLong(ev.wd);
        values[1] = sysapi_inotify_mask(&cache, ev.mask);
        values[2] = PyLong_FromUnsignedLong(ev.cookie);
        if (last_str != NULL && name_len == last_len && memcmp(name, last_name, name_len) == 0) {
            Py_INCREF(last_str);  /* last_str is held by the previous event, in the list */
            values[3] = last_str;
        } else {
            values[3] = PyUnicode_DecodeFSDefaultAndSize(name, (Py_ssize_t)name_len);
            last_str = values[3];
            last_name = name;
            last_len = name_len;
        }
        event = sysapi_record_new(&sysapi_inotify_event, values, 4);
        if (event == NULL)
            goto done;
        PyList_SetItem(events, i, event);  /* steals; cannot fail for i < count */
        pos += header + ev.len;
    }
    if (events != NULL)
        result = Py_BuildValue("(Ok)", events, (unsigned long)seen);
done:
    Py_XDECREF(events);
    for (i = 0; i < cache.used; i++)
        Py_DECREF(cache.mask[i]);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef sysapi_inotify_native[] = {
    {"inotify_bind", (PyCFunction)(void (*)(void))sysapi_native_inotify_bind, METH_FASTCALL,
     "inotify_bind(event, mask, masks, masks_max, /)\\n--\\n\\n"
     "Bind the classes and the mask cache the native functions use."},
    {"inotify_events", (PyCFunction)(void (*)(void))sysapi_native_inotify_events, METH_FASTCALL,
     "inotify_events(buffer, size, /)\\n--\\n\\n"
     "The events of buffer[:size] and the OR of their masks, or a truncated record's offset."},
    {NULL, NULL, 0, NULL},
};
"""
