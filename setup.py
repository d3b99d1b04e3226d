# Only what cffi needs: setuptools has no pyproject.toml key for cffi_modules.
from setuptools import setup

setup(cffi_modules=["build_ffi.py:ffibuilder"])
