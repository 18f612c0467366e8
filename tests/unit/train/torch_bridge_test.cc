// Tests for the conversion between LibTorch tensors and TensorData.
#include "core/train/torch_bridge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace veritrain {
namespace {

using ::testing::HasSubstr;

TEST(TorchBridgeTest, RoundTripEveryDtype) {
  for (auto dtype :
       {torch::kFloat32, torch::kFloat64, torch::kInt64, torch::kInt32,
        torch::kUInt8, torch::kFloat16, torch::kBFloat16}) {
    torch::Tensor t = torch::arange(24).reshape({2, 3, 4}).to(dtype);
    TensorData d = ToTensorData("x", t);
    ASSERT_TRUE(d.consistent()) << c10::toString(dtype);
    EXPECT_EQ(d.shape, (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(ToScalarType(d.dtype), dtype);
    auto back = FromTensorData(d);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(BitEqual(*back, t)) << c10::toString(dtype);
  }
}

TEST(TorchBridgeTest, ScalarsAndEmptyTensors) {
  torch::Tensor s = torch::tensor(int64_t{41});
  TensorData d = ToTensorData("meta/step", s);
  EXPECT_TRUE(d.shape.empty());
  EXPECT_EQ(d.bytes.size(), 8u);
  auto back = FromTensorData(d);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->dim(), 0);
  EXPECT_EQ(back->item<int64_t>(), 41);

  torch::Tensor e = torch::zeros({0, 5});
  TensorData de = ToTensorData("empty", e);
  EXPECT_TRUE(de.consistent());
  auto eb = FromTensorData(de);
  ASSERT_TRUE(eb.ok());
  EXPECT_EQ(eb->sizes(), e.sizes());
}

TEST(TorchBridgeTest, ZeroCopyForContiguousTensors) {
  torch::Tensor t = torch::randn({16, 8});
  TensorData d = ToTensorData("w", t);
  EXPECT_EQ(static_cast<const void*>(d.bytes.data()), t.data_ptr());
  // The bytes stay valid after the caller's tensor is gone.
  const float first = t[0][0].item<float>();
  t = torch::Tensor();
  float read;
  std::memcpy(&read, d.bytes.data(), sizeof(read));
  EXPECT_EQ(read, first);
}

TEST(TorchBridgeTest, NonContiguousTensorsAreCopiedInRowMajorOrder) {
  torch::Tensor t = torch::arange(6, torch::kFloat32).reshape({2, 3}).t();
  ASSERT_FALSE(t.is_contiguous());
  TensorData d = ToTensorData("t", t);
  EXPECT_NE(static_cast<const void*>(d.bytes.data()), t.data_ptr());
  auto back = FromTensorData(d);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(torch::equal(*back, t));
  EXPECT_TRUE(back->is_contiguous());
}

TEST(TorchBridgeTest, FromTensorDataCopies) {
  torch::Tensor t = torch::ones({4});
  TensorData d = ToTensorData("x", t);
  auto back = FromTensorData(d);
  ASSERT_TRUE(back.ok());
  EXPECT_NE(back->data_ptr(), t.data_ptr());
}

TEST(TorchBridgeTest, InconsistentTensorIsNamed) {
  TensorData d;
  d.name = "param/fc1.weight";
  d.dtype = DType::kFloat32;
  d.shape = {2, 2};
  d.bytes = Bytes::FromString(std::string(12, '\0'));  // 16 expected
  auto r = FromTensorData(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("param/fc1.weight"));
}

TEST(TorchBridgeTest, UnsupportedDtypeIsInvalid) {
  TensorData d = ToTensorData("mask", torch::ones({3}, torch::kBool));
  EXPECT_EQ(d.dtype, DType::kInvalid);
  EXPECT_FALSE(d.consistent());
}

TEST(TorchBridgeTest, StateRoundTripAndDuplicates) {
  TensorMap m = {{"b", torch::ones({2})},
                 {"a", torch::zeros({3}, torch::kFloat64)},
                 {"meta/step", torch::zeros({}, torch::kInt64)}};
  State s = ToState(m);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "a");  // name order
  auto back = FromState(s);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(BitEqual(*back, m));
  s.push_back(s[0]);
  auto dup = FromState(s);
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("'a' appears twice"));
}

TEST(TorchBridgeTest, BitEqualIsStricterThanValueEquality) {
  torch::Tensor pz = torch::zeros({1});
  torch::Tensor nz = -torch::zeros({1});
  EXPECT_TRUE(torch::equal(pz, nz));
  EXPECT_FALSE(BitEqual(pz, nz));
  EXPECT_FALSE(BitEqual(torch::zeros({2}), torch::zeros({2}, torch::kFloat64)));
  EXPECT_FALSE(BitEqual(torch::zeros({2}), torch::zeros({1, 2})));
  TensorMap a = {{"x", torch::ones({2})}};
  TensorMap b = CloneTensorMap(a);
  EXPECT_TRUE(BitEqual(a, b));
  EXPECT_NE(a["x"].data_ptr(), b["x"].data_ptr());
  b["y"] = torch::ones({1});
  EXPECT_FALSE(BitEqual(a, b));
}

// A float64 state with a finite value past float32's range cannot be
// re-executed in float32 (the cast makes it infinite): named, with the
// tensor and its magnitude. Values that fit, infinities already there,
// integer tensors and a target as wide say nothing.
TEST(TorchBridgeBeyondRangeTest, NamesTheTensorACastWouldOverflow) {
  TensorMap s = {{"param/w", torch::tensor({1.0, -2.0}, torch::kFloat64)},
                 {"opt/v/w", torch::tensor({3.0, 1.2e40}, torch::kFloat64)},
                 {"meta/step", torch::tensor(int64_t{4}, torch::kInt64)}};
  auto why = BeyondRange(s, torch::kFloat32);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("opt/v/w holds 1.2e+40, beyond float32's largest 3.4e+38"));
  EXPECT_FALSE(BeyondRange(s, torch::kFloat64).has_value());
  const double inf = std::numeric_limits<double>::infinity();
  s["opt/v/w"] = torch::tensor({3.0, 1e30, inf, -inf, std::nan("")}, torch::kFloat64);
  EXPECT_FALSE(BeyondRange(s, torch::kFloat32).has_value());
  auto half = BeyondRange(s, torch::kFloat16);
  ASSERT_TRUE(half.has_value());
  EXPECT_THAT(*half, HasSubstr("opt/v/w holds 1e+30, beyond float16's largest"));
  EXPECT_FALSE(BeyondRange({{"param/w", torch::tensor({1e30f})}}, torch::kFloat64).has_value());
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

TEST(TorchBridgeViewTest, ViewsShareTheBytesAndEqualTheSentTensors) {
  for (auto dtype : {torch::kFloat32, torch::kFloat64, torch::kInt64, torch::kUInt8,
                     torch::kBFloat16}) {
    torch::Tensor sent = torch::arange(24).reshape({2, 3, 4}).to(dtype);
    // As a received frame: bytes in a buffer of their own.
    TensorData d = ToTensorData("x", sent);
    d.bytes = Bytes::Copy(d.bytes.data(), d.bytes.size());
    auto view = ViewTensorData(d);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_TRUE(BitEqual(*view, sent)) << c10::toString(dtype);
    EXPECT_EQ(view->data_ptr(), static_cast<const void*>(d.bytes.data()))
        << "copied " << c10::toString(dtype);
  }
}

TEST(TorchBridgeViewTest, TheViewKeepsTheBufferAlive) {
  torch::Tensor sent = torch::arange(1000, torch::kFloat64);
  torch::Tensor view;
  {
    TensorData d = ToTensorData("x", sent);
    d.bytes = Bytes::Copy(d.bytes.data(), d.bytes.size());
    auto v = ViewTensorData(d);
    ASSERT_TRUE(v.ok());
    view = *v;
  }  // the TensorData, the only other owner of the buffer, is gone
  EXPECT_TRUE(BitEqual(view, sent));
  EXPECT_TRUE(BitEqual(view * 2, sent * 2));
}

TEST(TorchBridgeViewTest, MisalignedBytesAreCopied) {
  torch::Tensor sent = torch::arange(8, torch::kFloat32);
  TensorData d = ToTensorData("x", sent);
  std::string buffer(d.bytes.size() + 1, '\0');
  std::memcpy(buffer.data() + 1, d.bytes.data(), d.bytes.size());
  auto owner = std::make_shared<std::string>(std::move(buffer));
  d.bytes = Bytes::Borrow(owner, owner->data() + 1, d.bytes.size());
  ASSERT_NE(reinterpret_cast<uintptr_t>(d.bytes.data()) % 4, 0u);
  auto view = ViewTensorData(d);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_NE(view->data_ptr(), static_cast<const void*>(d.bytes.data()));
  EXPECT_TRUE(BitEqual(*view, sent));
}

TEST(TorchBridgeViewTest, ViewStateRefusesWhatFromStateRefuses) {
  TensorData bad = ToTensorData("w", torch::zeros({3}));
  bad.shape = {4};
  auto r = ViewState({bad});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("tensor 'w'"));
  TensorData ok = ToTensorData("w", torch::zeros({3}));
  auto twice = ViewState({ok, ok});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("appears twice"));
  TensorData empty = ToTensorData("e", torch::zeros({0, 2}));
  auto e = ViewState({empty});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->at("e").sizes(), (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace veritrain
