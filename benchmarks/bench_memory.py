"""memory benchmark: page-cache residency of a 1 GiB file (run: python benchmarks/bench_memory.py).

The file is created in $BENCH_DIR (default /var/tmp), half of it made resident (every other
2 MiB), and deleted at the end. Rows, measured side by side in one run:

- in-process, per GiB: ``sysapi.fincore`` (windows mapped and resident pages counted in C),
  a Python-loop equivalent (``mmap.mmap`` windows, ``sysapi.mincore``, a Python ``for`` loop
  over the vector), and a C loop doing what util-linux does;
- whole process: ``python -m sysapi fincore FILE`` against util-linux ``fincore FILE``.

Goal: sysapi.fincore at most 1.5x the C loop. The Python loop's ratio is reported only: the
kernel's page-cache walk dominates all three. So is interpreter start-up (and importing the
whole package) the whole-process run: its ratio is reported, with a bare ``python -c pass``
row for scale.
"""

from __future__ import annotations

import mmap
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import Table, c_loop_ns

import sysapi

GIB = 1 << 30
WINDOW = 128 << 20


def best_ns(func: object, repeat: int) -> float:
    assert callable(func)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        func()
        best = min(best, time.perf_counter_ns() - start)
    return best


def python_loop(path: str) -> int:
    """fincore's resident count the way Python code would get it without sysapi.fincore."""
    resident = 0
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        for offset in range(0, size, WINDOW):
            length = min(WINDOW, size - offset)
            m = mmap.mmap(f.fileno(), length, access=mmap.ACCESS_READ, offset=offset)
            try:
                for byte in sysapi.mincore(m):
                    if byte & 1:
                        resident += 1
            finally:
                m.close()
    return resident


_C_FINCORE = r"""
struct stat st; fstat(fd, &st);
long resident = 0;
for (off_t off = 0; off < st.st_size; off += 32768L * page) {
    size_t len = st.st_size - off < 32768L * page ? st.st_size - off : 32768L * page;
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
    mincore(p, len, vec);
    munmap(p, len);
    for (size_t i = 0; i < (len + page - 1) / page; i++) resident += vec[i] & 1;
}
if (resident < 0) puts("");
"""


def make_file(directory: str) -> str:
    fd, path = tempfile.mkstemp(prefix="sysapi-bench-", dir=directory)
    chunk = os.urandom(1 << 20) * 8
    try:
        for _ in range(GIB // len(chunk)):
            os.write(fd, chunk)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        for offset in range(0, GIB, 4 << 20):  # every other 2 MiB back into the cache
            os.posix_fadvise(fd, offset, 2 << 20, os.POSIX_FADV_WILLNEED)
            os.pread(fd, 2 << 20, offset)
    finally:
        os.close(fd)
    return path


def main() -> int:
    directory = os.environ.get("BENCH_DIR", "/var/tmp")
    path = make_file(directory)
    try:
        res = sysapi.fincore(path)
        print(f"{path}: {res.size} bytes, {res.pages} pages, {res.resident_pages} resident")
        assert python_loop(path) == res.resident_pages

        t = Table("residency of a 1 GiB file, in-process (ns per GiB)", "C loop (mmap+mincore)")
        t.add("sysapi.fincore", best_ns(lambda: sysapi.fincore(path), 10))
        t.add("Python loop over sysapi.mincore", best_ns(lambda: python_loop(path), 3))
        t.add(
            "C loop (mmap+mincore)",
            c_loop_ns(
                _C_FINCORE,
                includes="#include <fcntl.h>\n#include <unistd.h>\n#include <sys/mman.h>\n"
                "#include <sys/stat.h>",
                setup="int fd = open(argv[3], O_RDONLY); long page = sysconf(_SC_PAGESIZE);"
                " static unsigned char vec[32768];",
                args=[path],
                number=10,
                repeat=3,
            ),
        )
        t.goal("sysapi.fincore", "C loop (mmap+mincore)", 1.5)
        ok = t.print()
        for label, ns in t.rows.items():
            print(f"  {label}: {ns / 1e6:.2f} ms per GiB")

        ours = [sys.executable, "-m", "sysapi", "fincore", path]
        theirs = ["fincore", path]
        assert (
            subprocess.run(ours, capture_output=True, text=True).stdout
            == subprocess.run(theirs, capture_output=True, text=True).stdout
        )

        def spawn(argv: list[str]) -> float:
            return best_ns(lambda: subprocess.run(argv, capture_output=True, check=True), 7)

        t = Table("fincore of a 1 GiB file, whole process (ns per run)", "util-linux fincore")
        t.add("python -m sysapi fincore", spawn(ours))
        t.add("util-linux fincore", spawn(theirs))
        t.add("python -c pass (start-up alone)", spawn([sys.executable, "-c", "pass"]))
        ok &= t.print()
        for label, ns in t.rows.items():
            print(f"  {label}: {ns / 1e6:.1f} ms")
    finally:
        os.unlink(path)
    print("\nall goals met" if ok else "\nsome goals not met: the gaps are printed above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
