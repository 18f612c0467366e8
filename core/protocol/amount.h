// Amount: a quantity of tokens in integer units. Never floating point.
//
// Arithmetic is checked: Add, Sub and Mul return an error instead of
// overflowing, so a ledger can never wrap around. Amounts may be negative
// as values (a difference of balances); the ledger refuses negative
// transfers.
// JSON form: a plain integer.
//
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/util/status.h"

namespace veritrain {

class Amount {
 public:
  constexpr Amount() = default;
  constexpr explicit Amount(int64_t units) : units_(units) {}

  constexpr int64_t value() const { return units_; }

  // a + b, or InvalidArgument when the sum leaves the int64 range.
  static Result<Amount> Add(Amount a, Amount b) {
    int64_t r = 0;
    if (__builtin_add_overflow(a.units_, b.units_, &r)) {
      return Status::InvalidArgument("amount overflow: " + a.ToString() +
                                     " + " + b.ToString());
    }
    return Amount(r);
  }
  // a - b, or InvalidArgument when the difference leaves the int64 range.
  static Result<Amount> Sub(Amount a, Amount b) {
    int64_t r = 0;
    if (__builtin_sub_overflow(a.units_, b.units_, &r)) {
      return Status::InvalidArgument("amount overflow: " + a.ToString() +
                                     " - " + b.ToString());
    }
    return Amount(r);
  }

  // a × n (e.g. a fee for each of n verifiers), or InvalidArgument when the
  // product leaves the int64 range.
  static Result<Amount> Mul(Amount a, int64_t n) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a.units_, n, &r)) {
      return Status::InvalidArgument("amount overflow: " + a.ToString() + " × " +
                                     std::to_string(n));
    }
    return Amount(r);
  }

  std::string ToString() const { return std::to_string(units_); }
  nlohmann::json ToJson() const { return units_; }
  // Accepts an integer in the int64 range; names `field` otherwise.
  static Result<Amount> FromJson(const nlohmann::json& j,
                                 const std::string& field = "amount") {
    if (j.is_number_integer() && !j.is_number_unsigned()) {
      return Amount(j.get<int64_t>());
    }
    if (j.is_number_unsigned()) {
      const uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Amount(static_cast<int64_t>(u));
      }
    }
    return Status::InvalidArgument(
        field +
        ": expected an integer amount in "
        "the int64 range, got " +
        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  friend bool operator==(Amount a, Amount b) { return a.units_ == b.units_; }
  friend bool operator!=(Amount a, Amount b) { return a.units_ != b.units_; }
  friend bool operator<(Amount a, Amount b) { return a.units_ < b.units_; }
  friend bool operator<=(Amount a, Amount b) { return a.units_ <= b.units_; }
  friend bool operator>(Amount a, Amount b) { return a.units_ > b.units_; }
  friend bool operator>=(Amount a, Amount b) { return a.units_ >= b.units_; }

 private:
  int64_t units_ = 0;
};

}  // namespace veritrain
