"""Cutting a PyTorch model open at one of its Linear layers (SPEC §11).

    from awd import export
    export.export(model, "fc2", example_input, "model.pt")        # awd analyze --model
    export.export_features(model, "fc2", x_train, y_train,
                           x_test, y_test, "features/")          # awd analyze --features

`cut(model, layer)` traces the model with torch.fx and splits its graph at
the Linear layer into

    features(u)   the activity x entering the layer (the graph up to the layer's input)
    head(z)       the logits from the layer's output z = W x + b (the graph after it)

The analysis needs the loss to depend on the input only through z, so any
value other than the layer's input that crosses the cut (a skip connection
around the layer) is refused with the node that carries it. A model that
torch.fx cannot trace can still be cut at its last layer (the one whose
output is the logits): a forward hook on the layer gives its input, and the
head is the identity.

export() saves the cut as TorchScript with the methods awd_features and
awd_head beside forward. Runs with Debian's python3-torch (1.13), nothing else.
"""
import copy
import os
import traceback
import warnings

import numpy as np
import torch
import torch.fx
from torch.fx.graph_module import _exec_with_source


class SplitError(ValueError):
    """The model cannot be cut at the layer (the reason is the message)."""


def linear_layers(model):
    """The names of the model's torch.nn.Linear submodules, in module order."""
    return [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]


def _listing(names, limit=12):
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def resolve_layer(model, layer=None):
    """The path of the Linear layer to analyse: `layer` checked, or the model's
    only Linear layer when `layer` is None."""
    model_name = type(model).__name__
    names = linear_layers(model)
    if not names:
        raise SplitError(f"{model_name} has no torch.nn.Linear layer (awd analyses dense layers)")
    if layer is None:
        if len(names) > 1:
            raise SplitError(f"{model_name} has {len(names)} Linear layers ({_listing(names)}): "
                             "choose one with layer=")
        return names[0]
    try:
        sub = model.get_submodule(layer)
    except AttributeError:
        raise SplitError(f"{model_name} has no submodule '{layer}'; its Linear layers: {_listing(names)}") from None
    if not isinstance(sub, torch.nn.Linear):
        raise SplitError(f"'{layer}' is a {type(sub).__name__}, not a torch.nn.Linear; "
                         f"the Linear layers: {_listing(names)}")
    return layer


def _where(error):
    """The innermost frame of the traceback outside torch itself: the model's own line."""
    torch_dir = os.path.dirname(torch.__file__) + os.sep  # the separator keeps torchvision's frames
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(torch_dir)]
    if not frames:
        return ""
    f = frames[-1]
    return f" at {os.path.basename(f.filename)}:{f.lineno} in {f.name}: `{(f.line or '').strip()}`"


def _trace(model):
    """torch.fx's graph of the model, or SplitError naming where tracing stopped."""
    try:
        return torch.fx.symbolic_trace(model)
    except Exception as e:  # fx raises TraceError, TypeError, ... from inside the model's code
        first = str(e).split("\n")[0].split(". ")[0]
        raise SplitError(f"torch.fx cannot trace {type(model).__name__}{_where(e)} ({first})") from e


def _layer_node(graph, layer_name):
    calls = [n for n in graph.nodes if n.op == "call_module" and n.target == layer_name]
    if not calls:
        raise SplitError(f"the traced model never calls '{layer_name}'")
    if len(calls) > 1:
        raise SplitError(f"the traced model calls '{layer_name}' {len(calls)} times; it must be called once")
    node = calls[0]
    if len(node.args) != 1 or node.kwargs:
        raise SplitError(f"'{layer_name}' must be called with its input alone")
    return node


def _check_cut(nodes, layer):
    """Nothing computed before the layer but its input may be used after it."""
    at = nodes.index(layer)
    before, after = set(nodes[:at]), nodes[at + 1:]
    for n in after:
        for a in n.all_input_nodes:
            if a in before and a.op != "get_attr":
                raise SplitError(f"'{n.name}' after layer '{layer.target}' uses '{a.name}' from before it: "
                                 "a skip connection around the layer (the loss must depend on the input "
                                 "only through the layer's output)")
    return nodes[:at], after


def _features_graph(before, layer):
    g = torch.fx.Graph()
    env = {}
    for n in before:
        env[n] = g.node_copy(n, lambda a: env[a])
    g.output(env[layer.args[0]])
    return g


def _head_graph(before, layer, after):
    g = torch.fx.Graph()
    env = {layer: g.placeholder("z")}
    for n in before:  # parameters and buffers fetched before the cut (get_attr) may be used after it
        if n.op == "get_attr":
            env[n] = g.node_copy(n)
    for n in after:
        env[n] = g.node_copy(n, lambda a: env[a])
    return g


def _is_identity(after, layer):
    """The layer's output is the model's output: nothing but `output` after it."""
    return len(after) == 1 and after[0].op == "output" and after[0].args[0] is layer


class Cut:
    """A model cut open at a Linear layer.

    layer_name, layer    the path and the torch.nn.Linear
    method               "torch.fx", or "forward hook" (a last layer of a model fx cannot trace)
    features(u)          x(u), the activity entering the layer, [N, ...] as the layer sees it
    head                 a module computing h(z), or None where the layer's output is the logits
    trace_error          why torch.fx failed, when method is "forward hook"
    """

    def __init__(self, model, layer_name, method, features_module=None, head=None, trace_error=None):
        self.model, self.layer_name, self.method = model, layer_name, method
        self.layer = model.get_submodule(layer_name)
        self.features_module, self.head, self.trace_error = features_module, head, trace_error

    def features(self, u):
        if self.features_module is not None:
            return self.features_module(u)
        return self._hooked(u)[0]

    def _hooked(self, u):
        seen = {}

        def hook(module, inputs, output):
            seen["x"], seen["z"] = inputs[0], output

        handle = self.layer.register_forward_hook(hook)
        try:
            out = self.model(u)
        finally:
            handle.remove()
        if "x" not in seen:
            raise SplitError(f"the model's forward never calls '{self.layer_name}'")
        return seen["x"], seen["z"], out

    def check_hook(self, u):
        """A forward hook gives the activities of the last layer only: the
        model's output must be the layer's output itself."""
        with torch.no_grad():
            _, z, out = self._hooked(u)
        if not (isinstance(out, torch.Tensor) and out.shape == z.shape and torch.equal(out, z)):
            raise SplitError(f"{self.trace_error}; a forward hook cuts only the last layer (whose output is "
                             f"the logits), and '{self.layer_name}' is not")

    def to(self, device=None, dtype=None):
        """A copy in eval mode on `device` in `dtype`; the user's model is left as it is."""
        model = copy.deepcopy(self.model).eval().to(device=device, dtype=dtype)
        features = None if self.features_module is None else copy.deepcopy(self.features_module).eval().to(
            device=device, dtype=dtype)
        head = None if self.head is None else copy.deepcopy(self.head).eval().to(device=device, dtype=dtype)
        return Cut(model, self.layer_name, self.method, features, head, self.trace_error)


def _fx_parts(gm, layer_name):
    nodes = list(gm.graph.nodes)
    layer = _layer_node(gm.graph, layer_name)
    before, after = _check_cut(nodes, layer)
    return before, layer, after


def cut(model, layer_name, example_input=None):
    """The Cut of `model` at `layer_name` (torch.fx, or a forward hook when fx
    cannot trace the model and the layer is its last). `example_input` (a
    small batch) is needed to check a hook cut."""
    resolve_layer(model, layer_name)
    try:
        gm = _trace(model)
    except SplitError as e:
        c = Cut(model, layer_name, "forward hook", trace_error=str(e))
        if example_input is None:
            raise
        c.check_hook(example_input)
        return c
    before, layer, after = _fx_parts(gm, layer_name)
    features = torch.fx.GraphModule(gm, _features_graph(before, layer))
    head = None if _is_identity(after, layer) else torch.fx.GraphModule(gm, _head_graph(before, layer, after))
    return Cut(model, layer_name, "torch.fx", features, head)


def _method_source(graph, name):
    """The Python source of `graph` as the method `name` of the module (fx writes it as forward)."""
    code = graph.python_code(root_module="self")
    return code.src.replace("def forward(self", f"def {name}(self", 1), code.globals


def split_module(model, layer_name):
    """The traced model (a GraphModule) with awd_features and awd_head added as exported methods."""
    resolve_layer(model, layer_name)
    gm = _trace(model)
    before, layer, after = _fx_parts(gm, layer_name)
    methods = {}
    for name, graph in (("awd_features", _features_graph(before, layer)),
                        ("awd_head", _head_graph(before, layer, after))):
        src, globs = _method_source(graph, name)
        exec_globals = dict(globs)
        _exec_with_source(src, exec_globals)
        methods[name] = torch.jit.export(exec_globals[name])
    # Each GraphModule has a class of its own: the methods go onto it.
    gm.__class__ = type(gm.__class__.__name__, (gm.__class__,), methods)
    return gm


def export(model, layer_name, example_input, path):
    """Saves the TorchScript module for `awd analyze --model path --layer layer_name`.

    The model is exported in eval mode; `example_input` (a batch) checks that
    forward equals awd_head(layer(awd_features(u))) before anything is saved."""
    model = model.eval()
    gm = split_module(model, layer_name)
    with warnings.catch_warnings():  # fx's GraphModule annotations, harmless for scripting
        warnings.simplefilter("ignore", UserWarning)
        scripted = torch.jit.script(gm)
    with torch.no_grad():
        layer = model.get_submodule(layer_name)
        full = scripted(example_input)
        again = scripted.awd_head(layer(scripted.awd_features(example_input)))
        if not torch.allclose(full, again, rtol=1e-5, atol=1e-6 * float(full.abs().max())):
            raise SplitError("forward differs from awd_head(layer(awd_features(u))) on the example input")
    scripted.save(path)
    return scripted


def _save(directory, name, array):
    np.save(os.path.join(directory, name), np.ascontiguousarray(array))


def export_features(model, layer_name, x_train, y_train, x_test, y_test, directory, batch=1024,
                    dtype=torch.float32):
    """Writes the files of `awd analyze --features directory` for the last layer
    `layer_name` (its head must be the identity: the layer's output is the logits):
    a_train.npy, a_test.npy (activities entering the layer, computed in `dtype`:
    float32 as the network runs, or float64 to match awd's own float64 analysis
    to rounding), y_train.npy, y_test.npy (int64), W.npy, b.npy (when the layer
    has a bias), x_train.npy, x_test.npy (the inputs as fed to the model,
    float32, for the partner search). A model torch.fx cannot trace is cut by
    a forward hook on the layer (said as a warning)."""
    x_train, x_test = torch.as_tensor(x_train).to(dtype), torch.as_tensor(x_test).to(dtype)
    c = cut(model, layer_name, example_input=x_test[:16].to(next(model.parameters()).dtype)).to(dtype=dtype)
    if c.method != "torch.fx":
        warnings.warn(f"{c.trace_error}: the activities of '{layer_name}' come from a forward hook instead")
    if c.head is not None:
        raise SplitError(f"'{layer_name}' is not the last layer: the features route needs head = identity")
    os.makedirs(directory, exist_ok=True)

    def activities(x):
        with torch.no_grad():
            return torch.cat([c.features(x[i:i + batch]).reshape(len(x[i:i + batch]), -1)
                              for i in range(0, len(x), batch)]).double().numpy()

    _save(directory, "a_train.npy", activities(x_train))
    _save(directory, "a_test.npy", activities(x_test))
    _save(directory, "W.npy", c.layer.weight.detach().double().numpy())
    if c.layer.bias is not None:
        _save(directory, "b.npy", c.layer.bias.detach().double().numpy())
    for name, v in (("y_train.npy", y_train), ("y_test.npy", y_test)):
        _save(directory, name, torch.as_tensor(v).long().numpy())
    for name, v in (("x_train.npy", x_train), ("x_test.npy", x_test)):
        _save(directory, name, v.float().numpy())
