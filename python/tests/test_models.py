"""Models as users write them: in-place activations above the layer, models
torch.fx cannot trace, skips around the layer, models without a Linear."""
import warnings

import pytest
import torch

import awd


def data(n, classes=4, width=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, width, generator=g)
    y = torch.arange(n) % classes
    x[:, :classes] += 2.0 * torch.nn.functional.one_hot(y, classes)  # learnable: the class shifts the input
    return x, y


TRAIN, TEST = data(200), data(80, seed=1)


def trained(model, steps=150):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(TRAIN[0]), TRAIN[1]).backward()
        opt.step()
    return model.eval()


class InPlaceHead(torch.nn.Module):
    """In-place activations right after the analysed layer, as torchvision writes them."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(inplace=True))
        self.hidden = torch.nn.Linear(16, 16)
        self.act = torch.nn.Hardswish(inplace=True)
        self.out = torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.out(torch.relu_(self.act(self.hidden(self.body(x)))))


class Untraceable(torch.nn.Module):
    """Tuple unpacking of a shape, which torch.fx cannot trace (shufflenet's channel_shuffle)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = torch.nn.Linear(12, 16)
        self.fc = torch.nn.Linear(16, 4)

    def forward(self, x):
        batch, width = x.size()
        h = torch.relu(self.fc1(x.view(batch, width)))
        return self.fc(h)


class Skip(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(12, 16), torch.nn.Linear(16, 16), torch.nn.Linear(16, 4)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.fc3(torch.relu(self.fc2(h)) + h)


class Convolutional(torch.nn.Module):
    """No Linear at all (squeezenet's classifier is a convolution)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 4, 12)

    def forward(self, x):
        return self.conv(x.unsqueeze(1)).flatten(1)


def test_in_place_activation_after_the_cut():
    model = trained(InPlaceHead())
    r = awd.analyze(model, "hidden", TRAIN, TEST, progress=False)
    assert r.eq10_residual < 1e-12 and r.duality_residual < 1e-12
    assert r.N == 256 and r.pairs_kept > 0


def test_untraceable_model_at_its_last_layer_goes_through_a_hook():
    model = trained(Untraceable())
    with pytest.warns(UserWarning, match="torch.fx cannot trace Untraceable.*forward hook"):
        hooked = awd.analyze(model, "fc", TRAIN, TEST, progress=False)
    assert hooked.eq10_residual < 1e-12
    # The same layer given as arrays: the same numbers.
    with torch.no_grad():
        a_train, a_test = torch.relu(model.fc1(TRAIN[0])), torch.relu(model.fc1(TEST[0]))
    given = awd.features(a_train, TRAIN[1], a_test, TEST[1], model.fc.weight.detach(), model.fc.bias.detach(),
                         x_train=TRAIN[0], x_test=TEST[0])
    assert abs(given.dL_p - hooked.dL_p) <= 1e-12 * max(1, abs(given.dL_p))


def test_untraceable_model_at_a_hidden_layer_names_the_line():
    with pytest.raises(awd.SplitError, match=r"torch.fx cannot trace Untraceable at test_models.py:\d+ in forward: "
                                             r"`batch, width = x.size\(\)`.*only the last layer"):
        awd.analyze(trained(Untraceable()), "fc1", TRAIN, TEST, progress=False)


def test_skip_around_the_layer_is_refused():
    with pytest.raises(awd.SplitError, match="skip connection"):
        awd.analyze(Skip(), "fc2", TRAIN, TEST, progress=False)


def test_layer_choice():
    with pytest.raises(awd.SplitError, match="Convolutional has no torch.nn.Linear layer"):
        awd.analyze(Convolutional(), None, TRAIN, TEST, progress=False)
    with pytest.raises(awd.SplitError, match=r"3 Linear layers \(fc1, fc2, fc3\): choose one with layer="):
        awd.analyze(Skip(), None, TRAIN, TEST, progress=False)
    with pytest.raises(awd.SplitError, match="'act' is a Hardswish, not a torch.nn.Linear; the Linear layers: "
                                             "body.0, hidden, out"):
        awd.analyze(InPlaceHead(), "act", TRAIN, TEST, progress=False)
    with pytest.raises(awd.SplitError, match="no submodule 'fc9'"):
        awd.analyze(Skip(), "fc9", TRAIN, TEST, progress=False)
    # The only Linear is taken without being named.
    only = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 4))
    assert awd.analyze(trained(only), None, TRAIN, TEST, progress=False).layer == "1"
