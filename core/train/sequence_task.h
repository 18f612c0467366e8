// The synthetic sequence task of the transformer job: copy the first half.
//
// A sequence has seq_len tokens. Its first half (seq_len / 2 tokens) is
// drawn uniformly from [1, vocab) by SplitMix64 under
// DeriveSeed(data_seed, "sequences/train") (or "sequences/test"), token by
// token, sequence after sequence; the second half repeats the first. The
// model reads the whole sequence, x = tokens, and at each position t
// predicts the next token, y[t] = tokens[t + 1], wherever that token is a
// copy (t + 1 >= seq_len / 2); every other position is -100 (not scored).
// The first half cannot be predicted, the second half can be recalled by
// attending seq_len / 2 - 1 positions back, which a decoder learns.
//
// Dataset layout: x is [N, seq_len] int64 tokens, y is [N, seq_len] int64
// targets. The leaf of sample i (dataset_commitment.h) covers y[i] as i64
// little-endian (the label bytes) and x[i] as i64 little-endian (the
// features). Everything is integer arithmetic: the same data on every
// platform.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "core/train/dataset.h"

namespace veritrain {

struct SequenceTaskSpec {
  int64_t vocab = 16;    // tokens 0 .. vocab-1 (0 is never drawn)
  int64_t seq_len = 16;  // even
  int64_t train_size = 2048;
  int64_t test_size = 256;
};

// REQUIRES: vocab >= 2, seq_len >= 2 and even, sizes >= 1.
Dataset MakeSequenceDataset(const SequenceTaskSpec& spec, uint64_t data_seed,
                            bool train);

}  // namespace veritrain
