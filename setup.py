"""Build the compiled kernels of symfast.

Every C/Cython extension is one row of ``EXTENSIONS`` (name, sources, flags);
they are all built by the same loop.  OpenMP is used when the compiler accepts
``-fopenmp``; without it the kernels still build and run on one thread.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# (module name, sources, extra compile flags)
EXTENSIONS: list[tuple[str, list[str], list[str]]] = [
    ("symfast._ext._levelset", ["csrc/_levelset.pyx"], []),
    ("symfast._ext._generators", ["csrc/_generators.pyx"], []),
    ("symfast._ext._cicy", ["csrc/_cicy.pyx"], []),
    # -Wno-psabi: the 256-bit vector type of the RNG is only ever inlined, never passed across
    # an ABI boundary, so the AVX parameter-passing note does not apply
    ("symfast._ext._ising", ["csrc/_ising.pyx"], ["-Wno-psabi"]),
    ("symfast._ext._chain", ["csrc/_chain.pyx"], []),
    ("symfast._ext._fnband", ["csrc/_fnband.pyx"], []),
    ("symfast._ext._intersect", ["csrc/_intersect.pyx"], []),
    # -fno-math-errno: sqrtf need not set errno (its argument is never negative), so the
    # Adam update vectorises
    ("symfast._ext._mlp", ["csrc/_mlp.pyx"], ["-fno-math-errno"]),
    ("symfast._ext._neighbors", ["csrc/_neighbors.pyx"], []),
    ("symfast._ext._planes", ["csrc/_planes.pyx"], []),
]

BASE_FLAGS = ["-O3"]


def _openmp_flags() -> tuple[list[str], list[str]]:
    """Return (compile, link) flags for OpenMP, or empty lists if unsupported."""
    if os.environ.get("SYMFAST_NO_OPENMP"):
        return [], []
    if sys.platform == "win32":
        return ["/openmp"], []
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return [], []
    src = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as fh:
            fh.write(src)
        res = subprocess.run(
            [cc, "-fopenmp", path, "-o", os.path.join(tmp, "t")],
            capture_output=True,
        )
    if res.returncode == 0:
        return ["-fopenmp"], ["-fopenmp"]
    print("symfast: compiler has no OpenMP; kernels will run single-threaded")
    return [], []


def _extensions() -> list[Extension]:
    omp_c, omp_l = _openmp_flags()
    # every header and .pxd in csrc/: a change to one rebuilds the extensions
    depends = sorted(glob.glob("csrc/*.h") + glob.glob("csrc/*.pxd"))
    exts = []
    for name, sources, flags in EXTENSIONS:
        exts.append(
            Extension(
                name,
                sources,
                include_dirs=[np.get_include(), "csrc"],
                depends=depends,
                extra_compile_args=BASE_FLAGS + omp_c + flags,
                extra_link_args=omp_l,
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return cythonize(
        exts,
        nthreads=_jobs(),
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )


def _jobs() -> int:
    """Parallel jobs for cythonizing and compiling: every CPU this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ParallelBuildExt(build_ext):
    """build_ext that compiles the extensions side by side unless told ``-j``: a wheel
    built by pip or ``python -m build`` (which pass no ``-j``) takes half the time on
    two cores."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            self.parallel = _jobs()


setup(ext_modules=_extensions(), cmdclass={"build_ext": ParallelBuildExt})
