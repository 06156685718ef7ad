#include "graph/model_spec.hpp"

#include <charconv>
#include <stdexcept>

#include "layers/conv_layer.hpp"

namespace pepita {

namespace {

[[noreturn]] void bad(const std::string& spec, const std::string& why) {
  throw std::invalid_argument("--model: '" + spec + "': " + why);
}

// Reads the number after `prefix` at text[pos]; false if the prefix is not there.
bool take_number(const std::string& text, std::size_t& pos, const char* prefix, int& value) {
  const std::string p(prefix);
  if (text.compare(pos, p.size(), p) != 0) return false;
  const char* first = text.data() + pos + p.size();
  const char* last = text.data() + text.size();
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc() || end == first) return false;
  pos = std::size_t(end - text.data());
  return true;
}

StageSpec parse_stage(const std::string& spec, const std::string& token) {
  StageSpec stage;
  std::size_t pos = 0;
  if (take_number(token, pos, "fc", stage.units)) {
    stage.kind = StageSpec::Kind::dense;
  } else if (take_number(token, pos, "conv", stage.units)) {
    stage.kind = StageSpec::Kind::conv;
    if (!take_number(token, pos, "k", stage.kernel)) bad(spec, "'" + token + "' needs a kernel size, e.g. conv32k5");
    take_number(token, pos, "s", stage.stride);
    take_number(token, pos, "p", stage.padding);
  } else if (take_number(token, pos, "pool", stage.kernel)) {
    stage.kind = StageSpec::Kind::pool;
    stage.stride = stage.kernel;
    take_number(token, pos, "s", stage.stride);
  } else {
    bad(spec, "'" + token + "' is not fcN, convFkK[sS][pP] or poolW[sS]");
  }
  if (pos != token.size()) bad(spec, "unexpected '" + token.substr(pos) + "' in '" + token + "'");
  if (stage.units < 0 || stage.kernel < 0 || stage.stride < 1 || stage.padding < 0 ||
      (stage.kind != StageSpec::Kind::pool && stage.units < 1) || (stage.kind != StageSpec::Kind::dense && stage.kernel < 1))
    bad(spec, "'" + token + "' has a size that is not positive");
  return stage;
}

}  // namespace

std::string expand_model(const std::string& model, const std::vector<int>& hidden, int classes) {
  if (model == "conv") return "conv32k5-pool2-fc" + std::to_string(classes);
  if (model != "fc") return model;
  std::string spec;
  for (int units : hidden) spec += "fc" + std::to_string(units) + "-";
  return spec + "fc" + std::to_string(classes);
}

std::vector<ImageShape> stage_shapes(const std::vector<StageSpec>& stages, ImageShape input) {
  std::vector<ImageShape> shapes;
  ImageShape shape = input;
  for (const StageSpec& s : stages) {
    switch (s.kind) {
      case StageSpec::Kind::dense: shape = {int(s.units), 1, 1}; break;
      case StageSpec::Kind::conv:
        shape = {s.units, window_positions(shape.height, s.kernel, s.stride, s.padding),
                 window_positions(shape.width, s.kernel, s.stride, s.padding)};
        break;
      case StageSpec::Kind::pool:
        shape = {shape.channels, window_positions(shape.height, s.kernel, s.stride, 0),
                 window_positions(shape.width, s.kernel, s.stride, 0)};
        break;
    }
    shapes.push_back(shape);
  }
  return shapes;
}

std::vector<StageSpec> parse_model_spec(const std::string& spec, ImageShape input, int classes) {
  std::vector<StageSpec> stages;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t end = std::min(spec.find('-', start), spec.size());
    stages.push_back(parse_stage(spec, spec.substr(start, end - start)));
    start = end + 1;
  }
  if (stages.back().kind != StageSpec::Kind::dense || stages.back().units != classes)
    bad(spec, "the last stage must be fc" + std::to_string(classes) + ", the output layer");
  bool seen_dense = false;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].kind == StageSpec::Kind::pool && (i == 0 || stages[i - 1].kind != StageSpec::Kind::conv))
      bad(spec, "pooling must follow a convolution");
    if (stages[i].kind != StageSpec::Kind::dense && seen_dense) bad(spec, "convolutions and pooling must come before fc stages");
    seen_dense |= stages[i].kind == StageSpec::Kind::dense;
  }
  for (const ImageShape& shape : stage_shapes(stages, input))
    if (shape.height < 1 || shape.width < 1) bad(spec, "a stage's window does not fit its input");
  return stages;
}

std::string to_string(const StageSpec& s) {
  std::string text;
  switch (s.kind) {
    case StageSpec::Kind::dense: return text.append("fc").append(std::to_string(s.units));
    case StageSpec::Kind::conv:
      text.append("conv").append(std::to_string(s.units)).append("k").append(std::to_string(s.kernel));
      if (s.stride != 1) text.append("s").append(std::to_string(s.stride));
      if (s.padding != 0) text.append("p").append(std::to_string(s.padding));
      return text;
    case StageSpec::Kind::pool:
      text.append("pool").append(std::to_string(s.kernel));
      if (s.stride != s.kernel) text.append("s").append(std::to_string(s.stride));
      return text;
  }
  return "?";
}

std::string stage_node_name(const StageSpec& stage, int position, bool is_output) {
  const char* kind = is_output                               ? "output "
                     : stage.kind == StageSpec::Kind::conv   ? "conv "
                     : stage.kind == StageSpec::Kind::pool   ? "pool "
                                                             : "hidden ";
  return kind + std::to_string(position);
}

}  // namespace pepita
