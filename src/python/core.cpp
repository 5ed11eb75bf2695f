// The bridge between the Python package (python/awd) and the C++ core:
// torch tensors cross without copies, the analysis runs with the GIL
// released, and the rest of a user's network (the head above the analysed
// layer) stays a Python callable that the core calls back for each batch.
#include <torch/extension.h>

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "awd/config.h"
#include "awd/experiments/given_layer.h"
#include "awd/store/analysis_files.h"
#include "awd/store/analysis_text.h"
#include "awd/store/config_json.h"
#include "awd/store/run_status.h"
#include "awd/util/allocator.h"
#include "awd/util/progress.h"
#include "awd/util/threads.h"

namespace py = pybind11;
using nlohmann::json;

namespace {

/// An analysis as Python holds it: the result and what save() writes with it.
struct Analysis {
  awd::duality::AnalysisResult result;
  awd::AnalysisConfig options;
  json config;  ///< what was analysed (the model, the data), recorded in summary.json
  awd::data::Subset subset;

  std::vector<awd::store::AnalysisFile> files() const {
    return awd::store::imported_analysis_files(config, options, subset, result);
  }
};

/// The analysis options from the JSON of Python's keyword arguments, checked
/// exactly as a config file's "analysis" section (one-line errors naming the key).
awd::AnalysisConfig analysis_options(const std::string& options_json) {
  awd::RunConfig cfg;
  json options;
  try {
    options = json::parse(options_json);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("options: ") + e.what());
  }
  awd::store::update_from_json(cfg, json{{"analysis", options}}, "options");
  awd::validate(cfg);
  return cfg.analysis;
}

/// The process's thread settings as the user left them: awd::util::set_threads
/// tunes them for the analysis, and a notebook keeps running afterwards.
class ThreadsRestored {
 public:
  ThreadsRestored() : torch_threads_(at::get_num_threads()) {
    if (auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
      blas_threads_ = get();
  }
  ~ThreadsRestored() {
    at::set_num_threads(torch_threads_);
    if (blas_threads_ > 0)
      if (auto set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        set(blas_threads_);
  }

 private:
  int torch_threads_;
  int blas_threads_ = 0;
};

/// h(z) as a Python callable. The callable stays owned (and referenced) by
/// the caller's frame, which outlives the analysis, so no reference count is
/// touched without the GIL.
awd::duality::Head python_head(const py::object& head) {
  if (head.is_none()) return {};
  const py::handle h = head;
  return [h](const torch::Tensor& z) {
    py::gil_scoped_acquire gil;
    return py::cast<torch::Tensor>(h(z));
  };
}

/// Progress lines of long stages into Python's sys.stderr (a notebook shows
/// them there, not on the process's stderr).
awd::util::ProgressSink python_stderr() {
  return [](const std::string& text) {
    py::gil_scoped_acquire gil;
    auto err = py::module_::import("sys").attr("stderr");
    err.attr("write")(text);
    err.attr("flush")();
  };
}

torch::Tensor optional_tensor(const py::dict& arrays, const char* name) {
  if (!arrays.contains(name) || arrays[name].is_none()) return {};
  return py::cast<torch::Tensor>(arrays[name]);
}

Analysis analyze_layer(const py::dict& arrays, const py::object& head, const std::string& name,
                       const std::string& options_json, const std::string& config_json, int threads,
                       bool progress) {
  Analysis a;
  a.options = analysis_options(options_json);
  a.options.progress = progress ? python_stderr() : awd::util::ProgressSink();
  a.config = json::parse(config_json);
  awd::RunConfig recorded;
  recorded.analysis = a.options;
  a.config["analysis"] = awd::store::to_json(recorded)["analysis"];
  a.config["threads"] = threads;
  awd::experiments::GivenLayer g;
  g.name = name;
  g.a_train = optional_tensor(arrays, "a_train");
  g.a_test = optional_tensor(arrays, "a_test");
  g.y_train = optional_tensor(arrays, "y_train");
  g.y_test = optional_tensor(arrays, "y_test");
  g.W = optional_tensor(arrays, "W");
  g.b = optional_tensor(arrays, "b");
  g.x_train = optional_tensor(arrays, "x_train");
  g.x_test = optional_tensor(arrays, "x_test");
  g.partners = optional_tensor(arrays, "partners");
  g.head = python_head(head);
  {
    py::gil_scoped_release no_gil;
    ThreadsRestored restored;
    awd::util::set_threads(threads);
    a.result = awd::experiments::analyze_given_layer(g, a.options);
  }
  a.subset = awd::experiments::whole_subset(g.a_train.size(0), g.a_test.size(0));
  return a;
}

/// The tables as {name: (columns, [tensor per column])}: the columns of the CSV files.
py::dict tables(const Analysis& a) {
  py::dict out;
  for (const auto& t : awd::store::analysis_tables(a.subset, a.result))
    out[py::str(t.name)] = py::make_tuple(t.columns, t.values);
  return out;
}

void save(const Analysis& a, const std::string& dir, bool force) {
  const auto files = a.files();
  py::gil_scoped_release no_gil;
  awd::store::prepare_analysis_dir(dir, force);
  awd::store::write_analysis_files(dir, files);
}

/// Files of an analysis loaded from disk, written again (Result.save of awd.load's results).
void write_analysis(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files,
                    bool force) {
  std::vector<awd::store::AnalysisFile> out;
  for (const auto& [name, text] : files) out.push_back({name, text});
  py::gil_scoped_release no_gil;
  awd::store::prepare_analysis_dir(dir, force);
  awd::store::write_analysis_files(dir, out);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "awd's C++ core (activity-weight duality analysis); use the awd package, not this module";
  m.attr("version") = AWD_VERSION;
  // LibTorch's large blocks would go back to the OS after every use and be
  // page-faulted in again (util/allocator.h); the process is the user's, but
  // this is what PyTorch's own CPU performance guide asks of an allocator.
  awd::util::tune_allocator();
  py::class_<Analysis>(m, "Analysis")
      .def("summary_json",
           [](const Analysis& a) { return awd::store::imported_summary_json(a.config, a.options, a.result); })
      .def("tables", &tables)
      .def("files",
           [](const Analysis& a) {
             std::vector<std::pair<std::string, std::string>> out;
             for (const auto& f : a.files()) out.emplace_back(f.name, f.text);
             return out;
           })
      .def("table", [](const Analysis& a) { return awd::store::analysis_table(a.result); })
      .def("save", &save, py::arg("dir"), py::arg("force") = false);
  m.def("write_analysis", &write_analysis, py::arg("dir"), py::arg("files"), py::arg("force") = false);
  m.def("analyze_layer", &analyze_layer, py::arg("arrays"), py::arg("head"), py::arg("name"),
        py::arg("options_json"), py::arg("config_json"), py::arg("threads") = 0,
        py::arg("progress") = false);
}
