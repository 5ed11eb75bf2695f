"""awd.analyze and awd.features: a layer's analysis from Python.

The activities entering the layer are computed here, by PyTorch, on the
model's own device and in its precision (float32 unless asked otherwise);
everything from the layer up runs in the C++ core in float64, with the rest
of the network above the layer (the head) called back as a float64 copy.
"""
import copy
import json
import sys
import time
import zlib

import numpy as np
import torch

from . import export as _export
from .result import Result

# The analysis options and their types, as the command line and config files
# spell them (SPEC §5-10); the C++ core checks their ranges.
_OPTIONS = {"basis": str, "delta_scale": float, "max_test": int, "n_sharp": int, "flatness_top": int,
            "basis_rank": int, "spectrum": bool}


def _core():
    try:
        from . import _core as core
    except ImportError as e:
        raise ImportError("awd's C++ core (awd/_core) is not built or not on sys.path: build the project "
                          "(./setup.sh or cmake --build build) and put build/python on sys.path, or install "
                          f"the package with pip (python/README.md) ({e})") from None
    return core


def _options_json(caller, options):
    out = {}
    for key, value in options.items():
        if key not in _OPTIONS:
            raise TypeError(f"{caller}() got an unexpected keyword argument '{key}' "
                            f"(analysis options: {', '.join(_OPTIONS)})")
        kind = _OPTIONS[key]
        if key == "n_sharp" and value is None:
            value = -1  # the steepest-drop rule of SPEC §5
        elif kind is bool:
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{key}: expected True or False, got {value!r}")
            value = bool(value)
        elif kind is int:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{key}: expected an integer, got {value!r}")
            value = int(value)
        elif kind is float:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
                raise TypeError(f"{key}: expected a number, got {value!r}")
            value = float(value)
        elif not isinstance(value, str):
            raise TypeError(f"{key}: expected a string, got {value!r}")
        out[key] = value
    return json.dumps(out)


def _call_core(caller, arrays, head, name, options, config, threads, progress):
    """The C++ analysis; its refusals of an option become errors naming the keyword."""
    core = _core()
    options_json = _options_json(caller, options)
    try:
        analysis = core.analyze_layer(arrays, head, name, options_json, json.dumps(config), threads, progress)
    except ValueError as e:
        message = str(e)
        if message.startswith("options: analysis."):  # the config reader's "SOURCE: SECTION.KEY: ..."
            message = message[len("options: analysis."):]
        raise ValueError(f"{caller}: {message}") from None
    return Result.from_core(analysis)


def _tensor(name, value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise TypeError(f"{name}: expected a torch.Tensor or a numpy array, got {type(value).__name__}")


def _crc32(t):
    t = t.detach().cpu().contiguous()
    return zlib.crc32(t.numpy().view(np.uint8).reshape(-1).data) if t.numel() else 0


def _record(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "crc32": _crc32(t)}


class _Progress:
    """One updating line on stderr for a pass that takes longer than a second."""

    def __init__(self, what, total, enabled):
        self.what, self.total, self.enabled = what, total, enabled
        self.start = self.last = time.monotonic()
        self.shown = False

    def update(self, done, final=False):
        now = time.monotonic()
        pending = not final and (now - self.last < 0.5 or done == self.total)  # the final line says it
        if not self.enabled or now - self.start < 1.0 or pending:
            return
        self.last, self.shown = now, True
        elapsed = now - self.start
        of = f"/{self.total}" if self.total else ""
        eta = f", ETA {elapsed * (self.total - done) / max(done, 1):.0f} s" if self.total and not final else ""
        sys.stderr.write(f"\r{self.what}: {done}{of} samples, {elapsed:.0f} s{eta} ")
        sys.stderr.flush()

    def close(self, done):
        self.update(done, final=True)
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Pair:
    """Inputs and labels given whole (tensors or arrays): batches are views, and
    the inputs are kept as they are instead of being copied batch by batch."""

    def __init__(self, name, x, y):
        self.x, self.y = _tensor(f"{name}[0]", x), _tensor(f"{name}[1]", y)
        if self.x.dim() == 0 or self.y.dim() != 1 or len(self.x) != len(self.y):
            raise ValueError(f"{name}: inputs {list(self.x.shape)} and labels {list(self.y.shape)} do not pair up "
                             "(labels must be one per input, 1-dimensional)")

    def __len__(self):
        return len(self.x)

    def batches(self, size):
        return ((self.x[i:i + size], self.y[i:i + size]) for i in range(0, len(self.x), size))


class _Loader:
    """An iterable of (inputs, labels) batches, such as a DataLoader."""

    def __init__(self, name, data):
        self.name, self.data = name, data
        dataset = getattr(data, "dataset", None)
        self.total = len(dataset) if hasattr(dataset, "__len__") else None

    def batches(self, size):
        for batch in self.data:
            if not (isinstance(batch, (tuple, list)) and len(batch) >= 2):
                raise TypeError(f"{self.name}: each batch must be (inputs, labels), got {type(batch).__name__}")
            yield _tensor(f"{self.name} inputs", batch[0]), _tensor(f"{self.name} labels", batch[1])


def _source(name, data):
    """`data`: a pair of inputs and labels (tensors or arrays), or an iterable of such pairs (a DataLoader)."""
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], (torch.Tensor, np.ndarray)):
        return _Pair(name, *data)
    if data is None or isinstance(data, (str, bytes, torch.Tensor, np.ndarray)) or not hasattr(data, "__iter__"):
        raise TypeError(f"{name}: expected (inputs, labels) as tensors or arrays, or a DataLoader of "
                        f"(inputs, labels) batches; got {type(data).__name__}")
    return _Loader(name, data)


def _first_bad(t):
    if bool(torch.isfinite(t).all()):
        return None
    return int((~torch.isfinite(t)).reshape(len(t), -1).any(1).nonzero()[0])


def _check_batch(name, done, x, y, a):
    if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise TypeError(f"{name}: labels must be integers, got {str(y.dtype).replace('torch.', '')}")
    if y.dim() != 1 or len(y) != len(x):
        raise ValueError(f"{name}: a batch of {len(x)} inputs has labels of shape {list(y.shape)}")
    if x.dtype.is_floating_point and (at := _first_bad(x)) is not None:
        raise ValueError(f"{name}: input {done + at} holds NaN or inf")
    if (at := _first_bad(a)) is not None:
        raise ValueError(f"{name}: the activities of input {done + at} hold NaN or inf (the model "
                         "computes non-finite values below the layer)")


def _activity_pass(name, cut, source, batch_size, device, dtype, progress):
    """(inputs as fed, on the CPU; labels; activities entering the layer, on the CPU)."""
    whole = isinstance(source, _Pair)
    bar = _Progress(f"activities entering '{cut.layer_name}' ({name})", len(source) if whole else source.total,
                    progress)
    xs, ys, activities, done = [], [], [], 0
    with torch.no_grad():
        for x, y in source.batches(batch_size):
            a = cut.features(x.to(device=device, dtype=dtype)).reshape(len(x), -1)
            _check_batch(name, done, x, y, a)
            if whole:  # one array for all, filled batch by batch
                if done == 0:
                    activities = torch.empty((len(source), a.shape[1]), dtype=a.dtype)
                activities[done:done + len(x)] = a
            else:
                xs.append(x.detach().cpu())
                ys.append(y.detach().cpu())
                activities.append(a.detach().cpu())
            done += len(x)
            bar.update(done)
    bar.close(done)
    if done == 0:
        raise ValueError(f"{name}: no samples")
    if whole:
        return source.x.detach().cpu(), source.y.detach().cpu().long(), activities
    return torch.cat(xs), torch.cat(ys).long(), torch.cat(activities)


def _check_forward(cut, u):
    """forward(u) = h(W x(u) + b) on a few inputs: a traced graph that is not the
    model (control flow frozen at trace time) would make every number wrong."""
    with torch.no_grad():
        full = cut.model(u)
        z = cut.layer(cut.features(u))
        again = z if cut.head is None else cut.head(z)
    if not isinstance(full, torch.Tensor) or full.shape != again.shape:
        raise _export.SplitError("the model's output is not the logits h(W x + b) of the cut "
                                 f"({type(full).__name__} against {list(again.shape)})")
    scale = float(full.abs().max()) if full.numel() else 0.0
    if not torch.allclose(full, again, rtol=1e-5, atol=1e-6 * scale):
        raise _export.SplitError(f"forward(u) differs from h(W x(u) + b) at '{cut.layer_name}' "
                                 f"(max |diff| {float((full - again).abs().max()):.3g}): the traced graph is not "
                                 "the model (control flow frozen by torch.fx?)")


def _head_callable(cut):
    """h(z) in float64 on the CPU for the core. z arrives as a leaf that requires
    grad; a head that begins with an in-place activation (ReLU(inplace=True),
    Hardswish(inplace=True)) may not modify a leaf, so it gets a copy."""
    if cut.head is None:
        return None
    head = copy.deepcopy(cut.head).eval().to(device="cpu", dtype=torch.float64)
    return lambda z: head(z.clone())


def _with_eval(model):
    """Remembers every submodule's training flag (eval() sets them) to restore them afterwards."""
    return [(m, m.training) for m in model.modules()]


def _device_of(model):
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


class Layers(dict):
    """{layer: Result} of awd.analyze over several layers; .skipped: {layer: why it was not analysed}."""

    def __init__(self, results, skipped):
        super().__init__(results)
        self.skipped = skipped


def _names_several_layers(layer):
    return isinstance(layer, (list, tuple)) or (isinstance(layer, str) and (layer == "all" or "," in layer))


def _analyze_layers(model, layer, train, test, **kwargs):
    """Each layer analysed as awd.analyze(model, LAYER) would (dense or top-k by its own size); with
    "all", the Linear layers the model cannot be cut at are left out, named with the reason."""
    everything = layer == "all"
    names = _export.linear_layers(model) if everything else list(layer.split(",") if isinstance(layer, str) else layer)
    if len(set(names)) != len(names) or not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"layer: {layer!r} must name distinct layers, once each")
    if not everything:
        for name in names:
            _export.resolve_layer(model, name)  # a wrong name fails before any layer is analysed
    results, skipped = {}, {}
    for name in names:
        try:
            results[name] = analyze(model, name, train, test, **kwargs)
        except _export.SplitError as e:
            if not everything:
                raise
            skipped[name] = str(e)
    if not results:
        raise _export.SplitError(f"{type(model).__name__}: no Linear layer can be cut ({skipped})")
    return Layers(results, skipped)


def analyze(model, layer=None, train=None, test=None, *, partners=None, dtype=torch.float32, batch_size=1024,
            device=None, progress=True, threads=0, **options):
    """The activity-weight duality analysis of the Linear layer `layer` of `model`.

    model       a torch.nn.Module (not modified; evaluated in eval mode)
    layer       the path of a torch.nn.Linear submodule ("fc2", "classifier.1"); None: the only one;
                "all", a list or "fc1,fc3": each of those layers (Layers, below)
    train, test (inputs, labels) as tensors or numpy arrays, or DataLoaders of (inputs, labels)
                batches; the inputs as fed to the model (they are also what the partner
                search of SPEC §2 compares)
    partners    optional integer [T]: the training sample paired with each test sample
                (instead of the nearest same-class training input)
    dtype       precision of the forward passes below the layer (float32; float64 to match a
                float64 network to rounding); the analysis itself is always float64
    batch_size  samples per forward pass (tensors given)
    device      where the forward passes run (default: the model's)
    progress    progress lines on stderr: the forward passes, the analysis stages over 5 s
    threads     BLAS threads of the analysis (0 = all cores); torch's settings are restored
    options     basis="hessian"|"fisher", delta_scale, max_test, n_sharp (None: the steepest
                drop), flatness_top, basis_rank, spectrum: as the command line's options

    Returns a Result; for several layers a Layers, {layer: Result} in module (or the list's)
    order, whose .skipped names each Linear layer "all" could not cut with the reason. Raises TypeError/ValueError naming the argument for bad input,
    awd.SplitError (a ValueError) when the model cannot be cut at the layer, and
    awd.SelfCheckError when Eq. 10 or the duality fails to hold (its .result has the numbers).
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if _names_several_layers(layer):
        return _analyze_layers(model, layer, train, test, partners=partners, dtype=dtype, batch_size=batch_size,
                               device=device, progress=progress, threads=threads, **options)
    _options_json("awd.analyze", options)  # bad options fail before any forward pass
    layer = _export.resolve_layer(model, layer)
    device = torch.device(device) if device is not None else _device_of(model)
    model_dtype = next((p.dtype for p in model.parameters()), torch.float32)
    train, test = _source("train", train), _source("test", test)
    first_test = next(test.batches(64), None)
    if first_test is None:
        raise ValueError("test: no samples")
    probe = first_test[0].to(device=device, dtype=dtype)
    flags = _with_eval(model)
    try:
        model.eval()
        cut = _export.cut(model, layer, example_input=probe.to(model_dtype))
        if cut.method != "torch.fx":
            import warnings
            warnings.warn(f"{cut.trace_error}: the activities of '{layer}' come from a forward hook instead",
                          stacklevel=2)
        run = cut if dtype == model_dtype and device == _device_of(model) else cut.to(device=device, dtype=dtype)
        if run.method == "torch.fx":
            _check_forward(run, probe)
        x_train, y_train, a_train = _activity_pass("train", run, train, batch_size, device, dtype, progress)
        x_test, y_test, a_test = _activity_pass("test", run, test, batch_size, device, dtype, progress)
        head = _head_callable(run)
    finally:
        for m, training in flags:
            m.training = training
    arrays = {"a_train": a_train, "a_test": a_test, "y_train": y_train, "y_test": y_test,
              "W": cut.layer.weight.detach().cpu(),
              "b": None if cut.layer.bias is None else cut.layer.bias.detach().cpu(),
              "x_train": x_train, "x_test": x_test,
              "partners": None if partners is None else _tensor("partners", partners)}
    config = {"python": {"model": type(model).__name__, "layer": layer, "cut": cut.method, "device": str(device),
                         "activities_dtype": str(dtype).replace("torch.", ""), "torch": torch.__version__},
              "data": {"train": {"x": _record(x_train), "y": _record(y_train)},
                       "test": {"x": _record(x_test), "y": _record(y_test)}}}
    return _call_core("awd.analyze", arrays, head, layer, options, config, threads, progress)


def features(a_train, y_train, a_test, y_test, W, b=None, *, x_train=None, x_test=None, partners=None, threads=0,
             name="W", progress=True, **options):
    """The analysis of a last layer (its output the logits) from arrays of any
    framework: the features route of the command line (`awd analyze --features`).

    a_train [S, n], a_test [T, n]   activities entering the layer
    y_train [S], y_test [T]         integer labels 0..m-1
    W [m, n], b [m]                 the layer's weights and bias
    x_train, x_test                 the inputs as fed to the network, for the partner search;
                                    or partners [T], the row of a_train paired with each test sample
    options                         as awd.analyze

    Arrays may be numpy arrays or torch tensors (CPU). Returns a Result."""
    given = {"a_train": a_train, "y_train": y_train, "a_test": a_test, "y_test": y_test, "W": W, "b": b,
             "x_train": x_train, "x_test": x_test, "partners": partners}
    arrays = {k: None if v is None else _tensor(k, v).detach().cpu() for k, v in given.items()}
    if arrays["partners"] is None and (arrays["x_train"] is None or arrays["x_test"] is None):
        raise ValueError("awd.features: the partner search needs x_train and x_test (or give partners=)")
    config = {"features": {k: _record(v) for k, v in arrays.items() if v is not None}}
    return _call_core("awd.features", arrays, None, name, options, config, threads, progress)
