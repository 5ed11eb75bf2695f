"""An analysis' results as Python sees them, and awd.load for the folders awd writes.

A Result holds the summary (every scalar of summary.json) and the tables
(directions, pairs, coverage, and flatness and spectrum when computed), each a
dict of numpy arrays under the column names of the CSV files. A result made
by awd.analyze and the same result saved and loaded again are equal.
"""
import glob
import json
import os

import numpy as np


class SelfCheckError(RuntimeError):
    """Eq. 10 or the duality did not hold to rounding (SPEC §6); `.result` holds the numbers."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


# Columns that hold integers (the rest are float64); "kept" holds booleans.
_INTEGER_COLUMNS = {"rank", "basis_index", "k", "test_sample", "partner", "partner_sample", "pairs"}
_TABLES = ("directions", "pairs", "coverage", "flatness", "spectrum")


def _typed(name, values):
    if name == "kept":
        return np.asarray(values).astype(bool)
    if name in _INTEGER_COLUMNS:
        return np.asarray(values).astype(np.int64)
    return np.asarray(values, dtype=np.float64)


def _read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype=np.float64)
    if values.size == 0:
        values = np.zeros((0, len(header)))
    if values.shape[1] != len(header):
        raise ValueError(f"{path}: {values.shape[1]} columns, the header has {len(header)}")
    return {name: _typed(name, values[:, i]) for i, name in enumerate(header)}


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: {e}") from None


class Result:
    """One analysis of one layer (SPEC §2-5), in the paper's terms.

    Scalars: dL (true gap), dL_p (pair gap, Eq. 7), sum_dL (sum of dL_i, Eq. 11),
    dL_s / dL_f (sharp and flat parts), n_s, eq10_residual, duality_residual,
    L_train, L_test, L_p, train_error, test_error, weight_norm (||W||), layer, N.
    Per direction (rank 1 = largest sigma_g): sigma_g, sigma_w, lambda_ (the
    eigenvalue), mu_g, mu_w, c, dL_i, S_w, S_L; the whole tables in .directions,
    .pairs (with .partners; per pair l_k, its share l_k/K of dL_p and its sharp
    and flat parts), .coverage, .flatness, .spectrum. .summary is
    summary.json; .run the run's config and training where loaded from a run.
    """

    _SCALARS = {"dL": "gap", "dL_p": "pair_gap", "sum_dL": "sum_dL", "dL_s": "dL_sharp", "dL_f": "dL_flat",
                "n_s": "n_sharp", "eq10_sum": "eq10_sum", "eq10_residual": "eq10_residual",
                "duality_residual": "duality_max_residual", "L_train": "loss_train", "L_test": "loss_test",
                "L_p": "loss_partners", "train_error": "train_error", "test_error": "test_error",
                "weight_norm": "weight_norm", "layer": "layer", "N": "N", "m": "m", "n": "n",
                "pairs_kept": "pairs_kept", "pairs_skipped": "pairs_skipped", "basis": "basis",
                "delta_scale": "delta_scale", "seconds": "seconds"}
    _COLUMNS = {"sigma_g": "sigma_g", "sigma_w": "sigma_w", "lambda_": "lambda", "mu_g": "mu_g", "mu_w": "mu_w",
                "c": "c", "dL_i": "dL_i", "S_w": "S_w", "S_L": "S_L", "rank": "rank"}

    def __init__(self, summary, tables, *, source=None, core=None, run=None):
        self.summary = summary
        self.tables = tables
        self.source = source  # the folder it was loaded from
        self.run = run        # {"config": ..., "training": ...} of a run directory
        self._core = core     # the C++ analysis, for save()

    @classmethod
    def from_core(cls, analysis):
        tables = {}
        for name, (columns, values) in analysis.tables().items():
            tables[name] = {c: _typed(c, v.numpy()) for c, v in zip(columns, values)}
        result = cls(json.loads(analysis.summary_json()), tables, core=analysis)
        check = result.summary.get("self_check", {})
        if not check.get("passed", True):
            raise SelfCheckError(f"self-check failed: {check.get('failure')}", result)
        return result

    def __getattr__(self, name):
        scalars, columns = type(self)._SCALARS, type(self)._COLUMNS
        if name in scalars:
            return self.summary.get(scalars[name])
        if name in columns:
            return self.tables["directions"][columns[name]]
        raise AttributeError(f"'Result' has no attribute '{name}'")

    @property
    def directions(self):
        return self.tables["directions"]

    @property
    def pairs(self):
        return self.tables["pairs"]

    @property
    def partners(self):
        """For each analysed test sample, the index of its partner among the training samples."""
        return self.tables["pairs"]["partner"]

    @property
    def coverage(self):
        return self.tables.get("coverage")

    @property
    def flatness(self):
        return self.tables.get("flatness")

    @property
    def spectrum(self):
        return self.tables.get("spectrum")

    @property
    def top_k(self):
        """The top-k summary (k, the remainder, the certificate), or None for a dense analysis."""
        return self.summary.get("top_k")

    def to_pandas(self, table="directions"):
        """A table (directions, pairs, coverage, flatness, spectrum) as a pandas DataFrame."""
        import pandas as pd
        if table not in self.tables:
            raise ValueError(f"table: one of {', '.join(self.tables)}, not {table!r}")
        return pd.DataFrame(self.tables[table])

    def files(self):
        """[(name, text)]: what save() writes, summary.json last."""
        if self._core is not None:
            return self._core.files()
        names = [f"{t}.csv" for t in _TABLES if t in self.tables] + ["summary.json"]
        out = []
        for name in names:
            with open(os.path.join(self.source, name)) as f:
                out.append((name, f.read()))
        return out

    def save(self, directory, force=False):
        """Writes the files of `awd analyze -o DIRECTORY` (awd report --compare reads them).
        An existing analysis there is replaced only with force=True."""
        from ._analysis import _core
        core = _core()
        if self._core is not None:
            self._core.save(str(directory), force)
        else:
            core.write_analysis(str(directory), self.files(), force)
        return directory

    def plot(self, **kwargs):
        """sigma_g, sigma_w and the accumulated gap per rank (awd.plot.overview)."""
        from . import plot
        return plot.overview([self], **kwargs)

    def __repr__(self):
        def f(v):
            return "-" if v is None else f"{v:.5g}"
        top = self.top_k
        directions = f"{top['k']} of {self.N}" if top else f"{self.N}"
        return (f"<awd.Result layer {self.layer} ({self.m} x {self.n}, {directions} directions): "
                f"dL {f(self.dL)}, dL_p {f(self.dL_p)}, dL_s {f(self.dL_s)} (n_s = {self.n_s}), "
                f"dL_f {f(self.dL_f)}, test error {f(self.test_error)}, "
                f"Eq. 10 residual {self.eq10_residual:.2g}>")


def _load_analysis(directory, run=None):
    summary_path = os.path.join(directory, "summary.json")
    summary = _read_json(summary_path)
    tables = {}
    for name in _TABLES:
        path = os.path.join(directory, f"{name}.csv")
        if os.path.exists(path):
            tables[name] = _read_csv(path)
    if "directions" not in tables or "pairs" not in tables:
        raise ValueError(f"{directory}: not a whole analysis folder (directions.csv or pairs.csv missing)")
    return Result(summary, tables, source=directory, run=run)


class Sweep:
    """A sweep or compare folder: its experiment and every analysed solution.

    experiment    sweep.json
    solutions     [(parameter value as written, repeat, Result)], in folder order
    """

    def __init__(self, directory, experiment, solutions):
        self.directory, self.experiment, self.solutions = directory, experiment, solutions

    @property
    def parameter(self):
        return self.experiment.get("parameter")

    def values(self):
        """The parameter values that have results, in the experiment's order."""
        seen = []
        for value, _, _ in self.solutions:
            if value not in seen:
                seen.append(value)
        return seen

    def results(self, value=None):
        """The Results of one value (every repeat), or all of them."""
        return [r for v, _, r in self.solutions if value is None or v == value]

    def __repr__(self):
        return (f"<awd.Sweep {self.directory}: {self.parameter}, {len(self.values())} values, "
                f"{len(self.solutions)} analysed solutions>")


def _load_run(directory, name):
    config = _read_json(os.path.join(directory, "config.json"))
    training_path = os.path.join(directory, "training.json")
    training = _read_json(training_path) if os.path.exists(training_path) else None
    analysis = os.path.join(directory, name)
    if not os.path.exists(os.path.join(analysis, "summary.json")):
        found = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(directory, "*", "summary.json")))
        raise ValueError(f"{directory}: no analysis '{name}'" + (f" (analyses: {', '.join(found)})" if found else
                                                                 " (the run is not analysed yet)"))
    return _load_analysis(analysis, run={"config": config, "training": training})


def _load_sweep(directory, name):
    experiment = _read_json(os.path.join(directory, "sweep.json"))
    solutions = []
    for value_dir in sorted(glob.glob(os.path.join(directory, "runs", "*"))):
        value = os.path.basename(value_dir).split("=", 1)[-1]
        reps = glob.glob(os.path.join(value_dir, "rep*"))
        for rep_dir in sorted(reps, key=lambda p: int(os.path.basename(p)[3:] or 0)):
            if os.path.exists(os.path.join(rep_dir, name, "summary.json")):
                solutions.append((value, int(os.path.basename(rep_dir)[3:]), _load_run(rep_dir, name)))
    order = experiment.get("values", [])

    def position(value):  # numbers are recorded as floats (25.0) and named as written (batch_size=25)
        for i, v in enumerate(order):
            if str(v) == value or (isinstance(v, (int, float)) and _number(value) == v):
                return i
        return len(order)

    solutions.sort(key=lambda s: (position(s[0]), s[1]))
    return Sweep(directory, experiment, solutions)


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def load(directory, name="analysis"):
    """Whatever awd wrote in `directory`: an analysis folder (summary.json) gives a
    Result; a run directory (config.json) the Result of its analysis `name`
    (with .run); a sweep or compare folder (sweep.json) a Sweep of every
    analysed solution."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory}: no such folder")
    if os.path.exists(os.path.join(directory, "summary.json")):
        return _load_analysis(directory)
    if os.path.exists(os.path.join(directory, "sweep.json")):
        return _load_sweep(directory, name)
    if os.path.exists(os.path.join(directory, "config.json")):
        return _load_run(directory, name)
    raise ValueError(f"{directory}: neither an analysis (summary.json), a run (config.json) nor a sweep (sweep.json)")
