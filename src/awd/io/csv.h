// The one CSV reader and number writer of awd. The files awd writes and reads
// back (directions.csv, noise.csv, the report's tables) are plain: a header
// line, then rows of comma-separated fields, no quoting. Torch-free.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace awd::io {

/// A CSV file: its header and its rows, every row as wide as the header.
struct CsvTable {
  std::string path;                             ///< where it was read from (named in errors)
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  /// The index of column `name`; std::runtime_error "PATH: no column 'NAME'" when there is none.
  size_t column(const std::string& name) const;
  /// The columns `wanted`, in that order, of every row as numbers (csv_field_number).
  std::vector<std::vector<double>> numbers(const std::vector<std::string>& wanted) const;
};

/// The fields of one line (a trailing comma ends in an empty field).
std::vector<std::string> split_csv_line(const std::string& line);

/// Parses CSV text (blank lines skipped, "\r\n" accepted). Errors name `path`:
/// no header line ("PATH: empty file (no header line)"), or a row whose width
/// differs from the header's ("PATH:LINE: N fields, the header has M").
CsvTable parse_csv(const std::string& text, const std::string& path);

/// Reads and parses a CSV file (parse_csv); an unreadable file is an error naming it.
CsvTable read_csv(const std::string& path);

/// The columns `wanted` of the CSV file at `path` as numbers:
/// read_csv(path).numbers(wanted).
std::vector<std::vector<double>> read_csv_columns(const std::string& path, const std::vector<std::string>& wanted);

/// The number a field holds; NaN for "nan", text and empty fields.
double csv_field_number(const std::string& field);

/// Whether a field holds a finite number.
bool is_finite_number(const std::string& field);

/// `v` printed with %.*g to `digits` significant digits.
std::string format_number(double v, int digits);

/// A number as awd writes it into CSV files: the shortest form that reads
/// back to the same double ("nan", "inf" and "-inf" included).
std::string csv_number(double v);

}  // namespace awd::io
