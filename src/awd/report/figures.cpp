#include "awd/report/figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "awd/experiments/parameters.h"
#include "awd/io/csv.h"
#include "awd/io/process.h"
#include "awd/io/text_file.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

using io::CsvTable;
using io::csv_field_number;
using io::format_number;
using io::is_finite_number;

// ---------------------------------------------------------------------------
// gnuplot scripts

std::string gp_column(const std::string& name) { return "column(" + gp_string(name) + ")"; }

/// The swept values, in sweep order, as summary.csv writes them (or the
/// labels of another table's rows, make_table_figures).
struct Sweep {
  std::string symbol;               ///< the parameter's paper symbol
  std::string column = "value";     ///< the column of the values, in the figures' data too
  std::vector<std::string> values;  ///< CSV fields of summary.csv's value column
  bool numeric = true;              ///< every value is a number
};

/// The gnuplot condition selecting the rows of one swept value. Numbers are
/// compared with a relative tolerance, since another writer may print the same
/// double differently (0.005 vs 5e-03); other values by string equality.
std::string value_filter(const std::string& value) {
  if (is_finite_number(value)) {
    const std::string v = "(" + format_number(csv_field_number(value), 17) + ")";
    return "(abs(" + gp_column("value") + " - " + v + ") <= 1e-9 * abs" + v + ")";
  }
  return "(strcol(" + gp_string("value") + ") eq " + gp_string(value) + ")";
}

/// The extent of the points a figure draws (on a log axis only positive ones).
struct Extent {
  double x_lo = HUGE_VAL, x_hi = -HUGE_VAL, y_lo = HUGE_VAL, y_hi = -HUGE_VAL;
  size_t points = 0;
};

Extent extent(const Figure& f, const CsvTable& t, bool categorical, bool logx, bool logy) {
  Extent e;
  const size_t x = t.column(f.x);
  const size_t x_over = f.x_over ? t.column(f.x_over) : 0;
  std::vector<size_t> ys;
  for (const auto& c : f.curves) ys.push_back(t.column(c.column));
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const double xv = categorical ? double(r) : csv_field_number(row[x]) / (f.x_over ? csv_field_number(row[x_over]) : 1.0);
    if (!std::isfinite(xv) || (logx && !(xv > 0))) continue;
    for (size_t y : ys) {
      const double yv = csv_field_number(row[y]);
      if (!std::isfinite(yv) || (logy && !(yv > 0))) continue;
      ++e.points;
      e.x_lo = std::min(e.x_lo, xv);
      e.x_hi = std::max(e.x_hi, xv);
      e.y_lo = std::min(e.y_lo, yv);
      e.y_hi = std::max(e.y_hi, yv);
    }
  }
  return e;
}

/// The commands for a log axis over [lo, hi]: labels at 2 and 5 times the
/// decades too when fewer than two decades would leave one label or none, and
/// powers of ten only for a wide axis far from 1 (where plain numbers get long).
std::string log_axis(const char* axis, double lo, double hi) {
  const bool narrow = hi < 100 * lo;
  std::string s = std::string("set logscale ") + axis + "\nset format " + axis + " '" +
                  (narrow || (lo >= 1e-3 && hi <= 1e4) ? "%g" : "10^{%L}") + "'\n";
  if (narrow) {
    std::string ticks;
    for (double decade = std::pow(10.0, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
      for (double m : {2.0, 5.0})
        if (m * decade >= lo && m * decade <= hi) ticks += (ticks.empty() ? "" : ", ") + format_number(m * decade, 6);
    if (!ticks.empty()) s += std::string("set ") + axis + "tics add (" + ticks + ")\n";
  }
  return s;
}

/// On a log axis of the swept values, the ticks at those values, labelled as
/// summary.csv writes them: gnuplot's own would fall on decades (and 2 and 5
/// times them) that were never run, and leave the runs unmarked.
std::string swept_value_ticks(const Sweep& sweep) {
  std::string ticks;
  for (const auto& v : sweep.values) {
    const double x = csv_field_number(v);
    if (x > 0) ticks += (ticks.empty() ? "" : ", ") + gp_string(v) + " " + io::csv_number(x);
  }
  return ticks.empty() ? "" : "set xtics (" + ticks + ")\n";
}

/// A swept value that is not a number (an option name) goes on the x axis as a label.
bool is_categorical(const Figure& f, const Sweep& sweep) {
  return !f.per_value && std::string(f.x) == sweep.column && !sweep.numeric;
}

/// The x label: "{P}" becomes the swept parameter, by symbol and name.
std::string x_label(const Figure& f, const Sweep& sweep, const std::string& parameter) {
  std::string xlabel = f.xlabel;
  if (xlabel != "{P}") return xlabel;
  // Enhanced text would set "batch_size" as batch with a subscript s.
  std::string literal;
  for (char ch : parameter) literal += ch == '_' ? std::string("\\_") : std::string(1, ch);
  return sweep.symbol == parameter ? literal : sweep.symbol + " (" + literal + ")";
}

/// The settings before the plot command: data format, labels, axes, key, colours.
std::string script_settings(const Figure& f, const std::string& xlabel, const Extent& e, bool logx, bool logy) {
  std::ostringstream s;
  s << "# " << f.name << (*f.paper ? std::string(": reproduces paper ") + f.paper + "." : std::string(":"))
    << " Written by awd; rerun with\n"
    << "#   cd figures && gnuplot " << f.name << ".gp\n"
    << "set encoding utf8\n"
    << "set datafile separator ','\n"
    << "set datafile columnheaders\n"
    << "set datafile missing 'nan'\n"
    << "set xlabel " << gp_string(xlabel) << "\n"
    << "set ylabel " << gp_string(f.ylabel) << "\n"
    << (logx ? log_axis("x", e.x_lo, e.x_hi) : "") << (logy ? log_axis("y", e.y_lo, e.y_hi) : "")
    // The data's own range plus a margin, not gnuplot's rounding out to whole decades.
    << "set autoscale fix\n"
    << "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n"
    << "set grid lc rgb '#dddddd'\n"
    // Below the plot the legend never hides data, and many values wrap into rows.
    << "set key outside below center horizontal noenhanced height 1\n"
    // Swept values ordered dark blue -> teal -> orange, like the paper's colour ramps.
    << "set palette defined (0 '#1b3b8a', 0.5 '#2a9d8f', 1 '#e76f51')\n"
    << "unset colorbox\n";
  return s.str();
}

/// One plot clause per curve: per swept value (rows selected by the value
/// column, coloured along the palette), or per column of the figure.
std::vector<std::string> plot_clauses(const Figure& f, const Sweep& sweep, bool categorical) {
  const std::string data = gp_string("../" + std::string(f.data));
  std::string x = gp_column(f.x);
  if (f.x_over) x = "(" + x + " / " + gp_column(f.x_over) + ")";
  std::vector<std::string> clauses;
  if (f.per_value) {
    const size_t n = sweep.values.size();
    for (size_t k = 0; k < n; ++k) {
      const std::string frac = format_number(n > 1 ? double(k) / double(n - 1) : 0.0, 6);
      clauses.push_back(data + " using (" + x + "):(" + value_filter(sweep.values[k]) + " ? " +
                        gp_column(f.curves[0].column) + " : NaN) with " + f.style + " lc palette frac " + frac +
                        " title " + gp_string(sweep.symbol + " = " + sweep.values[k]));
    }
    return clauses;
  }
  const char* colors[] = {"#000000", "#c0392b", "#2e86c1", "#27ae60", "#8e44ad"};
  for (size_t k = 0; k < f.curves.size(); ++k) {
    const auto& c = f.curves[k];
    std::string using_ = categorical ? "($0)" : "(" + x + ")";
    using_ += ":(" + gp_column(c.column) + ")";
    if (c.error) using_ += ":(" + gp_column(c.error) + ")";
    if (categorical) using_ += ":xticlabels(strcol(" + gp_string(sweep.column) + "))";
    clauses.push_back(data + " using " + using_ + " with " + f.style + " lc rgb '" + colors[k % 5] +
                      "' title " + gp_string(c.title));
  }
  return clauses;
}

std::string script(const Figure& f, const Sweep& sweep, const std::string& parameter, const Extent& e, bool logx,
                   bool logy) {
  std::ostringstream s;
  s << script_settings(f, x_label(f, sweep, parameter), e, logx, logy);
  const bool categorical = is_categorical(f, sweep);
  if (logx && !f.per_value && !f.x_over && std::string(f.x) == "value" && sweep.numeric)
    s << swept_value_ticks(sweep);
  const auto clauses = plot_clauses(f, sweep, categorical);
  if (categorical) s << "set offsets 0.5, 0.5, graph 0.05, graph 0.05\n";
  std::string plot = "plot ";
  for (size_t k = 0; k < clauses.size(); ++k) plot += (k ? ", \\\n     " : "") + clauses[k];
  // awd draws into NAME.png + awd_suffix (a name private to the process, set
  // with gnuplot -e) and renames the figures when gnuplot succeeded; by hand,
  // the script draws NAME.png and NAME.svg.
  s << "\nif (!exists(\"awd_suffix\")) awd_suffix = ''\n"
    << "set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,12'\n"
    << "set output '" << f.name << ".png'.awd_suffix\n"
    << plot << "\n"
    << "\nset terminal svg size 960,600 dynamic enhanced font 'DejaVu Sans,12'\n"
    << "set output '" << f.name << ".svg'.awd_suffix\n"
    << "replot\n"
    << "set output\n";
  return s.str();
}

// ---------------------------------------------------------------------------
// The data and the drawing

Sweep read_sweep(const std::string& report_dir, const std::string& parameter, const std::string& values_csv,
                 const std::string& values_column) {
  const CsvTable summary = io::read_csv((fs::path(report_dir) / values_csv).string());
  Sweep sweep{experiments::parameter_symbol(parameter), values_column, {}, true};
  const size_t v = summary.column(values_column);
  for (const auto& row : summary.rows) {
    sweep.values.push_back(row[v]);
    sweep.numeric = sweep.numeric && is_finite_number(row[v]);
  }
  if (sweep.values.empty()) throw std::runtime_error(summary.path + ": no swept values (no rows)");
  return sweep;
}

/// The CSV files the figures draw from, read and checked before any drawing,
/// so that a broken report fails first.
struct FigureData {
  std::vector<CsvTable> tables;
  const CsvTable& of(const Figure& f) const {
    for (const auto& t : tables)
      if (fs::path(t.path).filename() == f.data) return t;
    throw std::logic_error(std::string("figure ") + f.name + ": unknown data file " + f.data);
  }
};

FigureData read_figure_data(const std::string& report_dir, const std::vector<Figure>& figures) {
  FigureData d;
  for (const auto& f : figures) {
    const bool have = std::any_of(d.tables.begin(), d.tables.end(),
                                  [&](const CsvTable& t) { return fs::path(t.path).filename() == f.data; });
    if (!have) d.tables.push_back(io::read_csv((fs::path(report_dir) / f.data).string()));
  }
  for (const auto& f : figures) {
    const CsvTable& t = d.of(f);
    for (const char* c : {f.x, f.x_over, f.per_value ? "value" : nullptr})
      if (c) t.column(c);
    for (const auto& c : f.curves) {
      t.column(c.column);
      if (c.error) t.column(c.error);
    }
  }
  return d;
}

/// Writes and runs the script of one figure into `dir`; false when it has no point to draw.
bool draw_figure(const Figure& f, const CsvTable& t, const Sweep& sweep, const std::string& parameter,
                 const std::string& exe, const fs::path& dir) {
  const bool categorical = is_categorical(f, sweep);
  bool logy = f.yscale == Scale::kLog;
  bool logx = f.xscale == Scale::kLog;
  if (f.yscale == Scale::kAuto) {
    const Extent positive = extent(f, t, categorical, logx, true);
    logy = positive.points == extent(f, t, categorical, logx, false).points && positive.y_hi >= 10 * positive.y_lo;
  }
  if (f.xscale == Scale::kAuto && !categorical) {
    const Extent positive = extent(f, t, false, true, logy);
    logx = positive.points == extent(f, t, false, false, logy).points && positive.x_hi >= 10 * positive.x_lo;
  }
  const Extent e = extent(f, t, categorical, logx, logy);
  if (e.points == 0) return false;
  io::write_atomic((dir / (std::string(f.name) + ".gp")).string(), script(f, sweep, parameter, e, logx, logy));
  // gnuplot writes temporary files, renamed once it succeeded: a killed report
  // never leaves a half-written (or 0-byte) figure under the final name. Their
  // names are private to this process (several sweep workers sharing a folder
  // may draw the same report at once, docs/cluster.md) and those of a killed
  // one are removed by the next report (make_figures).
  const std::string suffix = io::temporary_suffix();
  const auto remove_temporaries = [&] {
    std::error_code ec;
    for (const char* ext : {".png", ".svg"}) fs::remove(dir / (std::string(f.name) + ext + suffix), ec);
  };
  try {
    run_gnuplot(exe, dir.string(), std::string(f.name) + ".gp", suffix);
  } catch (...) {
    remove_temporaries();
    throw;
  }
  for (const char* ext : {".png", ".svg"}) {
    const auto final_path = dir / (std::string(f.name) + ext);
    fs::rename(final_path.string() + suffix, final_path);
  }
  return true;
}

/// Draws every figure of `figures` whose x values (or labels) are those of `sweep`.
FigureSet draw_figures(const std::string& report_dir, const Sweep& sweep, const std::string& parameter,
                       const std::string& gnuplot, const std::vector<Figure>& figures) {
  FigureSet set;
  const FigureData data = read_figure_data(report_dir, figures);
  const std::string exe = io::find_executable(gnuplot);
  if (exe.empty()) {
    set.warning = "gnuplot not found ('" + gnuplot + "'): no figures; install gnuplot (Debian: gnuplot-nox) and rerun";
    return set;
  }
  const fs::path dir = fs::path(report_dir) / "figures";
  fs::create_directories(dir);
  io::remove_stale_temporaries(dir.string());  // a killed report's figures and gnuplot logs
  std::vector<std::string> skipped;
  for (const auto& f : figures) {
    if (!draw_figure(f, data.of(f), sweep, parameter, exe, dir)) {
      skipped.push_back(f.name);
      continue;
    }
    for (const char* ext : {".png", ".svg"}) set.files.push_back("figures/" + std::string(f.name) + ext);
    set.captions[f.name] = std::string(f.caption) + (*f.paper ? std::string(" Reproduces paper ") + f.paper + "." : "");
  }
  if (!skipped.empty()) {
    set.warning = "no data to draw for:";
    for (const auto& s : skipped) set.warning += " " + s;
  }
  return set;
}

}  // namespace

std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += (ch == '\'') ? std::string("''") : std::string(1, ch);
  return out + "'";
}

void run_gnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script_name,
                 const std::string& suffix) {
  const std::string log_path = (fs::path(dir) / (script_name + ".log" + suffix)).string();
  io::ProcessSpec p;
  p.argv = {gnuplot, "-e", "awd_suffix='" + suffix + "'", script_name};
  p.working_dir = dir;
  p.output = log_path;
  p.null_stdin = true;
  io::ExitStatus status;
  try {
    status = io::run(p);
  } catch (const io::SpawnError& e) {
    if (e.step == "fork" || e.step == "pipe") throw std::runtime_error("cannot start gnuplot (fork failed)");
    status.code = e.step == "exec" ? 127 : 126;  // what the shell reports for these
  }
  std::string messages;
  try {
    messages = io::read_text(log_path);
  } catch (const std::exception&) {
  }
  std::error_code ec;
  fs::remove(log_path, ec);
  if (status.ok()) return;
  const std::string how = status.signal ? "killed by a signal" : "exit status " + std::to_string(status.code);
  // gnuplot's message is its last lines (the offending line, a caret, the reason).
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == ' ')) messages.pop_back();
  if (messages.size() > 600) messages = "..." + messages.substr(messages.size() - 600);
  throw std::runtime_error((fs::path(dir) / script_name).string() + ": gnuplot failed (" + how + ")" +
                           (messages.empty() ? "" : ":\n" + messages));
}

FigureSet make_figures(const std::string& report_dir, const std::string& parameter, const std::string& gnuplot) {
  return make_figures(report_dir, parameter, gnuplot, sweep_figures());
}

FigureSet make_figures(const std::string& report_dir, const std::string& parameter, const std::string& gnuplot,
                       const std::vector<Figure>& figures) {
  return draw_figures(report_dir, read_sweep(report_dir, parameter, "summary.csv", "value"), parameter, gnuplot,
                      figures);
}

FigureSet make_table_figures(const std::string& report_dir, const std::string& values_csv,
                             const std::string& values_column, const std::vector<Figure>& figures,
                             const std::string& gnuplot) {
  return draw_figures(report_dir, read_sweep(report_dir, values_column, values_csv, values_column), values_column,
                      gnuplot, figures);
}

FigureSet make_figures_of_values(const std::string& report_dir, const std::string& symbol,
                                 const std::vector<std::string>& values, const std::string& gnuplot,
                                 const std::vector<Figure>& figures) {
  Sweep sweep{symbol, "value", values, true};
  for (const auto& v : values) sweep.numeric = sweep.numeric && is_finite_number(v);
  return draw_figures(report_dir, sweep, symbol, gnuplot, figures);
}

}  // namespace awd::report
