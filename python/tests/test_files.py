"""Result.save writes exactly the files of `awd analyze -o DIR`; awd.load reads
them, a run directory and a sweep; awd report --compare takes saved results."""
import json
import os

import numpy as np
import pytest
import torch

import awd
from conftest import FASHION, run_awd, run_mlp


@pytest.fixture(scope="module")
def result(run_dir, samples):
    return awd.analyze(run_mlp(run_dir), "fc2", samples["train"], samples["test"], progress=False)


def same(a, b):
    assert a.summary == b.summary
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].keys() == b.tables[name].keys(), name
        for column, values in a.tables[name].items():
            np.testing.assert_array_equal(values, b.tables[name][column], err_msg=f"{name}.{column}")
            assert values.dtype == b.tables[name][column].dtype, (name, column)


def test_save_then_load_is_the_same_result(result, tmp_path):
    out = tmp_path / "fc2"
    result.save(out)
    assert sorted(os.listdir(out)) == [".awd.json", "coverage.csv", "directions.csv", "pairs.csv", "summary.json"]
    assert json.load(open(out / ".awd.json"))["kind"] == "analysis"
    loaded = awd.load(out)
    same(result, loaded)
    # What save writes is what the core renders, byte for byte.
    assert [open(out / name).read() for name, _ in result.files()] == [text for _, text in result.files()]
    # A loaded result saves the same files again.
    loaded.save(tmp_path / "again")
    for name in os.listdir(out):
        assert open(out / name).read() == open(tmp_path / "again" / name).read()


def test_save_refuses_to_overwrite_without_force(result, tmp_path):
    result.save(tmp_path / "a")
    with pytest.raises(RuntimeError, match="already"):
        result.save(tmp_path / "a")
    result.save(tmp_path / "a", force=True)


def test_save_never_writes_into_a_folder_of_the_users_files(result, tmp_path):
    # The same ownership rule as awd analyze -o: the user's files are refused, force or not, and stay.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my notes")
    for force in (False, True):
        with pytest.raises(RuntimeError, match=r"mine: not an analysis folder \(holds 'notes.txt'"):
            result.save(tmp_path / "mine", force=force)
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]
    assert (tmp_path / "mine" / "notes.txt").read_text() == "my notes"


def test_report_compare_reads_saved_results(run_dir, samples, result, tmp_path):
    other = awd.analyze(run_mlp(run_dir), "fc2", samples["train"], samples["test"], n_sharp=9, progress=False)
    result.save(tmp_path / "auto")
    other.save(tmp_path / "fixed")
    run_awd("report", "--compare", str(tmp_path / "auto"), str(tmp_path / "fixed"), "--labels", "auto,fixed",
            "-o", str(tmp_path / "cmp"))
    table = open(tmp_path / "cmp" / "compare.csv").read()
    assert "auto" in table and "fixed" in table


def test_load_a_run_directory(run_dir):
    r = awd.load(run_dir)
    assert r.run["config"]["model"]["arch"] == "mlp" and r.run["training"]["epochs"] > 0
    summary = json.load(open(os.path.join(run_dir, "analysis", "summary.json")))
    assert r.dL_p == summary["pair_gap"] and r.n_s == summary["n_sharp"]
    with pytest.raises(ValueError, match="no analysis 'fc1'"):
        awd.load(run_dir, name="fc1")


def test_load_a_sweep(tmp_path):
    out = tmp_path / "sweep"
    run_awd("sweep", "--data", FASHION, "--param", "batch_size", "--values", "25,100", "--repeats", "1", "-M", "20",
            "--n-test", "100", "--max-epoch", "5", "-q", "-o", str(out))
    s = awd.load(out)
    assert isinstance(s, awd.Sweep) and s.parameter == "batch_size"
    assert s.values() == ["25", "100"] and len(s.results()) == 2
    assert s.results("100")[0].run["config"]["train"]["batch_size"] == 100


def test_load_refuses_other_folders(tmp_path):
    with pytest.raises(ValueError, match="neither an analysis"):
        awd.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        awd.load(tmp_path / "missing")


def test_pandas_and_plots(result, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 900 and list(frame.columns)[:4] == [
        "rank", "basis_index", "lambda", "sigma_g"]
    import matplotlib
    matplotlib.use("Agg")
    fig = awd.plot.overview([result, result], labels=["a", "b"])
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2, 2]
    fig.savefig(tmp_path / "overview.png")
    assert os.path.getsize(tmp_path / "overview.png") > 10000
    ax = awd.plot.gap(result)
    assert len(ax.get_lines()) >= 2
