"""C declarations, one module per area, each with four strings (as pyca/cryptography does):

- ``INCLUDES``: the headers the shims need;
- ``TYPES``: cdef text for types and ``#define X ...`` constants (values come from the headers);
- ``FUNCTIONS``: cdef prototypes of the ``sysapi_<name>`` shims;
- ``CUSTOMIZATIONS``: the C shims themselves (plain C: they compile without ``Python.h``);
- optionally ``NATIVE``: the area's native functions, C against CPython's limited API that
  builds Python results itself, ending in the ``PyMethodDef`` table ``sysapi_<area>_native``
  (see ``sysapi._native``; ``base.py``'s holds the installer and the record helpers). It is
  compiled after every area's shims, into the extension only.

Convention: every shim returns a non-negative result or ``-errno`` (``SYSAPI_RET``), so errno is
captured in C the moment the call returns. ``build_ffi.py`` joins ``base.py`` and the module of
every area of ``sysapi._areas.AREAS`` that has one, in that order. These modules are read by path
at build time; they are not imported at run time.
"""
