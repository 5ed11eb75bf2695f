#include "awd/report/pair_gallery.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "awd/data/dataset.h"
#include "awd/io/csv.h"
#include "awd/io/process.h"
#include "awd/io/text_file.h"
#include "awd/report/figures.h"
#include "awd/report/html.h"
#include "awd/store/config_json.h"
#include "awd/store/run_layout.h"

namespace fs = std::filesystem;

namespace awd::report {
namespace {

/// The classes of CIFAR-10 (its batches.meta.txt), so that a label reads as a word.
const char* const kCifarClasses[] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                     "dog",      "frog",       "horse", "ship", "truck"};

/// One image of a pair: its pixels as bytes [H, W, C] and its label.
struct PairImage {
  torch::Tensor pixels;
  std::string label;
};

/// The data folder of an analysis, or why it has no images to show.
struct ImageData {
  const data::DataFolder* folder = nullptr;
  std::string note;  ///< set when folder is null
};

/// The data folders the galleries show, each read once.
class ImageFolders {
 public:
  ImageData of(const std::string& analysis_dir) {
    const auto summary = store::read_json(store::summary_file(analysis_dir));
    const nlohmann::json::json_pointer where("/config/data/path");
    const auto path = summary.contains(where) && summary[where].is_string() ? summary[where].get<std::string>()
                                                                            : std::string();
    if (path.empty()) return {nullptr, "its summary.json records no data folder (features or arrays)"};
    auto it = read_.find(path);
    if (it == read_.end()) it = read_.emplace(path, data::load_folder(path)).first;
    const auto& images = it->second.test.images;
    if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3))
      return {nullptr, "its data (" + path + ") are not images: inputs of shape " + shape(images) +
                           ", not [N, 1 or 3, H, W]"};
    return {&it->second, ""};
  }

 private:
  static std::string shape(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t d = 1; d < t.dim(); ++d) s += (d > 1 ? ", " : "") + std::to_string(t.size(d));
    return s + "] per sample";
  }
  std::map<std::string, data::DataFolder> read_;
};

std::string label_text(const data::DataFolder& folder, int64_t label) {
  std::string s = std::to_string(label);
  if (folder.format == "cifar10" && label >= 0 && label < 10) s += std::string(" (") + kCifarClasses[label] + ")";
  return s;
}

/// Sample `index` of `split` as bytes [H, W, C]; an error naming pairs.csv when it is beyond the split.
PairImage pair_image(const data::DataFolder& folder, const data::Dataset& split, int64_t index,
                     const std::string& pairs_csv, const char* column) {
  if (index < 0 || index >= split.size())
    throw std::runtime_error(pairs_csv + ": " + column + " " + std::to_string(index) + " is beyond the " +
                             std::to_string(split.size()) + " samples of its data split");
  // Images are read scaled to [0, 1] (data/dataset.h): back to the bytes of the file.
  const auto pixels = split.images[index].mul(255.0).round().clamp(0, 255).to(torch::kUInt8).permute({1, 2, 0});
  return {pixels.contiguous(), label_text(folder, split.labels[index].item<int64_t>())};
}

/// A gnuplot datablock of an image for `with rgbimage`: one line "x y r g b" per pixel.
std::string datablock(const std::string& name, const torch::Tensor& pixels) {
  const int64_t H = pixels.size(0), W = pixels.size(1), C = pixels.size(2);
  const auto* p = pixels.data_ptr<uint8_t>();
  std::ostringstream s;
  s << '$' << name << " << EOD\n";
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      const uint8_t* px = p + (y * W + x) * C;
      s << x << ' ' << y << ' ' << int(px[0]) << ' ' << int(px[C == 3 ? 1 : 0]) << ' ' << int(px[C == 3 ? 2 : 0])
        << '\n';
    }
  s << "EOD\n";
  return s.str();
}

std::string four_digits(double v) { return io::format_number(v, 4); }

std::string rank_name(const std::string& stem, size_t rank) {
  char b[32];
  std::snprintf(b, sizeof b, "_r%02zu", rank);
  return stem + b;
}

/// The lines that draw one pair into RANK_NAME.png: the test image left, its partner right.
std::string pair_plot(const std::string& name, const GalleryPair& p, const PairImage& test, const PairImage& partner) {
  const int64_t H = test.pixels.size(0), W = test.pixels.size(1);
  std::ostringstream s;
  s << datablock("test_" + name, test.pixels) << datablock("partner_" + name, partner.pixels)
    << "set output '" << name << ".png'.awd_suffix\n"
    << "set xrange [-0.5:" << W - 0.5 << "]\nset yrange [" << H - 0.5 << ":-0.5]\n"  // row 0 at the top
    << "set multiplot layout 1,2 title "
    << gp_string("pair k = " + std::to_string(p.k) + ":  l_k = " + four_digits(p.l_k) + "  (sharp " +
                 four_digits(p.sharp) + ", flat " + four_digits(p.flat) + ")   ||dx|| = " + four_digits(p.norm_dx))
    << "\nset title " << gp_string("test sample " + std::to_string(p.test_sample) + ", label " + test.label)
    << "\nplot $test_" << name << " using 1:2:3:4:5 with rgbimage\n"
    << "set title " << gp_string("partner sample " + std::to_string(p.partner_sample) + ", label " + partner.label)
    << "\nplot $partner_" << name << " using 1:2:3:4:5 with rgbimage\nunset multiplot\nset output\n";
  return s.str();
}

std::string script_head(const std::string& stem, const std::string& analysis_dir) {
  std::ostringstream s;
  s << "# " << stem << ": the top pairs of " << analysis_dir << " by |l_k|. Written by awd; rerun with\n"
    << "#   cd figures && gnuplot " << stem << ".gp\n"
    << "if (!exists(\"awd_suffix\")) awd_suffix = ''\n"
    << "set encoding utf8\n"
    << "set terminal pngcairo size " << kGalleryWidth << ',' << kGalleryHeight
    << " enhanced font 'DejaVu Sans,11'\n"
    << "unset key\nunset tics\nunset border\nunset colorbox\nset size ratio -1\n";
  return s.str();
}

std::string figure_html(const std::string& file, size_t rank, const GalleryPair& p, const PairImage& test,
                        const PairImage& partner) {
  std::ostringstream s;
  s << "<figure class=\"pair\" id=\"" << html_escape(fs::path(file).stem().string()) << "\" data-k=\"" << p.k
    << "\" data-test-sample=\"" << p.test_sample << "\" data-partner-sample=\"" << p.partner_sample << "\">\n"
    << "<img src=\"" << html_escape(file) << "\" alt=\"pair k = " << p.k << "\">\n<figcaption><b>" << rank
    << ".</b> k = " << p.k << ": test sample " << p.test_sample << " (label " << html_escape(test.label)
    << "), partner " << p.partner_sample << " (label " << html_escape(partner.label) << "); l<sub>k</sub> = "
    << four_digits(p.l_k) << " (sharp " << four_digits(p.sharp) << ", flat " << four_digits(p.flat) << "), ||dx|| = "
    << four_digits(p.norm_dx) << "</figcaption>\n</figure>\n";
  return s.str();
}

/// The gallery of one analysis: writes its script, runs gnuplot, renames the
/// PNGs into place; returns its figures' HTML and adds the PNGs to `files`.
std::string draw_gallery(const GalleryRequest& r, const data::DataFolder& folder, const std::string& exe,
                         const fs::path& dir, std::vector<std::string>& files) {
  const auto pairs_csv = (fs::path(r.analysis_dir) / "pairs.csv").string();
  const auto pairs = top_pairs(pairs_csv);
  if (pairs.empty()) return "<p>No kept pairs in " + html_escape(pairs_csv) + ".</p>\n";
  const auto& partner_split = folder.single_split() ? folder.test : folder.train;
  std::string script = script_head(r.stem, r.analysis_dir), html;
  std::vector<std::string> names;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto test = pair_image(folder, folder.test, p.test_sample, pairs_csv, "test_sample");
    const auto partner = pair_image(folder, partner_split, p.partner_sample, pairs_csv, "partner_sample");
    names.push_back(rank_name(r.stem, i + 1));
    script += pair_plot(names.back(), p, test, partner);
    html += figure_html("figures/" + names.back() + ".png", i + 1, p, test, partner);
  }
  io::write_atomic((dir / (r.stem + ".gp")).string(), script);
  const std::string suffix = io::temporary_suffix();
  try {
    run_gnuplot(exe, dir.string(), r.stem + ".gp", suffix);
  } catch (...) {
    std::error_code ec;
    for (const auto& n : names) fs::remove(dir / (n + ".png" + suffix), ec);
    throw;
  }
  for (const auto& n : names) {
    fs::rename(dir / (n + ".png" + suffix), dir / (n + ".png"));
    files.push_back("figures/" + n + ".png");
  }
  return "<div class=\"gallery\">\n" + html + "</div>\n";
}

}  // namespace

std::vector<GalleryPair> top_pairs(const std::string& pairs_csv, int n) {
  const auto rows = io::read_csv_columns(
      pairs_csv, {"k", "test_sample", "partner_sample", "kept", "l_k", "norm_dx", "sharp", "flat"});
  std::vector<GalleryPair> kept;
  for (const auto& r : rows)
    if (r[3] != 0)
      kept.push_back({int64_t(r[0]), int64_t(r[1]), int64_t(r[2]), r[4], r[5], r[6], r[7]});
  std::stable_sort(kept.begin(), kept.end(), [](const GalleryPair& a, const GalleryPair& b) {
    return std::abs(a.l_k) != std::abs(b.l_k) ? std::abs(a.l_k) > std::abs(b.l_k) : a.k < b.k;
  });
  if (int64_t(kept.size()) > n) kept.resize(size_t(std::max(n, 0)));
  return kept;
}

Galleries write_galleries(const std::vector<GalleryRequest>& requests, const std::string& report_dir,
                          const std::string& gnuplot) {
  Galleries g;
  if (requests.empty()) return g;
  g.html = "<h2>Top pairs</h2>\n<p>Per analysis, the " + std::to_string(kGalleryPairs) +
           " pairs with the largest |l<sub>k</sub>| (Eq. 7), largest first: the test image (left) and its partner "
           "(right), the nearest training sample of its class (SPEC §2). Sample numbers index the data files "
           "(pairs.csv's test_sample and partner_sample); ||dx|| is the distance of their activities at the "
           "analysed layer; sharp + flat = l<sub>k</sub>, split at n<sub>s</sub>.</p>\n";
  const std::string exe = io::find_executable(gnuplot);
  if (exe.empty()) {
    g.html += "<p class=\"warning\">No pair gallery: gnuplot not found.</p>\n";
    return g;
  }
  const fs::path dir = fs::path(report_dir) / "figures";
  fs::create_directories(dir);
  ImageFolders folders;
  for (const auto& r : requests) {
    g.html += "<h3>" + html_escape(r.heading) + "</h3>\n";
    try {
      const auto data = folders.of(r.analysis_dir);
      g.html += data.folder ? draw_gallery(r, *data.folder, exe, dir, g.files)
                            : "<p>No pair gallery: " + html_escape(data.note) + ".</p>\n";
    } catch (const std::exception& e) {
      g.warnings.push_back("no pair gallery of " + r.analysis_dir + ": " + e.what());
      g.html += "<p class=\"warning\">" + html_escape(g.warnings.back()) + "</p>\n";
    }
  }
  return g;
}

}  // namespace awd::report
