# Only what pyproject.toml cannot say: cffi's build hook, and the abi3 wheel tag.
import sysconfig

from setuptools import setup

# cffi builds the extension against the stable ABI (_sysapi.abi3.so); the wheel says so with
# cp311-abi3: one wheel for CPython 3.11 and later. A free-threaded interpreter has no stable
# ABI (cffi builds a version-specific module there), so it gets its own wheel.
options = {}
if not sysconfig.get_config_var("Py_GIL_DISABLED"):
    options["bdist_wheel"] = {"py_limited_api": "cp311"}

setup(cffi_modules=["build_ffi.py:ffibuilder"], options=options)
