"""awd: why does a trained network generalize? The activity-weight duality
analysis of Feng, Zhang & Tu for a dense layer of your own PyTorch model.

    import awd
    r = awd.analyze(model, layer="fc2", train=(x_train, y_train), test=(x_test, y_test))
    r.dL_p, r.dL_s, r.dL_f, r.n_s        # the pair gap and its sharp/flat split (Eq. 7, 10, 11)
    r.sigma_g, r.sigma_w                  # sharpness and size per direction, rank 1 the sharpest
    r.save("out")                         # the files of `awd analyze -o out` (awd report --compare reads them)
    awd.plot.overview([r, awd.load("runs/other")], labels=["mine", "other"])

awd.features(...) analyses a last layer from arrays of any framework; awd.load
reads any analysis folder, run directory or sweep awd wrote. The forward
passes below the layer run in PyTorch on the model's device; the analysis runs
in awd's C++ core in float64 (built with the project: put build/python on
sys.path, or pip-install python/).
"""
from . import export, plot
from ._analysis import Layers, analyze, features
from .export import SplitError
from .result import Result, SelfCheckError, Sweep, load

__all__ = ["analyze", "features", "load", "Layers", "Result", "Sweep", "SplitError", "SelfCheckError", "export", "plot"]


def __getattr__(name):
    if name == "__version__":
        from ._analysis import _core
        return _core().version
    raise AttributeError(f"module 'awd' has no attribute '{name}'")
