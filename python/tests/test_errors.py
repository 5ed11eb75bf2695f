"""Bad input to awd.analyze and awd.features: one clear Python exception
naming the argument, never a C++ abort or a raw LibTorch message."""
import numpy as np
import pytest
import torch

import awd
from test_models import TEST, TRAIN, Untraceable, trained



@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return trained(torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4)))


def analyze(model, train=TRAIN, test=TEST, **kw):
    return awd.analyze(model, "2", train, test, progress=False, **kw)


def test_not_a_module():
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got function"):
        awd.analyze(lambda x: x, "fc", TRAIN, TEST)


def test_bad_data(model):
    with pytest.raises(ValueError, match=r"train: inputs \[200, 12\] and labels \[199\] do not pair up"):
        analyze(model, train=(TRAIN[0], TRAIN[1][:199]))
    with pytest.raises(TypeError, match="test: expected \\(inputs, labels\\)"):
        analyze(model, test=TEST[0])
    with pytest.raises(TypeError, match="train: labels must be integers, got float32"):
        analyze(model, train=(TRAIN[0], TRAIN[1].float()))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):  # the model's own error
        analyze(model, train=(TRAIN[0][:, :5], TRAIN[1]))


def test_labels_out_of_range(model):
    y = TRAIN[1].clone()
    y[7] = 4
    with pytest.raises(ValueError, match=r"awd.analyze: y_train: label 4 of sample 7 is out of range 0..3 "
                                         r"\(the network has 4 outputs\)"):
        analyze(model, train=(TRAIN[0], y))
    y = TEST[1].clone()
    y[3] = -1
    with pytest.raises(ValueError, match="y_test: label -1 of sample 3 is out of range"):
        analyze(model, test=(TEST[0], y))


def test_nan_inputs(model):
    x = TRAIN[0].clone()
    x[5, 2] = float("nan")
    with pytest.raises(ValueError, match="train: input 5 holds NaN or inf"):
        analyze(model, train=(x, TRAIN[1]))
    broken = trained(torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4)))
    with torch.no_grad():
        broken[0].weight[0, 0] = float("inf")
    with pytest.raises(ValueError, match="train: the activities of input 0 hold NaN or inf"):
        awd.analyze(broken, "2", TRAIN, TEST, progress=False)


def test_options(model):
    with pytest.raises(TypeError, match="unexpected keyword argument 'nsharp'.*n_sharp"):
        analyze(model, nsharp=3)
    with pytest.raises(TypeError, match="n_sharp: expected an integer, got 2.5"):
        analyze(model, n_sharp=2.5)
    with pytest.raises(ValueError, match="awd.analyze: basis: basis must be hessian or fisher"):
        analyze(model, basis="newton")
    with pytest.raises(ValueError, match="awd.analyze: .*delta_scale"):
        analyze(model, delta_scale=-1.0)


def test_features_errors():
    a, y = np.random.rand(20, 5), np.arange(20) % 3
    W = np.random.rand(3, 5)
    with pytest.raises(ValueError, match="W is \\[5, 3\\] \\(outputs, inputs\\) but the activities have width 5: "
                                         "W looks transposed"):
        awd.features(a, y, a, y, W.T, partners=np.arange(20))
    with pytest.raises(ValueError, match="partner search needs x_train and x_test"):
        awd.features(a, y, a, y, W)
    with pytest.raises(ValueError, match="a_test: nan at index \\[2, 1\\]: every value must be finite"):
        b = a.copy()
        b[2, 1] = np.nan
        awd.features(a, y, b, y, W, partners=np.arange(20))
    with pytest.raises(ValueError, match="partners: the partner of test sample 1 has another label"):
        awd.features(a, y, a, y, W, partners=np.zeros(20, dtype=np.int64))
    with pytest.raises(TypeError, match="y_train: expected a torch.Tensor or a numpy array, got list"):
        awd.features(a, list(y), a, y, W, partners=np.arange(20))


def test_failed_self_check_raises_with_the_numbers(model):
    # A weight change 1e300 times the dual one overflows the losses: Eq. 10 cannot hold.
    with pytest.raises(awd.SelfCheckError, match="self-check failed: Eq. 10") as e:
        analyze(model, delta_scale=1e300)
    assert e.value.result.summary["self_check"]["passed"] is False
