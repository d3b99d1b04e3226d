INCLUDES = """
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <malloc.h>

#ifndef M_MXFAST
/* glibc's <malloc.h> values, for a C library that lacks them (musl): mallopt is absent there
   too (it raises ENOSYS), so they only keep MallocParam's members. */
#define M_MXFAST 1
#define M_TRIM_THRESHOLD -1
#define M_TOP_PAD -2
#define M_MMAP_THRESHOLD -3
#define M_MMAP_MAX -4
#define M_CHECK_ACTION -5
#define M_PERTURB -6
#define M_ARENA_TEST -7
#define M_ARENA_MAX -8
#endif
"""

TYPES = """
#define MLOCK_ONFAULT ...
#define MCL_CURRENT ...
#define MCL_FUTURE ...
#define MCL_ONFAULT ...
#define PROT_NONE ...
#define PROT_READ ...
#define PROT_WRITE ...
#define PROT_EXEC ...
#define PROT_GROWSDOWN ...
#define PROT_GROWSUP ...
#define MAP_SHARED ...
#define MAP_PRIVATE ...
#define MAP_ANONYMOUS ...
#define MAP_LOCKED ...
#define M_MXFAST ...
#define M_TRIM_THRESHOLD ...
#define M_TOP_PAD ...
#define M_MMAP_THRESHOLD ...
#define M_MMAP_MAX ...
#define M_CHECK_ACTION ...
#define M_PERTURB ...
#define M_ARENA_TEST ...
#define M_ARENA_MAX ...
#define SYSAPI_MINCORE_NATIVE_PAGES ...
#define SYSAPI_FINCORE_NATIVE_PAGES ...

struct sysapi_mallinfo2 {
    size_t arena;
    size_t ordblks;
    size_t smblks;
    size_t hblks;
    size_t hblkhd;
    size_t usmblks;
    size_t fsmblks;
    size_t uordblks;
    size_t fordblks;
    size_t keepcost;
};
"""

FUNCTIONS = """
long sysapi_mlock(uintptr_t addr, size_t len);
long sysapi_mlock2(uintptr_t addr, size_t len, unsigned int flags);
long sysapi_munlock(uintptr_t addr, size_t len);
long sysapi_mlockall(int flags);
long sysapi_munlockall(void);
long sysapi_mincore(uintptr_t addr, size_t len, unsigned char *vec);
long sysapi_mincore_probe(uintptr_t addr, size_t len);
long sysapi_mprotect(uintptr_t addr, size_t len, int prot);
long sysapi_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t offset,
                 uintptr_t *out);
long sysapi_munmap(uintptr_t addr, size_t len);
long sysapi_fincore(int fd, uint64_t size, unsigned char *vec, size_t npages);
long sysapi_malloc_trim(size_t pad);
long sysapi_mallinfo2(struct sysapi_mallinfo2 *out);
long sysapi_mallopt(int param, int value);
"""

CUSTOMIZATIONS = """
/* Addresses cross as integers: the Python layer passes explicit addresses unchanged. */
static long sysapi_mlock(uintptr_t addr, size_t len)
{ SYSAPI_RET(mlock((const void *)addr, len)); }

static long sysapi_mlock2(uintptr_t addr, size_t len, unsigned int flags)
{ SYSAPI_RET(mlock2((const void *)addr, len, flags)); }

static long sysapi_munlock(uintptr_t addr, size_t len)
{ SYSAPI_RET(munlock((const void *)addr, len)); }

static long sysapi_mlockall(int flags)
{ SYSAPI_RET(mlockall(flags)); }

static long sysapi_munlockall(void)
{ SYSAPI_RET(munlockall()); }

/* vec must hold one byte per page of [addr, addr+len): the caller sizes it. */
static long sysapi_mincore(uintptr_t addr, size_t len, unsigned char *vec)
{ SYSAPI_RET(mincore((void *)addr, len, vec)); }

/* Walk [addr, addr+len) with mincore through a small stack vector, so a range too large to
   allocate a vector for is validated (every page mapped) before any vector is allocated.
   The first call starts at addr itself, so alignment errors are the kernel's. */
static long sysapi_mincore_probe(uintptr_t addr, size_t len)
{
    unsigned char vec[4096];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t chunk = page * sizeof(vec);
    while (len > 0) {
        size_t n = len < chunk ? len : chunk;
        if (mincore((void *)addr, n, vec) < 0)
            return -(long)errno;
        addr += n;
        len -= n;
        if (len > 0 && addr == 0)
            return -(long)ENOMEM;  /* wrapped past the top of the address space */
    }
    return 0;
}

static long sysapi_mprotect(uintptr_t addr, size_t len, int prot)
{ SYSAPI_RET(mprotect((void *)addr, len, prot)); }

static long sysapi_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t offset,
                        uintptr_t *out)
{
    void *p = mmap((void *)addr, len, prot, flags, fd, (off_t)offset);
    if (p == MAP_FAILED)
        return -(long)errno;
    *out = (uintptr_t)p;
    return 0;
}

static long sysapi_munmap(uintptr_t addr, size_t len)
{ SYSAPI_RET(munmap((void *)addr, len)); }

/* Page-cache residency of the first `size` bytes of fd, the way util-linux fincore measures
   it: map the file in bounded windows (so files larger than memory or than the free address
   space work), mincore each window into vec, and count the resident pages here rather than
   in Python. Returns the resident page count or -errno. */
static long sysapi_fincore(int fd, uint64_t size, unsigned char *vec, size_t npages)
{
    const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    const uint64_t window = page * 32768;  /* 128 MiB of address space at a time */
    long resident = 0;
    if (npages < size / page + (size % page != 0))
        return -(long)EINVAL;
    for (uint64_t off = 0; off < size; off += window) {
        size_t len = (size_t)(size - off < window ? size - off : window);
        size_t pages = (size_t)((len + page - 1) / page);
        unsigned char *v = vec + off / page;
        void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
        if (p == MAP_FAILED)
            return -(long)errno;
        if (mincore(p, len, v) < 0) {
            int err = errno;
            munmap(p, len);
            return -(long)err;
        }
        munmap(p, len);
        for (size_t i = 0; i < pages; i++)
            resident += v[i] & 1;
    }
    return resident;
}

/* glibc's struct mallinfo2 (<malloc.h> of glibc 2.33 and later), under a name of our own: the
   headers of the glibc 2.28 floor and of musl do not define it. */
struct sysapi_mallinfo2 {
    size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};

/* glibc's own allocator calls: musl has none of them and mallinfo2 is glibc 2.33, so all three
   are bound at run time (SYSAPI_LIBC_BIND). */
static int (*sysapi_libc_malloc_trim)(size_t);
static struct sysapi_mallinfo2 (*sysapi_libc_mallinfo2)(void);
static int (*sysapi_libc_mallopt)(int, int);

/* glibc returns 1 when memory was released, 0 otherwise; never an error. */
static long sysapi_malloc_trim(size_t pad)
{
    if (!SYSAPI_LIBC_BIND(sysapi_libc_malloc_trim, "malloc_trim"))
        return -ENOSYS;
    return (long)sysapi_libc_malloc_trim(pad);
}

static long sysapi_mallinfo2(struct sysapi_mallinfo2 *out)
{
    if (!SYSAPI_LIBC_BIND(sysapi_libc_mallinfo2, "mallinfo2"))
        return -ENOSYS;
    *out = sysapi_libc_mallinfo2();
    return 0;
}

/* mallopt returns 1 on success and 0 when it rejects the value; it never sets errno. */
static long sysapi_mallopt(int param, int value)
{
    if (!SYSAPI_LIBC_BIND(sysapi_libc_mallopt, "mallopt"))
        return -ENOSYS;
    return (long)sysapi_libc_mallopt(param, value);
}
"""

NATIVE = """
/* ---- native functions (sysapi._native) ----
   mincore with the GIL held: it reads page tables and never waits for I/O; its result vector
   is the bytes object itself. fincore of a small file releases the GIL (see there).
   The caps keep the time spent with the GIL held short; larger ranges and files take the cffi
   shims (which release the GIL), and sizes larger still are walked first (mincore_probe). */
#define SYSAPI_MINCORE_NATIVE_PAGES (1L << 22)
#define SYSAPI_FINCORE_NATIVE_PAGES 4096L

static struct sysapi_record sysapi_file_residency, sysapi_mallinfo2_record;
static struct sysapi_last sysapi_last_mallinfo2;

/* memory_bind(file_residency, mallinfo2): the record classes. */
static PyObject *sysapi_native_memory_bind(PyObject *self, PyObject *const *args,
                                           Py_ssize_t nargs)
{
    static const char *const residency[] = {"size", "pages", "resident_pages", "vector", NULL};
    static const char *const mallinfo2[] = {"arena", "ordblks", "smblks", "hblks", "hblkhd",
        "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost", NULL};
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "memory_bind(file_residency, mallinfo2)");
        return NULL;
    }
    if (sysapi_record_bind(&sysapi_file_residency, args[0], residency) < 0
        || sysapi_record_bind(&sysapi_mallinfo2_record, args[1], mallinfo2) < 0)
        return NULL;
    sysapi_last_set(&sysapi_last_mallinfo2, NULL, 0, NULL);  /* of a class bound before */
    Py_RETURN_NONE;
}

/* A new bytes object of n uninitialized bytes (n <= a cap above), and its buffer in *data. */
static PyObject *sysapi_new_vector(size_t n, unsigned char **data)
{
    PyObject *vec = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    *data = vec != NULL ? (unsigned char *)PyBytes_AsString(vec) : NULL;
    if (*data == NULL)
        Py_CLEAR(vec);
    return vec;
}

/* mincore(addr, length) -> bytes, one per page, or the errno as an int; None unless both are
   ints (not bools) and the range fits the native call: the caller then takes its general path,
   which checks and converts any argument. */
static PyObject *sysapi_native_mincore(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    size_t addr, len, pages, page = (size_t)getpagesize();
    unsigned char *data;
    PyObject *vec;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "mincore(addr, length) takes 2 arguments");
        return NULL;
    }
    if (!PyLong_CheckExact(args[0]) || !PyLong_CheckExact(args[1]))
        Py_RETURN_NONE;
    addr = PyLong_AsSize_t(args[0]);  /* uintptr_t is size_t on Linux */
    len = addr == (size_t)-1 && PyErr_Occurred() ? 0 : PyLong_AsSize_t(args[1]);
    if (PyErr_Occurred()) {  /* negative, or wider than size_t */
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    pages = len / page + (len % page != 0);
    if (pages > (size_t)SYSAPI_MINCORE_NATIVE_PAGES)
        Py_RETURN_NONE;
    vec = sysapi_new_vector(pages, &data);
    if (vec == NULL)
        return NULL;
    if (mincore((void *)addr, len, data) < 0) {
        int err = errno;
        Py_DECREF(vec);
        return PyLong_FromLong(err);
    }
    return vec;
}

/* fincore(fd) -> the FileResidency of the file open as fd, or the errno as an int; None when
   the file is larger than the native cap, or fd is no C int: Python takes the cffi path. The
   fstat, the mapping and mincore run with the GIL released (fstat may wait on a network file
   system), into a buffer on this stack: nothing Python-visible is touched meanwhile. */
static PyObject *sysapi_native_fincore(PyObject *self, PyObject *arg)
{
    unsigned char vec[SYSAPI_FINCORE_NATIVE_PAGES];
    const uint64_t page = (uint64_t)getpagesize();
    uint64_t size = 0;
    size_t pages = 0;
    long fd = PyLong_AsLong(arg), resident = 0;
    struct stat st;
    PyObject *values[4];
    (void)self;
    if (fd == -1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return NULL;  /* TypeError: not an integer */
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (fd < INT_MIN || fd > INT_MAX)
        Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    if (fstat((int)fd, &st) < 0) {
        resident = -(long)errno;
    } else {
        size = (uint64_t)st.st_size;
        pages = (size_t)(size / page + (size % page != 0));
        if (pages <= (size_t)SYSAPI_FINCORE_NATIVE_PAGES)
            resident = sysapi_fincore((int)fd, size, vec, pages);
    }
    Py_END_ALLOW_THREADS
    if (resident < 0)
        return PyLong_FromLong(-resident);
    if (pages > (size_t)SYSAPI_FINCORE_NATIVE_PAGES)
        Py_RETURN_NONE;
    values[0] = PyLong_FromUnsignedLongLong(size);
    values[1] = PyLong_FromSize_t(pages);
    values[2] = PyLong_FromLong(resident);
    values[3] = PyBytes_FromStringAndSize((const char *)vec, (Py_ssize_t)pages);
    return sysapi_record_new(&sysapi_file_residency, values, 4);
}

/* mallinfo2() -> Mallinfo2, or ENOSYS (a C library without it) as an int. It takes the
   allocator's arena locks for a moment and never waits for anything else. */
static PyObject *sysapi_native_mallinfo2(PyObject *self, PyObject *unused)
{
    struct sysapi_mallinfo2 m;
    long rc = sysapi_mallinfo2(&m);
    PyObject *values[10], *result;
    (void)self;
    (void)unused;
    if (rc < 0)
        return PyLong_FromLong(-rc);
    result = sysapi_last_get(&sysapi_last_mallinfo2, &m, sizeof m);  /* the heap unchanged */
    if (result != NULL)
        return result;
    values[0] = PyLong_FromSize_t(m.arena);
    values[1] = PyLong_FromSize_t(m.ordblks);
    values[2] = PyLong_FromSize_t(m.smblks);
    values[3] = PyLong_FromSize_t(m.hblks);
    values[4] = PyLong_FromSize_t(m.hblkhd);
    values[5] = PyLong_FromSize_t(m.usmblks);
    values[6] = PyLong_FromSize_t(m.fsmblks);
    values[7] = PyLong_FromSize_t(m.uordblks);
    values[8] = PyLong_FromSize_t(m.fordblks);
    values[9] = PyLong_FromSize_t(m.keepcost);
    result = sysapi_record_new(&sysapi_mallinfo2_record, values, 10);
    sysapi_last_set(&sysapi_last_mallinfo2, &m, sizeof m, result);
    return result;
}

static PyMethodDef sysapi_memory_native[] = {
    {"memory_bind", (PyCFunction)(void (*)(void))sysapi_native_memory_bind, METH_FASTCALL,
     "memory_bind(file_residency, mallinfo2, /)\\n--\\n\\n"
     "Bind the record classes the native functions build."},
    {"mallinfo2", sysapi_native_mallinfo2, METH_NOARGS,
     "mallinfo2()\\n--\\n\\nThe allocator statistics as a Mallinfo2, or the errno."},
    {"mincore", (PyCFunction)(void (*)(void))sysapi_native_mincore, METH_FASTCALL,
     "mincore(addr, length, /)\\n--\\n\\nOne byte per page of the range, or the errno."},
    {"fincore", sysapi_native_fincore, METH_O,
     "fincore(fd, /)\\n--\\n\\nThe FileResidency of a small file, None, or the errno."},
    {NULL, NULL, 0, NULL},
};
"""
