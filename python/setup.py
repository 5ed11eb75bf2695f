"""pip-installs the awd package from the checkout, building its C++ core with
the project's CMake (the same build folder as ./setup.sh, so a built tree
only links the module):

    python3 -m venv --system-site-packages ~/awd-env        # Debian's python3-torch stays visible
    ~/awd-env/bin/pip install --no-build-isolation ./python

(--no-build-isolation: pip would otherwise fetch setuptools from PyPI.)
AWD_BUILD_DIR overrides the build folder (default: ../build).
"""
import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(awd VERSION ([0-9.]+)", f.read()).group(1)


class CMakeBuild(build_ext):
    """Builds the target awd_python with CMake and copies the module where setuptools wants it."""

    def build_extension(self, ext):
        build = os.environ.get("AWD_BUILD_DIR", os.path.join(ROOT, "build"))
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                                   "-DCMAKE_UNITY_BUILD=ON", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=8",
                                   f"-DAWD_PYTHON={sys.executable}"])
        subprocess.check_call(["cmake", "--build", build, "--target", "awd_python", "-j", str(os.cpu_count() or 1)])
        built = glob.glob(os.path.join(build, "python", "awd", "_core*.so"))
        if not built:
            sys.exit(f"{build}: the build made no awd/_core module (does CMake find pybind11-dev and python3-dev?)")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(built[0], target)


setup(name="awd", version=version(), description="Activity-weight duality analysis of trained networks",
      packages=["awd"],
      ext_modules=[Extension("awd._core", sources=[])], cmdclass={"build_ext": CMakeBuild},
      python_requires=">=3.9")
