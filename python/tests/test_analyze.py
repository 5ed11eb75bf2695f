"""awd.analyze on a PyTorch model against the command line's own analysis of
the same network, the features route, and the identities of SPEC §6."""
import json
import os

import numpy as np
import pytest
import torch

import awd
from conftest import MLP, run_awd, run_mlp

# Every scalar the run's summary.json and the Result share, compared to this relative precision.
SCALARS = ["loss_train", "loss_test", "loss_partners", "gap", "pair_gap", "eq10_sum", "sum_dL", "dL_sharp",
           "dL_flat", "weight_norm", "train_error", "test_error"]


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@pytest.fixture(scope="module")
def fc2(run_dir, samples):
    """The run's MLP analysed at fc2 through awd.analyze, forwards in float64."""
    return awd.analyze(run_mlp(run_dir, torch.float64), "fc2", samples["train"], samples["test"],
                       dtype=torch.float64, progress=False)


def test_module_route_gives_the_runs_numbers(run_dir, fc2):
    run = json.load(open(os.path.join(run_dir, "analysis", "summary.json")))
    for key in SCALARS:
        assert close(fc2.summary[key], run[key]), (key, fc2.summary[key], run[key])
    assert fc2.n_s == run["n_sharp"] and fc2.N == 900 and fc2.layer == "fc2"
    ours = fc2.directions
    theirs = np.loadtxt(os.path.join(run_dir, "analysis", "directions.csv"), delimiter=",", skiprows=1)
    for i, column in enumerate(["rank", "basis_index", "lambda", "sigma_g", "sigma_w"]):
        # Directions of (near-)equal sigma_g may swap places, so compare the sorted spectra.
        if column in ("sigma_g", "sigma_w", "lambda"):
            np.testing.assert_allclose(np.sort(ours[column]), np.sort(theirs[:, i]), rtol=1e-7, atol=1e-12)
    pairs = np.loadtxt(os.path.join(run_dir, "analysis", "pairs.csv"), delimiter=",", skiprows=1)
    np.testing.assert_array_equal(fc2.partners, pairs[:, 2].astype(np.int64))
    np.testing.assert_allclose(fc2.pairs["l_k"], pairs[:, 5], rtol=1e-9, atol=1e-12)


def test_identities_hold(fc2):
    # SPEC §6: Eq. 10 and the duality to rounding, and dL_s + dL_f = sum dL_i.
    assert fc2.eq10_residual < 1e-12
    assert fc2.duality_residual < 1e-12
    assert close(fc2.dL_s + fc2.dL_f, fc2.sum_dL, 1e-12)
    assert close(float(np.sum(fc2.dL_i)), fc2.sum_dL, 1e-12)
    assert np.all(np.diff(fc2.sigma_g) <= 0)  # rank order: decreasing sharpness
    # The pairs that carry the gap: shares sum to dL_p (Eq. 7), sharp + flat = l_k, and the
    # mean sharp part is Eq. 10's sum over the n_s sharpest ranks.
    p, kept = fc2.pairs, fc2.pairs["kept"]
    assert close(float(np.sum(p["share"])), fc2.dL_p, 1e-12)
    np.testing.assert_allclose(p["sharp"] + p["flat"], p["l_k"], rtol=0, atol=1e-13)
    ns = fc2.n_s
    eq10_sharp = float(np.sum(fc2.mu_g[:ns] * fc2.mu_w[:ns] + fc2.dL_i[:ns]))
    assert close(float(np.mean(p["sharp"][kept])), eq10_sharp, 1e-12)


def test_float32_forwards_agree_to_float32_rounding(run_dir, samples, fc2):
    r = awd.analyze(run_mlp(run_dir), "fc2", samples["train"], samples["test"], progress=False)
    assert r.eq10_residual < 1e-12 and r.duality_residual < 1e-12  # exact identities whatever x
    assert abs(r.dL_p - fc2.dL_p) < 1e-4 * abs(fc2.dL_p)


def test_features_route_equals_module_route(run_dir, samples):
    model = run_mlp(run_dir, torch.float64)
    (x_train, y_train), (x_test, y_test) = samples["train"], samples["test"]
    module = awd.analyze(model, "fc3", (x_train, y_train), (x_test, y_test), dtype=torch.float64, progress=False)
    with torch.no_grad():
        def act(x):
            return torch.relu(model.fc2(torch.relu(model.fc1(torch.flatten(x.double(), 1)))))
        a_train, a_test = act(x_train), act(x_test)
    arrays = awd.features(a_train.numpy(), y_train.numpy(), a_test.numpy(), y_test.numpy(),
                          model.fc3.weight.detach().numpy(), x_train=x_train.numpy(), x_test=x_test.numpy())
    for key in SCALARS + ["eq10_residual"]:
        assert close(arrays.summary[key], module.summary[key], 1e-12), key
    np.testing.assert_array_equal(arrays.partners, module.partners)
    np.testing.assert_allclose(arrays.sigma_g, module.sigma_g, rtol=1e-10, atol=1e-14)
    # Given partners give the same analysis.
    given = awd.features(a_train, y_train, a_test, y_test, model.fc3.weight.detach(), partners=module.partners)
    assert close(given.dL_p, module.dL_p, 1e-12)


def test_dataloader_equals_tensors(run_dir, samples, fc2):
    ds = {k: torch.utils.data.TensorDataset(*samples[k]) for k in ("train", "test")}
    loaders = {k: torch.utils.data.DataLoader(v, batch_size=97) for k, v in ds.items()}
    r = awd.analyze(run_mlp(run_dir, torch.float64), "fc2", loaders["train"], loaders["test"], dtype=torch.float64,
                    progress=False)
    assert r.dL_p == fc2.dL_p and r.n_s == fc2.n_s


def test_options_reach_the_core(run_dir, samples):
    model = run_mlp(run_dir)
    r = awd.analyze(model, "fc2", samples["train"], samples["test"], n_sharp=3, max_test=100, basis="fisher",
                    flatness_top=2, progress=False)
    assert r.n_s == 3 and r.pairs_kept + r.pairs_skipped == 100 and r.basis == "fisher"
    assert len(r.flatness["F"]) == 2
    assert r.summary["config"]["analysis"]["n_sharp"] == 3
    top = awd.analyze(model, "fc2", samples["train"], samples["test"], basis_rank=20, progress=False)
    assert top.top_k["k"] == 20 and len(top.sigma_g) == 20 and top.eq10_residual < 1e-10


def test_torch_threads_are_restored(run_dir, samples):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        awd.analyze(run_mlp(run_dir), "fc3", samples["train"], samples["test"], progress=False, threads=1)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_model_is_left_as_it_was(run_dir, samples):
    model = run_mlp(run_dir).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    awd.analyze(model, "fc2", samples["train"], samples["test"], dtype=torch.float64, progress=False)
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) and v.dtype == torch.float32 for k, v in model.state_dict().items())


def test_several_layers_are_each_a_single_analysis(mlp, samples, fc2):
    # Each entry of a multi-layer analysis is what awd.analyze(model, LAYER) gives: fc2 against
    # the float64 fixture (forwards differ only in float32 rounding), fc3 against its own call.
    several = awd.analyze(mlp, "fc3,fc2", samples["train"], samples["test"], dtype=torch.float64,
                          progress=False)
    assert isinstance(several, awd.Layers) and list(several) == ["fc3", "fc2"] and several.skipped == {}
    alone = awd.analyze(mlp, "fc3", samples["train"], samples["test"], dtype=torch.float64, progress=False)
    for key in SCALARS:
        assert close(several["fc3"].summary[key], alone.summary[key]), key
        assert close(several["fc2"].summary[key], fc2.summary[key], 1e-6), key
    assert several["fc3"].N == 300 and several["fc2"].N == 900
    with pytest.raises(ValueError, match="distinct layers"):
        awd.analyze(mlp, ["fc2", "fc2"], samples["train"], samples["test"], progress=False)
    with pytest.raises(awd.SplitError, match="no submodule 'fc9'"):
        awd.analyze(mlp, "fc2,fc9", samples["train"], samples["test"], progress=False)
