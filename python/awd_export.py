"""Export a PyTorch model for `awd analyze` (SPEC §11).

    import awd_export
    awd_export.export(model, "fc2", example_input, "model.pt")        # awd analyze --model
    awd_export.export_features(model, "fc2", x_train, y_train,
                               x_test, y_test, "features/")          # awd analyze --features

export() traces the model with torch.fx, cuts the graph at the Linear layer
`layer_name` and saves a TorchScript module with three methods:

    forward(u)        the whole model, as traced
    awd_features(u)   the activity x entering the layer (the graph up to the layer's input)
    awd_head(z)       the logits from the layer's output z = W x + b (the graph after it)

The analysis needs the loss to depend on the input only through z, so any
value other than the layer's input that crosses the cut (a skip connection
around the layer) is refused with the node that carries it. Runs with
Debian's python3-torch (1.13), nothing else.
"""
import copy
import os
import warnings

import numpy as np
import torch
import torch.fx
from torch.fx.graph_module import _exec_with_source


class SplitError(ValueError):
    """The model cannot be cut at the layer (the reason is the message)."""


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


def _method_source(graph, name):
    """The Python source of `graph` as the method `name` of the module (fx writes it as forward)."""
    code = graph.python_code(root_module="self")
    return code.src.replace("def forward(self", f"def {name}(self", 1), code.globals


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


def split_module(model, layer_name):
    """The traced model (a GraphModule) with awd_features and awd_head added as exported methods."""
    if not isinstance(model.get_submodule(layer_name), torch.nn.Linear):
        raise SplitError(f"'{layer_name}' is not a torch.nn.Linear")
    gm = torch.fx.symbolic_trace(model)
    nodes = list(gm.graph.nodes)
    layer = _layer_node(gm.graph, layer_name)
    before, after = _check_cut(nodes, layer)
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
    float32, for the partner search)."""
    model = copy.deepcopy(model).eval().to(dtype)
    x_train, x_test = torch.as_tensor(x_train).to(dtype), torch.as_tensor(x_test).to(dtype)
    gm = split_module(model, layer_name)
    os.makedirs(directory, exist_ok=True)
    layer = model.get_submodule(layer_name)

    def activities(x):
        with torch.no_grad():
            return torch.cat([gm.awd_features(x[i:i + batch]).reshape(len(x[i:i + batch]), -1)
                              for i in range(0, len(x), batch)]).double().numpy()

    a_test = activities(x_test)
    with torch.no_grad():
        z = torch.from_numpy(a_test[:16]).to(layer.weight.dtype)
        if not torch.allclose(gm.awd_head(layer(z)), layer(z)):
            raise SplitError(f"'{layer_name}' is not the last layer: the features route needs head = identity")
    _save(directory, "a_train.npy", activities(x_train))
    _save(directory, "a_test.npy", a_test)
    _save(directory, "W.npy", layer.weight.detach().double().numpy())
    if layer.bias is not None:
        _save(directory, "b.npy", layer.bias.detach().double().numpy())
    for name, v in (("y_train.npy", y_train), ("y_test.npy", y_test)):
        _save(directory, name, torch.as_tensor(v).long().numpy())
    for name, v in (("x_train.npy", x_train), ("x_test.npy", x_test)):
        _save(directory, name, v.float().numpy())
