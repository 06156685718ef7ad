#include "simulation/measured_cost.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <locale>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "data/json_string.hpp"
#include "graph/rule_registry.hpp"

namespace pepita {

namespace {

constexpr std::string_view format_name = "pepita visit profile";

// --- visit keys

// A rule's registered name: the only name a rule has (graph/rule_registry.hpp).
std::string_view rule_name(const LearningRule& rule) {
  for (const RegisteredRule& entry : registered_rules())
    if (entry.rule.get() == &rule) return entry.info.name;
  throw std::invalid_argument("a measured profile keys visits by rule name, and this graph's rule is not a registered one");
}

// An image of `channels` × `pixels`: C×H×W when square (every known data set), else its pixel count,
// which is all the topology knows of a non-square one (and all its cost depends on).
std::string image_text(std::size_t channels, std::size_t pixels) {
  const auto side = std::size_t(std::llround(std::sqrt(double(pixels))));
  if (side * side == pixels) return std::to_string(channels) + "x" + std::to_string(side) + "x" + std::to_string(side);
  return std::to_string(channels) + "x" + std::to_string(pixels) + "px";
}

// The channels a pool reads: the filters of the convolution it follows (pools only follow
// convolutions, or other pools that do).
std::size_t channels_into_pool(const GraphTopology& topology, int pool) {
  for (int n = pool - 1; n >= 1; --n) {
    const TopologyNode& before = topology.node(n);
    if (before.kind == NodeKind::pool) continue;
    if (before.stage && before.stage->kind == StageSpec::Kind::conv) return std::size_t(before.stage->units);
    break;
  }
  throw std::logic_error("a pool that follows no convolution");
}

std::string stage_shape(const GraphTopology& topology, int node) {
  const TopologyNode& n = topology.node(node);
  const StageSpec& stage = *n.stage;
  std::ostringstream text;
  switch (stage.kind) {
    case StageSpec::Kind::dense: text << "dense " << n.inputs << "x" << stage.units; break;
    case StageSpec::Kind::conv: {
      // W_l is F × C × K × K: the input's channels are what its weights leave of them.
      const std::size_t per_channel = std::size_t(stage.units) * std::size_t(stage.kernel) * std::size_t(stage.kernel);
      const std::size_t channels = n.weights / per_channel;
      text << "conv " << image_text(channels, n.inputs / channels) << "-f" << stage.units << "k" << stage.kernel << "s"
           << stage.stride << "p" << stage.padding;
      break;
    }
    case StageSpec::Kind::pool: {
      const std::size_t channels = channels_into_pool(topology, node);
      text << "pool " << image_text(channels, n.inputs / channels) << "-w" << stage.kernel << "s" << stage.stride;
      break;
    }
  }
  return text.str();
}

// Layers: hidden or output, and what of its work varies by where it sits beyond that.
std::string layer_role(const GraphTopology& topology, int node, Pass pass) {
  const TopologyNode& n = topology.node(node);
  std::string role = n.place.is_output() ? "output" : "hidden";
  const bool feeds_pool = n.stage->kind == StageSpec::Kind::conv && node + 1 <= topology.stages() &&
                          topology.node(node + 1).kind == NodeKind::pool;
  if (feeds_pool) role += " feeds-pool";
  const LayerReaction reaction = topology.reaction(node, pass);
  if (reaction.down) role += " sends-down";
  // A split backward's B visit leaves the weight gradient to its W visit: less work than a whole one.
  if (reaction.sends_to_self()) role += " defers-update";
  return role;
}

// --- the profile's JSON

// The shortest text that reads back as the same double.
std::string number_text(double value) {
  if (!std::isfinite(value)) throw std::logic_error("a profile holds finite numbers only");
  char buffer[32];
  const std::to_chars_result written = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, written.ptr);
}

// What a message may quote of the file: one line, not too long.
std::string printable(std::string_view text) {
  constexpr std::size_t longest = 80;
  std::string out;
  for (char c : text.substr(0, longest)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  return text.size() > longest ? out + "..." : out;
}

// A strict reader of exactly the profile's format: fixed nesting (so no recursion a hostile file
// could deepen), every field once, numbers and strings by JSON's grammar.
class ProfileReader {
 public:
  explicit ProfileReader(std::string_view text) : text_(text) {}

  Profile read() {
    Profile profile;
    std::set<std::string> seen;
    object([&](const std::string& field) {
      // format and version come first, so that a later format is refused by its version before
      // anything it added is met.
      if (seen.empty() && field != "format") fail("the profile must begin with \"format\"");
      if (seen.size() == 1 && field != "version") fail("\"version\" must follow \"format\"");
      if (!seen.insert(field).second) fail("\"" + printable(field) + "\" is given twice");
      if (field == "format") {
        if (const std::string format = string(); format != format_name)
          fail("\"format\" is \"" + printable(format) + "\", not \"" + std::string(format_name) + "\"");
      } else if (field == "version") {
        if (const std::int64_t version = integer(field, 0, std::numeric_limits<int>::max()); version != Profile::format_version)
          fail("version " + std::to_string(version) + " is not one this pepita reads (" + std::to_string(Profile::format_version) + ")");
      } else if (field == "machine") {
        profile.machine = string();
      } else if (field == "dnnl_isa") {
        profile.dnnl_isa = string();
      } else if (field == "dnnl_threads") {
        profile.dnnl_threads = int(integer(field, 1, std::numeric_limits<int>::max()));
      } else if (field == "calibrated") {
        profile.calibrated = string();
      } else if (field == "visits") {
        object([&](const std::string& key) {
          if (!profile.visits.emplace(key, visit(key)).second) fail("the visit \"" + printable(key) + "\" is given twice");
        });
      } else {
        fail("unknown field \"" + printable(field) + "\"");
      }
    });
    skip_space();
    if (at_ < text_.size()) fail("unexpected text after the profile");
    for (const char* required : {"format", "version", "machine", "dnnl_isa", "dnnl_threads", "calibrated", "visits"})
      if (!seen.count(required)) fail(std::string("\"") + required + "\" is missing");
    if (profile.visits.empty()) fail("\"visits\" is empty");
    return profile;
  }

 private:
  VisitTiming visit(const std::string& key) {
    VisitTiming timing;
    std::set<std::string> seen;
    object([&](const std::string& field) {
      if (!seen.insert(field).second) fail("\"" + printable(field) + "\" is given twice in the visit \"" + printable(key) + "\"");
      if (field == "mean_seconds") timing.mean_seconds = seconds(field);
      else if (field == "median_seconds") timing.median_seconds = seconds(field);
      else if (field == "spread_seconds") timing.spread_seconds = seconds(field);
      else if (field == "repeats") timing.repeats = integer(field, 1, std::int64_t(1) << 53);
      else fail("unknown field \"" + printable(field) + "\" in the visit \"" + printable(key) + "\"");
    });
    for (const char* required : {"mean_seconds", "median_seconds", "spread_seconds", "repeats"})
      if (!seen.count(required)) fail(std::string("\"") + required + "\" is missing in the visit \"" + printable(key) + "\"");
    return timing;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + problem);
  }

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
  }

  // The next character after white space, without taking it; '\0' at the end.
  char peek() {
    skip_space();
    return at_ < text_.size() ? text_[at_] : '\0';
  }

  void expect(char c) {
    if (peek() != c) fail(at_ < text_.size() ? std::string("expected '") + c + "'" : std::string("the text ends where '") + c + "' should be");
    ++at_;
  }

  // { "name": value, … }: `member` reads each value.
  template <class Member>
  void object(Member&& member) {
    expect('{');
    if (peek() == '}') {
      ++at_;
      return;
    }
    for (;;) {
      if (peek() != '"') fail("expected a field name");
      const std::string name = string();
      expect(':');
      skip_space();
      member(name);
      if (peek() == ',') {
        ++at_;
        continue;
      }
      expect('}');
      return;
    }
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) fail("the text ends inside a string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("the text ends inside a string");
      switch (const char escaped = text_[at_++]) {
        case '"': case '\\': case '/': out += escaped; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, code_point()); break;
        default: fail(std::string("unknown escape '\\") + escaped + "'");
      }
    }
  }

  // After "\u": four hex digits, or a surrogate pair's two escapes.
  char32_t code_point() {
    const char32_t first = hex4();
    if (first >= 0xDC00 && first <= 0xDFFF) fail("a lone low surrogate");
    if (first < 0xD800 || first > 0xDBFF) return first;
    if (text_.substr(at_, 2) != "\\u") fail("a high surrogate without its low half");
    at_ += 2;
    const char32_t second = hex4();
    if (second < 0xDC00 || second > 0xDFFF) fail("a high surrogate without its low half");
    return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
  }

  char32_t hex4() {
    if (text_.size() - at_ < 4) fail("the text ends inside a \\u escape");
    char32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= char32_t(c - '0');
      else if (c >= 'a' && c <= 'f') value |= char32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= char32_t(c - 'A' + 10);
      else fail("a \\u escape needs four hex digits");
    }
    return value;
  }

  static void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += char(0xE0 | (c >> 12));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xF0 | (c >> 18));
      out += char(0x80 | ((c >> 12) & 0x3F));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }

  // A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  double number(const std::string& field) {
    skip_space();
    const std::size_t start = at_;
    const auto digits = [&] {
      const std::size_t first = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      return at_ - first;
    };
    if (at_ < text_.size() && text_[at_] == '-') ++at_;
    const std::size_t integral_start = at_;
    const std::size_t integral = digits();
    bool valid = integral > 0 && !(integral > 1 && text_[integral_start] == '0');
    if (valid && at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      valid = digits() > 0;
    }
    if (valid && at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      valid = digits() > 0;
    }
    if (!valid) {
      at_ = start;
      fail("\"" + field + "\" must be a number");
    }
    double value = 0;
    const std::from_chars_result parsed = std::from_chars(text_.data() + start, text_.data() + at_, value);
    if (parsed.ec != std::errc() || parsed.ptr != text_.data() + at_) {
      at_ = start;
      fail("\"" + field + "\" is out of range");
    }
    return value;
  }

  double seconds(const std::string& field) {
    skip_space();
    const std::size_t start = at_;
    const double value = number(field);
    if (!(value >= 0) || !std::isfinite(value)) {
      at_ = start;
      fail("\"" + field + "\" must be a finite number of seconds >= 0");
    }
    return value;
  }

  std::int64_t integer(const std::string& field, std::int64_t least, std::int64_t most) {
    skip_space();
    const std::size_t start = at_;
    const double value = number(field);
    if (value != std::floor(value) || value < double(least) || value > double(most)) {
      at_ = start;
      fail("\"" + field + "\" must be a whole number from " + std::to_string(least) + " to " + std::to_string(most));
    }
    return std::int64_t(value);
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// No profile comes near this; a larger file is some other file, not worth reading into memory.
constexpr std::uintmax_t largest_profile_bytes = std::uintmax_t(64) << 20;

std::string read_whole_file(const std::filesystem::path& path) {
  const auto problem = [&](const std::string& what) { return std::runtime_error(path.string() + ": " + what); };
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw problem("is a directory, not a profile");
  const std::uintmax_t bytes = std::filesystem::file_size(path, error);
  if (!error && bytes > largest_profile_bytes)
    throw problem("is larger than any profile (over " + std::to_string(largest_profile_bytes >> 20) + " MiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw problem(std::string("cannot open the profile: ") + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw problem(std::string("cannot read the profile: ") + std::strerror(errno));
  return text;
}

}  // namespace

std::string visit_key(const GraphTopology& topology, int node, Pass pass, int rows) {
  const TopologyNode& n = topology.node(node);
  std::ostringstream key;
  key.imbue(std::locale::classic());  // keys are compared as text: no digit grouping, whatever the locale
  key << rule_name(topology.rule()) << ' ';
  switch (n.kind) {
    case NodeKind::input: key << "input " << n.inputs; break;
    case NodeKind::layer: key << stage_shape(topology, node) << ' ' << layer_role(topology, node, pass); break;
    case NodeKind::pool: key << stage_shape(topology, node); break;
    case NodeKind::error: key << "error " << n.inputs; break;
    case NodeKind::projection: key << "projection " << n.inputs << "x" << n.outputs; break;
  }
  key << ' ' << to_string(pass) << " rows=" << rows;
  return key.str();
}

std::string round_key(const GraphTopology& topology) { return std::string(rule_name(topology.rule())) + " host round"; }

std::string flush_key(const GraphTopology& topology, int rows) {
  return std::string(rule_name(topology.rule())) + " host flush rows=" + std::to_string(rows);
}

std::string handoff_key(const GraphTopology& topology) { return std::string(rule_name(topology.rule())) + " host handoff"; }

std::string profile_json(const Profile& profile) {
  std::ostringstream out;
  out.imbue(std::locale::classic());  // JSON's numbers, whatever the global locale
  out << "{\n"
      << "  \"format\": " << json_string(format_name) << ",\n"
      << "  \"version\": " << Profile::format_version << ",\n"
      << "  \"machine\": " << json_string(profile.machine) << ",\n"
      << "  \"dnnl_isa\": " << json_string(profile.dnnl_isa) << ",\n"
      << "  \"dnnl_threads\": " << profile.dnnl_threads << ",\n"
      << "  \"calibrated\": " << json_string(profile.calibrated) << ",\n"
      << "  \"visits\": {";
  const char* separator = "\n";
  for (const auto& [key, timing] : profile.visits) {
    out << separator << "    " << json_string(key) << ": {\"mean_seconds\": " << number_text(timing.mean_seconds)
        << ", \"median_seconds\": " << number_text(timing.median_seconds)
        << ", \"spread_seconds\": " << number_text(timing.spread_seconds) << ", \"repeats\": " << timing.repeats << "}";
    separator = ",\n";
  }
  out << "\n  }\n}\n";
  return out.str();
}

Profile parse_profile(std::string_view text) { return ProfileReader(text).read(); }

MeasuredCost::MeasuredCost(Profile profile, std::filesystem::path source) : file_(std::move(source)), profile_(std::move(profile)) {}

std::shared_ptr<const MeasuredCost> MeasuredCost::load(const std::filesystem::path& profile) {
  const std::string text = read_whole_file(profile);
  try {
    return std::make_shared<const MeasuredCost>(parse_profile(text), profile);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(profile.string() + ": not a valid profile: " + e.what());
  }
}

double MeasuredCost::visit_seconds(const GraphTopology& topology, int node, Pass pass, int rows) const {
  const std::string key = visit_key(topology, node, pass, rows);
  const auto found = profile_.visits.find(key);
  if (found == profile_.visits.end())
    throw std::invalid_argument(file_.string() + " has no measured time for the visit \"" + key +
                                "\": run `pepita calibrate` with the same model, rule and batch size");
  return found->second.mean_seconds;
}

double MeasuredCost::median_or_zero(const std::string& key) const {
  const auto found = profile_.visits.find(key);
  return found == profile_.visits.end() ? 0.0 : found->second.mean_seconds;
}

double MeasuredCost::round_seconds(const GraphTopology& topology) const { return median_or_zero(round_key(topology)); }

double MeasuredCost::handoff_seconds(const GraphTopology& topology) const { return median_or_zero(handoff_key(topology)); }

double MeasuredCost::flush_seconds(const GraphTopology& topology, int rows) const {
  return median_or_zero(flush_key(topology, rows));
}

}  // namespace pepita
