// Classification datasets from CSV files: one sample per row, numeric
// features and an integer class label.
//
// Format: fields separated by `delimiter` (no quoting), lines ended by
// "\n" or "\r\n"; blank lines are skipped. Every data row must have the
// same number of fields. The label is the field `label_column` (negative
// counts from the end: -1 is the last field) and must be a non-negative
// integer written as digits, with nothing after a point but zeros ("3" or
// "3.0"; not "+3", "3e0" or "2.9999999999999999"); every other field is a feature, a finite decimal
// number: an optional sign, digits with an optional fraction, an optional
// exponent ("-2", ".5", "1e-3"; not "0x10", "inf" or "nan", which strtod
// would read), that is also finite in the job's dtype (1e300 is not a
// float32). Leading and trailing blanks are ignored. Rows past `limit` are
// not read. An optional first header row names the
// columns; with header "auto" the first row is a header when none of its
// fields is a number.
//
// Commitment (dataset_commitment.h): the leaf of sample i covers the label
// as i64 little-endian and the features as f64 little-endian, i.e. the
// values as parsed, so "1" and "1.0" commit alike.
//
// Thread-safety: pure functions.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "core/train/dataset.h"
#include "core/util/status.h"

namespace veritrain {

enum class CsvHeader {
  kInvalid = 0,  // deliberately not a valid choice
  kAuto = 1,
  kPresent = 2,
  kAbsent = 3,
};

struct CsvOptions {
  int64_t label_column = -1;
  CsvHeader header = CsvHeader::kAuto;
  char delimiter = ',';
  int64_t limit = 0;  // keep the first `limit` samples; 0 keeps all
};

// Parses CSV text; `source` names it in errors, which give the 1-based line
// number: "data.csv:7: 5 fields, expected 6 (as on line 2)",
// "data.csv:4: field 3 \"abc\" is not a number",
// "data.csv:9: label \"2.5\" is not a non-negative integer",
// "data.csv:3: field 2 \"1e999\" is out of range for a double",
// "data.csv:5: field 1 (1e+300) is not finite as float32, the job's dtype",
// "data.csv: no data rows". All InvalidArgument.
// REQUIRES: dtype is kFloat32 or kFloat64.
Result<Dataset> ParseCsvDataset(std::string_view text,
                                const std::string& source,
                                const CsvOptions& options,
                                torch::ScalarType dtype = torch::kFloat32);

// Reads `path` (NotFound / IOError naming it) and parses it.
Result<Dataset> LoadCsvDataset(const std::string& path,
                               const CsvOptions& options,
                               torch::ScalarType dtype = torch::kFloat32);

}  // namespace veritrain
