#include "awd/experiments/figures.h"
#include "awd/experiments/sweep.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "awd/io/files.h"

namespace fs = std::filesystem;

namespace awd::experiments {
namespace {

// ---------------------------------------------------------------------------
// The figures, one row per paper figure type. Scripts are generated from this
// table alone, so adding a figure is adding a row.

// Losses are in nats (natural-log cross-entropy). A weight is a plain number,
// so a gradient component is in nats per unit weight.
const std::vector<Figure>& default_figures() {
  static const std::vector<Figure> kFigures = {
      {"sharpness_spectrum", "Fig. 3A, 3D, 4A, 4D",
       "Sharpness spectrum: the spread of the loss gradient over the sample pairs, sigma_g,i, "
       "along each direction i, sharpest first, one curve per swept value (means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"sigma_g"}},
       "rank i (1 = sharpest)", "σ_{g,i} (nats per unit weight)", Scale::kLog, Scale::kLog, "lines lw 2"},
      {"size_spectrum", "Fig. 3B, 4B",
       "Size of the solution: the accumulated spread of the dual weights, S_w(i) = sum_{j<=i} sigma_w,j, "
       "against rank (means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"S_w"}},
       "rank i (1 = sharpest)", "S_w(i) = Σ_{j≤i} σ_{w,j}", Scale::kLog, Scale::kLinear, "lines lw 2"},
      {"gap_split", "Fig. 3C, 3F, 4C, 4F",
       "Generalization gap dL = L(S_test) - L(S_train) and its parts from the sharp (dL_s) and flat (dL_f) "
       "directions against the swept value; error bars are the standard deviation over repeats.",
       "summary.csv", "value", nullptr, false,
       {{"gap_mean", "ΔL (measured gap)", "gap_std"},
        {"dL_sharp_mean", "ΔL_s (sharp directions)", "dL_sharp_std"},
        {"dL_flat_mean", "ΔL_f (flat directions)", "dL_flat_std"}},
       "{P}", "generalization gap (nats)", Scale::kAuto, Scale::kLinear, "yerrorlines lw 2 pt 7"},
      {"sharpness_vs_hessian", "Fig. 2A",
       "Gradient spread sigma_g,i against the Hessian eigenvalue lambda_i of the same direction, "
       "log-log; directions with lambda_i <= 0 are left out.",
       "ranks.csv", "lambda", nullptr, true, {{"sigma_g"}},
       "Hessian eigenvalue λ_i (nats per unit weight^2)", "σ_{g,i} (nats per unit weight)", Scale::kLog,
       Scale::kLog, "points pt 7 ps 0.8"},
      {"size_vs_norm", "Fig. 2B",
       "Dual-weight spread sigma_w,i at ranks 1, 10 and 100 against the norm ||W|| of the analysed layer, "
       "one point per solution.",
       "solutions.csv", "weight_norm", nullptr, false,
       {{"sigma_w_r1", "rank 1"}, {"sigma_w_r10", "rank 10"}, {"sigma_w_r100", "rank 100"}},
       "layer norm ||W||_F", "σ_{w,i}", Scale::kAuto, Scale::kLog, "points pt 7 ps 1.2"},
      {"correlation_spectrum", "Fig. S3",
       "Correlation c_i between gradient and dual-weight components along each direction, against rank "
       "(means over repeats).",
       "ranks.csv", "rank", nullptr, true, {{"c"}},
       "rank i (1 = sharpest)", "correlation c_i", Scale::kLog, Scale::kLinear, "lines lw 2"},
      {"estimated_gap_vs_test_error", "Fig. S4",
       "Estimated gap sum_i dL_i (Eq. 11) against the test error, one point per solution.",
       "solutions.csv", "test_error", nullptr, true, {{"sum_dL"}},
       "test error", "estimated gap Σ_i ΔL_i (nats)", Scale::kLinear, Scale::kLinear, "points pt 7 ps 1.2"},
      {"gap_vs_lr_over_batch", "Fig. S10",
       "Generalization gap dL against the ratio of learning rate to batch size, alpha/B, one point per solution.",
       "solutions.csv", "lr", "batch_size", true, {{"gap"}},
       "α / B", "generalization gap ΔL (nats)", Scale::kLog, Scale::kLinear, "points pt 7 ps 1.2"},
  };
  return kFigures;
}

// ---------------------------------------------------------------------------
// CSV: the report's files are plain (no quoting), header line first.

struct Table {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  size_t column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error(path + ": no column '" + name + "'");
    return static_cast<size_t>(it - header.begin());
  }
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Table read_csv(const std::string& path) {
  Table t{path, {}, {}};
  std::istringstream in(io::read_text(path));
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split(line);
    if (t.header.empty()) {
      t.header = std::move(fields);
    } else if (fields.size() != t.header.size()) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + std::to_string(fields.size()) +
                               " fields, the header has " + std::to_string(t.header.size()));
    } else {
      t.rows.push_back(std::move(fields));
    }
  }
  if (t.header.empty()) throw std::runtime_error(path + ": empty file (no header line)");
  return t;
}

/// The number a CSV field holds, or nullopt-like NaN for "nan", text and empty fields.
double number(const std::string& s) {
  const char* begin = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return (end != begin && *end == '\0') ? v : std::nan("");
}

bool is_number(const std::string& s) { return std::isfinite(number(s)); }

std::string format_number(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// ---------------------------------------------------------------------------
// gnuplot scripts

/// A gnuplot single-quoted string (only the quote itself needs escaping).
std::string gp_string(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += (ch == '\'') ? std::string("''") : std::string(1, ch);
  return out + "'";
}

std::string gp_column(const std::string& name) { return "column(" + gp_string(name) + ")"; }

/// The swept values, in sweep order, as summary.csv writes them.
struct Sweep {
  std::string symbol;               ///< the parameter's paper symbol
  std::vector<std::string> values;  ///< CSV fields of summary.csv's value column
  bool numeric = true;              ///< every value is a number
};

/// The gnuplot condition selecting the rows of one swept value. Numbers are
/// compared with a relative tolerance, since another writer may print the same
/// double differently (0.005 vs 5e-03); other values by string equality.
std::string value_filter(const std::string& value) {
  if (is_number(value)) {
    const std::string v = "(" + format_number(number(value), 17) + ")";
    return "(abs(" + gp_column("value") + " - " + v + ") <= 1e-9 * abs" + v + ")";
  }
  return "(strcol(" + gp_string("value") + ") eq " + gp_string(value) + ")";
}

/// The extent of the points a figure draws (on a log axis only positive ones).
struct Extent {
  double x_lo = HUGE_VAL, x_hi = -HUGE_VAL, y_lo = HUGE_VAL, y_hi = -HUGE_VAL;
  size_t points = 0;
};

Extent extent(const Figure& f, const Table& t, bool categorical, bool logx, bool logy) {
  Extent e;
  const size_t x = t.column(f.x);
  const size_t x_over = f.x_over ? t.column(f.x_over) : 0;
  std::vector<size_t> ys;
  for (const auto& c : f.curves) ys.push_back(t.column(c.column));
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const double xv = categorical ? double(r) : number(row[x]) / (f.x_over ? number(row[x_over]) : 1.0);
    if (!std::isfinite(xv) || (logx && !(xv > 0))) continue;
    for (size_t y : ys) {
      const double yv = number(row[y]);
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

/// A swept value that is not a number (an option name) goes on the x axis as a label.
bool is_categorical(const Figure& f, const Sweep& sweep) {
  return !f.per_value && std::string(f.x) == "value" && !sweep.numeric;
}

std::string script(const Figure& f, const Sweep& sweep, const std::string& parameter, const Extent& e, bool logx,
                   bool logy) {
  std::string xlabel = f.xlabel;
  if (xlabel == "{P}") {
    // Enhanced text would set "batch_size" as batch with a subscript s.
    std::string literal;
    for (char ch : parameter) literal += ch == '_' ? std::string("\\_") : std::string(1, ch);
    xlabel = sweep.symbol == parameter ? literal : sweep.symbol + " (" + literal + ")";
  }
  std::ostringstream s;
  s << "# " << f.name << ": reproduces paper " << f.paper << ". Written by awd; rerun with\n"
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

  const std::string data = gp_string("../" + std::string(f.data));
  std::string x = gp_column(f.x);
  if (f.x_over) x = "(" + x + " / " + gp_column(f.x_over) + ")";
  const bool categorical = is_categorical(f, sweep);
  std::vector<std::string> clauses;
  if (f.per_value) {
    const size_t n = sweep.values.size();
    for (size_t k = 0; k < n; ++k) {
      const std::string frac = format_number(n > 1 ? double(k) / double(n - 1) : 0.0, 6);
      clauses.push_back(data + " using (" + x + "):(" + value_filter(sweep.values[k]) + " ? " +
                        gp_column(f.curves[0].column) + " : NaN) with " + f.style + " lc palette frac " + frac +
                        " title " + gp_string(sweep.symbol + " = " + sweep.values[k]));
    }
  } else {
    const char* colors[] = {"#000000", "#c0392b", "#2e86c1", "#27ae60", "#8e44ad"};
    for (size_t k = 0; k < f.curves.size(); ++k) {
      const auto& c = f.curves[k];
      std::string using_ = categorical ? "($0)" : "(" + x + ")";
      using_ += ":(" + gp_column(c.column) + ")";
      if (c.error) using_ += ":(" + gp_column(c.error) + ")";
      if (categorical) using_ += ":xticlabels(strcol(" + gp_string("value") + "))";
      clauses.push_back(data + " using " + using_ + " with " + f.style + " lc rgb '" + colors[k % 5] +
                        "' title " + gp_string(c.title));
    }
  }
  if (categorical) s << "set offsets 0.5, 0.5, graph 0.05, graph 0.05\n";
  std::string plot = "plot ";
  for (size_t k = 0; k < clauses.size(); ++k) plot += (k ? ", \\\n     " : "") + clauses[k];
  s << "\nset terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,12'\n"
    << "set output '" << f.name << ".png'\n"
    << plot << "\n"
    << "\nset terminal svg size 960,600 dynamic enhanced font 'DejaVu Sans,12'\n"
    << "set output '" << f.name << ".svg'\n"
    << "replot\n"
    << "set output\n";
  return s.str();
}

// ---------------------------------------------------------------------------
// Running gnuplot

/// The executable `program` names (a path, or a name looked up in PATH), or "".
std::string find_executable(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto candidate = (fs::path(dir.empty() ? "." : dir) / program).string();
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return "";
}

/// Runs `gnuplot NAME.gp` in `dir` (the scripts use paths relative to it);
/// a non-zero exit is an error naming the script and quoting gnuplot's message.
void run_gnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script_name) {
  const std::string log_path = (fs::path(dir) / (script_name + ".log")).string();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start gnuplot (fork failed)");
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0 || ::chdir(dir.c_str()) != 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execl(gnuplot.c_str(), gnuplot.c_str(), script_name.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("cannot wait for gnuplot");
  }
  std::string messages;
  try {
    messages = io::read_text(log_path);
  } catch (const std::exception&) {
  }
  std::error_code ec;
  fs::remove(log_path, ec);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "killed by a signal";
  // gnuplot's message is its last lines (the offending line, a caret, the reason).
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == ' ')) messages.pop_back();
  if (messages.size() > 600) messages = "..." + messages.substr(messages.size() - 600);
  throw std::runtime_error((fs::path(dir) / script_name).string() + ": gnuplot failed (" + how + ")" +
                           (messages.empty() ? "" : ":\n" + messages));
}

Sweep read_sweep(const std::string& report_dir, const std::string& parameter) {
  const Table summary = read_csv((fs::path(report_dir) / "summary.csv").string());
  Sweep sweep{parameter_symbol(parameter), {}, true};
  const size_t v = summary.column("value");
  for (const auto& row : summary.rows) {
    sweep.values.push_back(row[v]);
    sweep.numeric = sweep.numeric && is_number(row[v]);
  }
  if (sweep.values.empty()) throw std::runtime_error(summary.path + ": no swept values (no rows)");
  return sweep;
}

// ---------------------------------------------------------------------------
// HTML

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

/// A table cell: statistics to 4 significant digits, settings (value, lr, ...)
/// to 6 so that they stay recognisable; the CSV keeps full precision.
std::string cell(const std::string& field, int digits) {
  return is_number(field) ? format_number(number(field), digits) : field;
}

/// summary.csv as an HTML table; each X_mean with its X_std becomes one "mean ± std" column.
std::string summary_table(const Table& t) {
  struct Col { std::string title; size_t mean; long std; };
  std::vector<Col> cols;
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string& h = t.header[i];
    const auto ends = [&](const std::string& suf) {
      return h.size() > suf.size() && h.compare(h.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (ends("_std")) {
      const auto mean = std::find(t.header.begin(), t.header.end(), h.substr(0, h.size() - 4) + "_mean");
      if (mean != t.header.end()) continue;  // shown with its mean
    }
    if (ends("_mean")) {
      const std::string base = h.substr(0, h.size() - 5);
      const auto sd = std::find(t.header.begin(), t.header.end(), base + "_std");
      cols.push_back({base, i, sd == t.header.end() ? -1L : long(sd - t.header.begin())});
    } else {
      cols.push_back({h, i, -1L});
    }
  }
  std::ostringstream s;
  s << "<div class=\"scroll\"><table>\n<thead><tr>";
  for (const auto& c : cols) s << "<th>" << html_escape(c.title) << "</th>";
  s << "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    s << "<tr>";
    for (const auto& c : cols) {
      const int digits = c.title == t.header[c.mean] ? 6 : 4;
      s << "<td>" << html_escape(cell(row[c.mean], digits));
      if (c.std >= 0) s << " <span class=\"sd\">± " << html_escape(cell(row[size_t(c.std)], 4)) << "</span>";
      s << "</td>";
    }
    s << "</tr>\n";
  }
  s << "</tbody></table></div>\n";
  return s.str();
}

const char* kCss = R"(body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #555; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; }
tbody tr:nth-child(even) { background: #fafafa; }
.sd { color: #777; }
figure { margin: 2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.95em; color: #333; }
.warning { background: #fff4e5; border-left: 4px solid #e67e22; padding: 0.5em 1em; }
)";

}  // namespace

const std::vector<Figure>& sweep_figures() { return default_figures(); }

FigureSet make_figures(const std::string& report_dir, const std::string& parameter, const std::string& gnuplot) {
  return make_figures(report_dir, parameter, gnuplot, sweep_figures());
}

FigureSet make_figures(const std::string& report_dir, const std::string& parameter, const std::string& gnuplot,
                       const std::vector<Figure>& figures) {
  FigureSet set;
  // Read and check every input first, so a broken report fails before any drawing.
  const Sweep sweep = read_sweep(report_dir, parameter);
  std::vector<Table> tables;
  for (const auto& f : figures) {
    const bool have = std::any_of(tables.begin(), tables.end(),
                                  [&](const Table& t) { return fs::path(t.path).filename() == f.data; });
    if (!have) tables.push_back(read_csv((fs::path(report_dir) / f.data).string()));
  }
  const auto table_of = [&](const Figure& f) -> const Table& {
    for (const auto& t : tables)
      if (fs::path(t.path).filename() == f.data) return t;
    throw std::logic_error(std::string("figure ") + f.name + ": unknown data file " + f.data);
  };
  for (const auto& f : figures) {
    const Table& t = table_of(f);
    for (const char* c : {f.x, f.x_over, f.per_value ? "value" : nullptr})
      if (c) t.column(c);
    for (const auto& c : f.curves) {
      t.column(c.column);
      if (c.error) t.column(c.error);
    }
  }

  const std::string exe = find_executable(gnuplot);
  if (exe.empty()) {
    set.warning = "gnuplot not found ('" + gnuplot + "'): no figures; install gnuplot (Debian: gnuplot-nox) and rerun";
    return set;
  }

  const fs::path dir = fs::path(report_dir) / "figures";
  fs::create_directories(dir);
  std::vector<std::string> skipped;
  for (const auto& f : figures) {
    const Table& t = table_of(f);
    const bool categorical = is_categorical(f, sweep);
    const bool logy = f.yscale == Scale::kLog;
    bool logx = f.xscale == Scale::kLog;
    if (f.xscale == Scale::kAuto && !categorical) {
      const Extent positive = extent(f, t, false, true, logy);
      logx = positive.points == extent(f, t, false, false, logy).points && positive.x_hi >= 10 * positive.x_lo;
    }
    const Extent e = extent(f, t, categorical, logx, logy);
    if (e.points == 0) {
      skipped.push_back(f.name);
      continue;
    }
    io::write_atomic((dir / (std::string(f.name) + ".gp")).string(), script(f, sweep, parameter, e, logx, logy));
    run_gnuplot(exe, dir.string(), std::string(f.name) + ".gp");
    for (const char* ext : {".png", ".svg"}) set.files.push_back("figures/" + std::string(f.name) + ext);
    set.captions[f.name] = std::string(f.caption) + " Reproduces paper " + f.paper + ".";
  }
  if (!skipped.empty()) {
    set.warning = "no data to draw for:";
    for (const auto& s : skipped) set.warning += " " + s;
  }
  return set;
}

std::string csv_html_table(const std::string& path) { return summary_table(read_csv(path)); }

void write_report_html(const std::string& report_dir, const std::string& title, const std::string& parameter,
                       const FigureSet& figure_set, const std::string& extra_html) {
  const Table summary = read_csv((fs::path(report_dir) / "summary.csv").string());
  const std::string symbol = parameter_symbol(parameter);
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << html_escape(title)
    << "</title>\n<style>\n" << kCss << "</style>\n</head>\n<body>\n"
    << "<h1>" << html_escape(title) << "</h1>\n"
    << "<p class=\"meta\">Swept parameter: <b>" << html_escape(parameter) << "</b>"
    << (symbol != parameter ? " (" + html_escape(symbol) + " in the paper)" : "") << ", "
    << summary.rows.size() << " values. Activity-weight duality analysis after Feng, Zhang &amp; Tu. "
    << "Losses in nats. Data: <a href=\"summary.csv\">summary.csv</a>, <a href=\"ranks.csv\">ranks.csv</a>, "
    << "<a href=\"solutions.csv\">solutions.csv</a>.</p>\n";
  if (!figure_set.warning.empty()) s << "<p class=\"warning\">" << html_escape(figure_set.warning) << "</p>\n";
  s << "<h2>Summary</h2>\n<p>Means ± standard deviations over the finished repeats of each value.</p>\n"
    << summary_table(summary) << extra_html;

  s << "<h2>Figures</h2>\n";
  if (figure_set.files.empty()) s << "<p>No figures.</p>\n";
  // Each figure is shown as its PNG and linked to its SVG; files are grouped by stem.
  std::vector<std::string> stems;
  for (const auto& file : figure_set.files) {
    const std::string stem = fs::path(file).stem().string();
    if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
  }
  int number_ = 0;
  for (const auto& stem : stems) {
    std::vector<std::string> files;
    for (const auto& file : figure_set.files)
      if (fs::path(file).stem() == stem) files.push_back(file);
    const auto png = std::find_if(files.begin(), files.end(),
                                  [](const std::string& f) { return fs::path(f).extension() == ".png"; });
    const auto caption = figure_set.captions.find(stem);
    const std::string img = png != files.end() ? *png : files.front();
    s << "<figure id=\"" << html_escape(stem) << "\">\n<img src=\"" << html_escape(img) << "\" alt=\""
      << html_escape(stem) << "\">\n<figcaption><b>Figure " << ++number_ << ".</b> ";
    if (caption != figure_set.captions.end()) s << html_escape(caption->second) << " ";
    for (const auto& file : files)
      s << "<a href=\"" << html_escape(file) << "\">" << html_escape(fs::path(file).extension().string().substr(1))
        << "</a> ";
    s << "</figcaption>\n</figure>\n";
  }
  s << "</body>\n</html>\n";
  io::write_atomic((fs::path(report_dir) / "report.html").string(), s.str());
}

}  // namespace awd::experiments
