"""The paper's figures for one's own results (matplotlib).

    awd.plot.overview([r1, r2], labels=["B=25", "B=400"])   # Fig. 3/5/7: sigma_g, sigma_w, S_L per rank
    awd.plot.spectrum([r1, r2], "sigma_g")                    # one quantity per rank, overlaid
    awd.plot.gap(r)                                           # dL_i per direction, the sharp/flat split

Each function draws into `ax` (or new axes) and returns the axes or figure.
"""
import numpy as np

_NAMES = {"sigma_g": r"$\sigma_g$ (sharpness)", "sigma_w": r"$\sigma_w$ (size)", "dL_i": r"$\Delta L_i$",
          "S_w": r"$S_w$ (accumulated size)", "S_L": r"$S_L$ (accumulated gap)", "lambda": r"$\lambda$",
          "c": r"$c_i$"}


def _pyplot():
    import matplotlib
    import matplotlib.pyplot as plt
    return matplotlib, plt


def _labels(results, labels):
    if labels is None:
        return [f"{r.layer}" if len(results) == 1 else f"{i + 1}: {r.layer}" for i, r in enumerate(results)]
    if len(labels) != len(results):
        raise ValueError(f"labels: {len(labels)} labels for {len(results)} results")
    return list(labels)


def _as_list(results):
    return list(results) if isinstance(results, (list, tuple)) else [results]


def spectrum(results, quantity="sigma_g", labels=None, ax=None, loglog=True):
    """`quantity` (a column of directions: sigma_g, sigma_w, dL_i, S_w, S_L, lambda, c)
    against the rank, one line per result; log-log where it is positive, as the paper draws it."""
    results = _as_list(results)
    _, plt = _pyplot()
    ax = ax or plt.subplots(figsize=(5, 3.6))[1]
    for r in results:
        if quantity not in r.directions:
            raise ValueError(f"quantity: one of {', '.join(r.directions)}, not {quantity!r}")
    # sigma_g and sigma_w are never negative; a last layer has exact zeros (the
    # softmax's null directions), which a log axis leaves out.
    log_y = loglog and all(np.all(r.directions[quantity] >= 0) for r in results)
    for r, label in zip(results, _labels(results, labels)):
        d = r.directions
        y = np.where(d[quantity] > 0, d[quantity], np.nan) if log_y else d[quantity]
        ax.plot(d["rank"], y, label=label, lw=1.4)
    if loglog:
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
    ax.set_xlabel("rank i (by decreasing sharpness)")
    ax.set_ylabel(_NAMES.get(quantity, quantity))
    if len(results) > 1 or labels is not None:
        ax.legend(frameon=False)
    return ax


def gap(result, ax=None):
    """The gap per direction dL_i = c_i sigma_g,i sigma_w,i (Eq. 11) and its
    accumulated sum S_L, with the sharp/flat split n_s marked."""
    _, plt = _pyplot()
    ax = ax or plt.subplots(figsize=(5, 3.6))[1]
    d = result.directions
    ax.plot(d["rank"], d["dL_i"], lw=1, label=r"$\Delta L_i$")
    ax.plot(d["rank"], d["S_L"], lw=1.6, label=r"$S_L(i) = \sum_{j \leq i} \Delta L_j$")
    if result.n_s:
        ax.axvline(result.n_s + 0.5, color="0.5", ls="--", lw=1)
        ax.text(result.n_s + 0.5, ax.get_ylim()[1], f" n_s = {result.n_s}", va="top", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("rank i")
    ax.set_ylabel("gap")
    ax.set_title(f"dL_s = {result.dL_s:.3g}, dL_f = {result.dL_f:.3g}", fontsize=9)
    ax.legend(frameon=False)
    return ax


def overview(results, labels=None):
    """Sharpness, size and the accumulated gap per rank, side by side (the
    paper's Fig. 3/5/7 for one's own models). Returns the figure."""
    results = _as_list(results)
    _, plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, quantity in zip(axes, ("sigma_g", "sigma_w", "S_L")):
        spectrum(results, quantity, labels=labels, ax=ax, loglog=True)
        if quantity == "S_L":
            ax.set_yscale("linear")
    fig.tight_layout()
    return fig
