#pragma once
// The number format of the inputs of a layer's matmuls and convolutions. bf16 is the usual mixed
// precision contract: the primitives read bf16 and accumulate and write f32, while the master
// weights, the optimizer state and every element-wise step (PEPITA's h − h_err, BP's σ′, the
// softmax, the error) stay f32. bf16 keeps f32's exponent, so nothing overflows that f32 holds;
// it keeps 8 bits of mantissa, so each input carries a relative rounding error up to 2⁻⁸.
#include <string>
#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

namespace pepita {

enum class Precision { f32, bf16 };

// "f32" or "bf16"; anything else throws std::invalid_argument naming the value.
Precision parse_precision(std::string_view name);
const char* precision_name(Precision precision);

// The data type a primitive reads its inputs in.
dnnl::memory::data_type input_type(Precision precision);

// What oneDNN picks for a bf16 matmul on this CPU: a native kernel, only its reference code (it
// runs, but an order of magnitude slower than f32), or nothing at all.
enum class Bf16Support { native, reference_only, none };
Bf16Support bf16_support();
// One line saying why bf16 runs slowly or not at all here; empty when it runs natively.
std::string bf16_support_problem();

}  // namespace pepita
