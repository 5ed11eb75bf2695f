"""torchvision's classification models go through awd.analyze as they come:
in-place activations, dropout, models torch.fx cannot trace, models without a
Linear layer. Random weights and a few 32 x 32 images: what is checked is that
nothing needs doing by hand and that Eq. 10 holds, not what the numbers say."""
import warnings

import pytest
import torch
import torchvision

import awd

torch.manual_seed(0)
X_TRAIN, Y_TRAIN = torch.rand(40, 3, 32, 32), torch.arange(40) % 10
X_TEST, Y_TEST = torch.rand(20, 3, 32, 32), torch.arange(20) % 10


def analyze(model, layer, **kw):
    return awd.analyze(model, layer, (X_TRAIN, Y_TRAIN), (X_TEST, Y_TEST), progress=False, basis_rank=4, **kw)


@pytest.mark.parametrize("name, layer, N", [
    ("mobilenet_v2", "classifier.1", 12800),        # the last layer, after Dropout
    ("efficientnet_b0", "classifier.1", 12800),
    ("mobilenet_v3_small", "classifier.3", 10240),  # the last layer
    ("mobilenet_v3_small", "classifier.0", 589824),  # hidden: Hardswish(inplace=True) right after it
])
def test_traceable_models(name, layer, N):
    model = getattr(torchvision.models, name)(num_classes=10).eval()
    r = analyze(model, layer)
    assert r.N == N and r.top_k["k"] == 4
    assert r.eq10_residual < 1e-10 * max(1, abs(r.dL_p)) and r.duality_residual < 1e-10


def test_shufflenet_goes_through_a_hook():
    model = torchvision.models.shufflenet_v2_x0_5(num_classes=10).eval()
    with pytest.warns(UserWarning, match=r"torch.fx cannot trace ShuffleNetV2 at shufflenetv2.py:\d+ in "
                                         r"channel_shuffle.*forward hook"):
        r = analyze(model, "fc")
    assert r.N == 10240 and r.eq10_residual < 1e-10 * max(1, abs(r.dL_p))


def test_squeezenet_has_no_linear_layer():
    with pytest.raises(awd.SplitError, match="SqueezeNet has no torch.nn.Linear layer"):
        analyze(torchvision.models.squeezenet1_0(num_classes=10), None)
