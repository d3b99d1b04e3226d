INCLUDES = """
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
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
long sysapi_native_install(void);
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

NATIVE = """
/* ---- native functions ----
   A few hot calls build their Python results in C instead of returning through cffi: the
   NATIVE source of an area ends with its PyMethodDef table sysapi_<area>_native (build_ffi.py
   lists them in sysapi_native_tables, at the end of the source). It is written against
   CPython's limited API of 3.11 (build_ffi.py sets Py_LIMITED_API: the module stays abi3). The
   functions run with the GIL held; one whose system call can block (waitid, sigtimedwait,
   fincore's fstat) releases it around that call alone (Py_BEGIN_ALLOW_THREADS), which then
   reads and writes only C locals. A failed call returns its errno, EINTR included: Python
   runs the signal handlers when the function returns and retries (PEP 475). */
static PyMethodDef *const *sysapi_native_tables(void);

/* Attach every area's native functions to the module sysapi._sysapi, as module functions.
   Called once, through cffi (sysapi._native). Returns 0, or -1 (out of memory). */
static long sysapi_native_install(void)
{
    PyGILState_STATE gil = PyGILState_Ensure();  /* cffi released the GIL around this call */
    PyObject *module = PyImport_ImportModule("sysapi._sysapi");  /* already in sys.modules */
    PyObject *name = module != NULL ? PyObject_GetAttrString(module, "__name__") : NULL;
    long result = name != NULL ? 0 : -1;
    for (PyMethodDef *const *table = sysapi_native_tables(); result == 0 && *table; table++) {
        for (PyMethodDef *def = *table; result == 0 && def->ml_name != NULL; def++) {
            PyObject *function = PyCFunction_NewEx(def, NULL, name);
            if (function == NULL || PyObject_SetAttrString(module, def->ml_name, function) < 0)
                result = -1;
            Py_XDECREF(function);
        }
    }
    if (result < 0)
        PyErr_Clear();  /* nobody would see it: cffi returns the long; sysapi._native raises */
    Py_XDECREF(name);
    Py_XDECREF(module);
    PyGILState_Release(gil);
    return result;
}

/* A record class of sysapi._record as C builds its instances: allocated by the class's
   tp_alloc, every field stored through the class's slot descriptor (whose __set__ is not the
   frozen __setattr__), so the object is the one Python's __init__ would have made. Bound once
   per class by the area's bind function; the references are kept for the process's life. */
#define SYSAPI_RECORD_FIELDS 24
struct sysapi_record {
    PyTypeObject *cls;
    allocfunc alloc;
    descrsetfunc set;
    Py_ssize_t nfields;
    PyObject *fields[SYSAPI_RECORD_FIELDS];
};

/* Bind r to the record class cls whose fields are exactly `names` (NULL-terminated, in the
   order sysapi_record_new takes the values). Returns 0, or -1 with TypeError when cls is not
   such a record. */
static int sysapi_record_bind(struct sysapi_record *r, PyObject *cls, const char *const *names)
{
    struct sysapi_record bound;
    PyObject *slots = NULL, *dict = NULL;
    Py_ssize_t n = 0, i;
    memset(&bound, 0, sizeof bound);
    while (names[n] != NULL)
        n++;
    if (!PyType_Check(cls) || n > SYSAPI_RECORD_FIELDS)
        goto not_a_record;
    slots = PyObject_GetAttrString(cls, "__slots__");
    dict = PyObject_GetAttrString(cls, "__dict__");
    if (slots == NULL || dict == NULL || PyObject_Length(slots) != n)
        goto not_a_record;
    for (i = 0; i < n; i++) {
        PyObject *field = PyMapping_GetItemString(dict, names[i]);
        descrsetfunc set;
        if (field == NULL)
            goto not_a_record;
        bound.fields[i] = field;
        set = (descrsetfunc)PyType_GetSlot(Py_TYPE(field), Py_tp_descr_set);
        if (set == NULL || (i > 0 && set != bound.set))
            goto not_a_record;
        bound.set = set;
    }
    bound.alloc = (allocfunc)PyType_GetSlot((PyTypeObject *)cls, Py_tp_alloc);
    if (bound.alloc == NULL)
        goto not_a_record;
    Py_INCREF(cls);
    bound.cls = (PyTypeObject *)cls;
    bound.nfields = n;
    Py_DECREF(slots);
    Py_DECREF(dict);
    Py_XDECREF((PyObject *)r->cls);  /* a class bound before (a reloaded module) */
    for (i = 0; i < r->nfields; i++)
        Py_DECREF(r->fields[i]);
    *r = bound;
    return 0;

not_a_record:
    for (i = 0; i < n && i < SYSAPI_RECORD_FIELDS; i++)
        Py_XDECREF(bound.fields[i]);
    Py_XDECREF(slots);
    Py_XDECREF(dict);
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "not a slotted record class with the expected fields");
    return -1;
}

/* 0 when r is bound, else -1 with RuntimeError: a native function whose area module was never
   imported (its bind function binds everything the function uses, the record last). */
static int sysapi_record_bound(const struct sysapi_record *r)
{
    if (r->cls != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "sysapi: a native record class is not bound");
    return -1;
}

/* A new instance of r's class holding the n values, in the bound order. Steals the
   references to the values, also on failure; a NULL value (a failed conversion, its exception
   set) fails the whole. */
static PyObject *sysapi_record_new(const struct sysapi_record *r, PyObject *const *values,
                                   Py_ssize_t n)
{
    PyObject *obj = NULL;
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        if (values[i] == NULL)
            goto done;
    if (r->cls == NULL || n != r->nfields) {
        PyErr_SetString(PyExc_RuntimeError, "sysapi: a native record class is not bound");
        goto done;
    }
    obj = r->alloc(r->cls, 0);
    for (i = 0; obj != NULL && i < n; i++)
        if (r->set(r->fields[i], obj, values[i]) < 0)
            Py_CLEAR(obj);
done:
    for (i = 0; i < n; i++)
        Py_XDECREF(values[i]);
    return obj;
}

/* The result a native function built last and the bytes it was built from: a call whose C
   data comes back byte for byte the same (a segment nobody changed, the same signal with the
   same payload from the same sender) returns that immutable result
   again instead of building an equal one. Structs are zeroed before they are filled, so their
   padding compares too. The GIL guards it; without a GIL (3.13t, no stable ABI) nothing is
   kept. */
#define SYSAPI_LAST_BYTES 128
struct sysapi_last {
    PyObject *result;
    size_t size;
    unsigned char bytes[SYSAPI_LAST_BYTES];
};

/* The kept result (a new reference) when `size` bytes at data are the ones it was built from,
   else NULL (no exception). */
static PyObject *sysapi_last_get(const struct sysapi_last *last, const void *data, size_t size)
{
#ifndef Py_GIL_DISABLED
    if (last->result != NULL && size == last->size && memcmp(last->bytes, data, size) == 0) {
        Py_INCREF(last->result);
        return last->result;
    }
#else
    (void)last, (void)data, (void)size;
#endif
    return NULL;
}

/* Keep result (NULL: a failed build, kept as nothing) as built from `size` bytes at data. */
static void sysapi_last_set(struct sysapi_last *last, const void *data, size_t size,
                            PyObject *result)
{
#ifndef Py_GIL_DISABLED
    PyObject *old = last->result;
    if (result == NULL || size > SYSAPI_LAST_BYTES) {
        last->result = NULL;
    } else {
        Py_INCREF(result);
        last->result = result;
        last->size = size;
        memcpy(last->bytes, data, size);
    }
    Py_XDECREF(old);  /* last: nothing above may run Python code in between */
#else
    (void)last, (void)data, (void)size, (void)result;
#endif
}

/* Copy the first `size` bytes of the buffer `obj` (a C struct a shim filled) to out. Returns 0,
   or -1 with TypeError (not a buffer) or ValueError (too small). */
static int sysapi_copy_struct(PyObject *obj, void *out, size_t size)
{
    Py_buffer view;
    int result = -1;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return -1;
    if ((size_t)view.len < size) {
        PyErr_SetString(PyExc_ValueError, "sysapi: the buffer is smaller than the struct");
    } else {
        memcpy(out, view.buf, size);
        result = 0;
    }
    PyBuffer_Release(&view);
    return result;
}

/* A C int argument: TypeError for a non-integer, OverflowError out of range (as cffi). */
static int sysapi_as_int(PyObject *obj, int *out)
{
    long value = PyLong_AsLong(obj);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (value < INT_MIN || value > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "integer out of the range of a C int");
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* cache[value] as a new reference (the enum member of a number, say). When absent: cls(value),
   kept in cache while it holds fewer than max entries; or, without cls, the int itself. */
static PyObject *sysapi_lookup(PyObject *cache, PyObject *cls, long value, Py_ssize_t max)
{
    PyObject *key = PyLong_FromLong(value), *found = NULL;
    int known;
    if (key == NULL)
        return NULL;
#ifdef Py_GIL_DISABLED
    /* No GIL (3.13t and later, no stable ABI): a borrowed value could be freed meanwhile. */
    known = PyDict_GetItemRef(cache, key, &found);
#else
    found = PyDict_GetItemWithError(cache, key);
    known = found != NULL ? 1 : PyErr_Occurred() ? -1 : 0;
    Py_XINCREF(found);
#endif
    if (known == 0) {
        if (cls == NULL)
            return key;
        found = PyObject_CallFunctionObjArgs(cls, key, NULL);
        if (found != NULL && PyDict_Size(cache) < max && PyDict_SetItem(cache, key, found) < 0)
            Py_CLEAR(found);
    }
    Py_DECREF(key);
    return found;
}
"""
