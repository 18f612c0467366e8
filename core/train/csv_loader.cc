#include "core/train/csv_loader.h"

#include <torch/torch.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/train/dataset_commitment.h"
#include "core/train/dataset_files.h"

namespace veritrain {

namespace {

// Splits one line (without its end) at `delim`.
std::vector<std::string_view> SplitFields(std::string_view line, char delim) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t at = line.find(delim, start);
    if (at == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, at - start));
    start = at + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number as the format allows it: an optional sign, digits with
// an optional fraction (or a fraction alone), an optional exponent. What
// strtod reads besides (hexadecimal "0x10", "inf", "nan", "infinity") is
// not a number here.
bool IsDecimal(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa = digits() || mantissa;
  }
  if (!mantissa) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

enum class Parsed {
  kNumber = 1,
  kNotDecimal = 2,
  kOutOfRange = 3,  // beyond what a double holds (or too close to zero)
};

// The field as a finite double.
// A label written as a whole number: digits, then optionally a point and
// zeros ("3", "3.0"). A label the double parse would round to an integer
// ("2.9999999999999999") or written another way ("1e0", "+1") is refused,
// so the class taken is the one written.
bool IsWrittenAsInteger(std::string_view field) {
  const std::string_view s = Trim(field);
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  for (++i; i < s.size(); ++i) {
    if (s[i] != '0') return false;
  }
  return true;
}

Parsed ParseNumber(std::string_view field, double* out) {
  const std::string s(Trim(field));
  if (!IsDecimal(s)) return Parsed::kNotDecimal;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) {
    return Parsed::kOutOfRange;
  }
  *out = v;
  return Parsed::kNumber;
}

std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string q(s.substr(0, kMax));
  if (s.size() > kMax) q += "...";
  return "\"" + q + "\"";
}

}  // namespace

Result<Dataset> ParseCsvDataset(std::string_view text,
                                const std::string& source,
                                const CsvOptions& options,
                                torch::ScalarType dtype) {
  if (options.header == CsvHeader::kInvalid) {
    return Status::InvalidArgument(source + ": no header choice given");
  }
  std::vector<double> features;
  std::vector<int64_t> labels;
  std::vector<size_t> sample_lines;  // the line each sample was read from
  std::string label_bytes;
  std::string feature_bytes;
  size_t width = 0;       // fields per row, from the first row
  size_t first_line = 0;  // the line that fixed `width`
  size_t label_index = 0;
  bool header_pending = options.header != CsvHeader::kAbsent;
  size_t line_no = 0;
  size_t pos = 0;
  // A UTF-8 byte order mark (spreadsheets write one) is not part of the
  // first field: it made "-0.96" of a header-less file "not a number".
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    if (options.limit > 0 &&
        static_cast<int64_t>(labels.size()) >= options.limit) {
      break;
    }
    const std::string at = source + ":" + std::to_string(line_no) + ": ";
    std::vector<std::string_view> fields =
        SplitFields(line, options.delimiter);
    if (width == 0) {
      width = fields.size();
      first_line = line_no;
      if (width < 2) {
        return Status::InvalidArgument(
            at + std::to_string(width) +
            " field; a row needs at least one feature and a label");
      }
      const int64_t w = static_cast<int64_t>(width);
      const int64_t col = options.label_column < 0
                              ? w + options.label_column
                              : options.label_column;
      if (col < 0 || col >= w) {
        return Status::InvalidArgument(
            at + "label_column " + std::to_string(options.label_column) +
            " is outside the row's " + std::to_string(width) + " fields");
      }
      label_index = static_cast<size_t>(col);
    } else if (fields.size() != width) {
      return Status::InvalidArgument(
          at + std::to_string(fields.size()) + " fields, expected " +
          std::to_string(width) + " (as on line " +
          std::to_string(first_line) + ")");
    }
    if (header_pending) {
      header_pending = false;
      // "auto": a header when no field is a number (a data row with a bad
      // field is reported below, not taken for a header).
      bool any_number = false;
      double ignored = 0;
      for (const auto& f : fields) {
        any_number = any_number || ParseNumber(f, &ignored) != Parsed::kNotDecimal;
      }
      if (options.header == CsvHeader::kPresent || !any_number) continue;
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      double v = 0;
      const Parsed parsed = ParseNumber(fields[i], &v);
      if (parsed != Parsed::kNumber) {
        return Status::InvalidArgument(
            at +
            (i == label_index ? "label "
                              : "field " + std::to_string(i + 1) + " ") +
            Quoted(fields[i]) +
            (parsed == Parsed::kOutOfRange
                 ? " is out of range for a double"
                 : " is not a number (a decimal such as 3, -0.5 or 1e-3; no "
                   "hexadecimal, inf or nan)"));
      }
      if (i == label_index) {
        if (v < 0 || v != std::floor(v) || !IsWrittenAsInteger(fields[i])) {
          return Status::InvalidArgument(at + "label " + Quoted(fields[i]) +
                                         " is not a non-negative integer");
        }
        if (v > 9.0e15) {
          return Status::InvalidArgument(at + "label " + Quoted(fields[i]) +
                                         " is too large (a class index, at most 9e15)");
        }
        const auto label = static_cast<int64_t>(v);
        labels.push_back(label);
        sample_lines.push_back(line_no);
        AppendLittleEndian(&label_bytes, &label, sizeof(label));
      } else {
        features.push_back(v);
      }
    }
  }
  if (labels.empty()) {
    return Status::InvalidArgument(source + ": no data rows");
  }
  AppendLittleEndian(&feature_bytes, features.data(),
                     features.size() * sizeof(double));
  const int64_t n = static_cast<int64_t>(labels.size());
  const int64_t f = static_cast<int64_t>(width) - 1;
  std::vector<Digest> leaves = SampleLeafHashes(
      label_bytes, sizeof(int64_t), feature_bytes,
      static_cast<size_t>(f) * sizeof(double), static_cast<size_t>(n));
  try {
    auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    torch::Tensor x =
        torch::from_blob(features.data(), {n, f}, f64)
            .to(dtype, /*non_blocking=*/false, /*copy=*/true);
    // A finite double may still overflow the job's dtype (1e300 in float32).
    if (const auto bad = FirstNonFinite(x)) {
      const auto [sample, feature] = *bad;
      const size_t field = static_cast<size_t>(feature) +
                           (static_cast<size_t>(feature) >= label_index ? 1 : 0);
      const double value = features[static_cast<size_t>(sample * f + feature)];
      char text[32];
      std::snprintf(text, sizeof(text), "%.9g", value);
      return Status::InvalidArgument(
          source + ":" + std::to_string(sample_lines[static_cast<size_t>(sample)]) +
          ": field " + std::to_string(field + 1) + " (" + text + ") is not finite as " +
          DTypeNameOf(dtype) + ", the job's dtype: training data must be finite");
    }
    torch::Tensor y =
        torch::from_blob(labels.data(), {n},
                         torch::TensorOptions().dtype(torch::kInt64))
            .clone();
    return DatasetFromLeaves(std::move(x), std::move(y), std::move(leaves));
  } catch (const std::exception& e) {
    return Status::Internal(source + ": converting to tensors: " + e.what());
  }
}

Result<Dataset> LoadCsvDataset(const std::string& path,
                               const CsvOptions& options,
                               torch::ScalarType dtype) {
  VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
  return ParseCsvDataset(bytes.view(), path, options, dtype);
}

}  // namespace veritrain
