// The CSV reader and number writer, on CSV text written by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "awd/io/csv.h"
#include "test_files.h"

using namespace awd;

TEST(Csv, HeaderRowsAndColumnsByName) {
  // Blank lines are skipped, "\r\n" is accepted, a trailing comma is an empty field.
  const auto t = io::parse_csv("value,rank,sigma_g\r\n\n0.05,1,2.5\r\nssgd,2,\n", "t.csv");
  ASSERT_EQ(t.header.size(), 3u);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][0], "ssgd");
  EXPECT_EQ(t.rows[1][2], "");
  EXPECT_EQ(t.column("sigma_g"), 2u);
  const auto n = t.numbers({"sigma_g", "value"});
  EXPECT_EQ(n[0][0], 2.5);
  EXPECT_EQ(n[0][1], 0.05);
  EXPECT_TRUE(std::isnan(n[1][0]));  // empty
  EXPECT_TRUE(std::isnan(n[1][1]));  // a name
}

TEST(Csv, ErrorsNameTheFileLineAndColumn) {
  const auto error_of = [](auto f) { return test_util::message_of<std::runtime_error>(f); };
  EXPECT_EQ(error_of([] { io::parse_csv("a,b\n1,2\n", "t.csv").column("c"); }), "t.csv: no column 'c'");
  EXPECT_EQ(error_of([] { io::parse_csv("a,b\n1,2\n3\n", "t.csv"); }), "t.csv:3: 1 fields, the header has 2");
  EXPECT_EQ(error_of([] { io::parse_csv("\n\n", "t.csv"); }), "t.csv: empty file (no header line)");
  EXPECT_NE(error_of([] { io::read_csv("/no/such/file.csv"); }).find("/no/such/file.csv"), std::string::npos);
}

TEST(Csv, FieldsAsNumbers) {
  EXPECT_EQ(io::csv_field_number("1e-3"), 0.001);
  EXPECT_EQ(io::csv_field_number("-7"), -7.0);
  EXPECT_TRUE(std::isnan(io::csv_field_number("nan")));
  EXPECT_TRUE(std::isnan(io::csv_field_number("0.5x")));
  EXPECT_TRUE(io::is_finite_number("25"));
  EXPECT_FALSE(io::is_finite_number("nan"));
  EXPECT_FALSE(io::is_finite_number("dpsgd"));
}

TEST(Csv, NumbersAreWrittenShortestAndReadBackExactly) {
  EXPECT_EQ(io::csv_number(0.1), "0.1");
  EXPECT_EQ(io::csv_number(25), "25.0");
  EXPECT_EQ(io::csv_number(NAN), "nan");
  EXPECT_EQ(io::csv_number(INFINITY), "inf");  // a direction that never doubles its loss: F = inf
  EXPECT_EQ(io::csv_number(-INFINITY), "-inf");
  EXPECT_EQ(io::csv_field_number(io::csv_number(INFINITY)), INFINITY);
  const double third = 1.0 / 3.0;
  EXPECT_EQ(io::csv_field_number(io::csv_number(third)), third);
  EXPECT_EQ(io::format_number(0.123456789, 4), "0.1235");
}

TEST(Csv, ReadsAFileColumnsAsNumbers) {
  test_util::TempDir dir;
  const auto path = (dir / "d.csv").string();
  io::write_atomic(path, "rank,S_w\n1,0.5\n2,0.75\n");
  const auto rows = io::read_csv_columns(path, {"S_w"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], 0.75);
}
