#include "render/style_template.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace rtm::render {

// Defined in the generated builtin_styles.cpp: the files of styles/ at build time.
const std::map<std::string, std::string>& builtin_style_files();

const char* audience_name(Audience a) { return a == Audience::internal ? "internal" : "public"; }

std::string style_file(const std::string& name, const std::string& styles_dir) {
  if (styles_dir.empty()) {
    const auto& files = builtin_style_files();
    const auto it = files.find(name);
    if (it == files.end()) throw RenderError("no built-in style file " + name);
    return it->second;
  }
  const std::string path = styles_dir + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RenderError("cannot read style file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}
bool is_hex_colour(const std::string& v) {
  if (v.size() != 7 || v[0] != '#') return false;
  for (std::size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  return true;
}
}  // namespace

Palette parse_palette(const std::string& text) {
  Palette p;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos)
      throw RenderError("palette.txt:" + std::to_string(n) + ": expected `name = #rrggbb`, found '" + t + "'");
    const std::string k = trim(t.substr(0, eq)), v = trim(t.substr(eq + 1));
    if (k.empty() || !is_hex_colour(v))
      throw RenderError("palette.txt:" + std::to_string(n) + ": expected `name = #rrggbb`, found '" + t + "'");
    p[k] = v;
  }
  for (const char* required : {"class_0", "class_1", "class_2", "class_3", "place_line", "place_casing", "boundary",
                               "incident", "background", "label", "label_halo", "incident_line", "factor_1",
                               "context_line", "context_label"})
    if (!p.count(required)) throw RenderError(std::string("palette.txt has no colour '") + required + "'");
  return p;
}

Palette load_palette(const std::string& styles_dir) { return parse_palette(style_file("palette.txt", styles_dir)); }

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size() + 1024);
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos) throw RenderError("style template: '{{' without '}}'");
    const std::string key = text.substr(open + 2, close - open - 2);
    const auto it = values.find(key);
    if (it == values.end()) {
      const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(open), '\n');
      throw RenderError("style template line " + std::to_string(line) + ": unknown placeholder {{" + key + "}}");
    }
    out.append(text, pos, open - pos);
    out += it->second;
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

bool mentions_incidents(const std::string& xml) {
  std::string code;
  std::size_t pos = 0;
  while (true) {
    const auto open = xml.find("<!--", pos);
    code.append(xml, pos, open == std::string::npos ? std::string::npos : open - pos);
    if (open == std::string::npos) break;
    const auto close = xml.find("-->", open + 4);
    if (close == std::string::npos) break;
    pos = close + 3;
  }
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return code.find("incident") != std::string::npos;
}

FactorSymbol factor_symbol(const Palette& palette, std::size_t index) {
  std::size_t n = 0;
  while (palette.count("factor_" + std::to_string(n + 1))) ++n;
  if (n == 0) throw RenderError("palette.txt has no colour 'factor_1'");
  return {palette.at("factor_" + std::to_string(index % n + 1)), (index / n) % 2 == 1};
}

namespace {
// A snippet of the styles (factor.xml, context-*.xml): from styles_dir when it
// holds one, else the built-in copy (older style folders lack them).
std::string snippet_file(const std::string& name, const std::string& styles_dir) {
  if (!styles_dir.empty() && std::ifstream(styles_dir + "/" + name)) return style_file(name, styles_dir);
  return style_file(name, "");
}
}  // namespace

std::string map_xml(const RunInfo& run, const StyleOptions& style, const std::string& map_srs, int label_top,
                    bool dots) {
  const std::string name = style.audience == Audience::internal ? "internal.xml" : "public.xml";
  const std::string tmpl = style_file(name, style.styles_dir);
  const Palette palette = load_palette(style.styles_dir);
  std::map<std::string, std::string> values;
  for (const auto& [k, v] : palette) values[k] = v;
  values["run_dir"] = xml_escape(run.run_dir);
  values["data_srs"] = xml_escape(run.crs);
  values["map_srs"] = xml_escape(map_srs.empty() ? run.crs : map_srs);
  values["label_top"] = std::to_string(label_top);
  values["recent_start"] = xml_escape(run.recent_start.empty() ? run.train_start : run.recent_start);
  const bool is_public = style.audience == Audience::public_;
  if (is_public && mentions_incidents(tmpl))
    throw RenderError("the public style " + name +
                      " mentions incidents outside its comments: public maps must never read incident locations");

  // The snippets: one per factor of the model, and the context outlines.
  auto snippet = [&](const std::string& file) {
    const std::string text = snippet_file(file, style.styles_dir);
    if (is_public && mentions_incidents(text))
      throw RenderError("the style snippet " + file +
                        " mentions incidents outside its comments: public maps must never read incident locations");
    return text;
  };
  std::string factors;
  if (!run.factors.empty()) {
    const std::string factor_tmpl = snippet("factor.xml");
    for (std::size_t i = 0; i < run.factors.size(); ++i) {
      const std::string& table = run.factors[i].name;
      if (table == "incidents" || table == "study_area" || table == "context")
        throw RenderError("report.json names a factor '" + table + "', a reserved table of layers.gpkg");
      const FactorSymbol sym = factor_symbol(palette, i);
      auto v = values;
      v["factor_table"] = xml_escape(table);
      v["factor_colour"] = sym.colour;
      v["factor_fill"] = sym.ring ? std::string("#ffffff") : sym.colour;
      v["factor_stroke"] = sym.ring ? sym.colour : std::string("#ffffff");
      v["factor_ring"] = sym.ring ? "true" : "false";
      v["factor_dots"] = dots ? "true" : "false";
      factors += with_context("while filling the style snippet factor.xml for " + table,
                              [&] { return fill_template(factor_tmpl, v); });
    }
  }
  values["factor_layers"] = factors;
  values["context_outlines"] = "";
  values["context_labels"] = "";
  if (run.has_context)
    for (const char* part : {"context_outlines", "context_labels"}) {
      const std::string file = std::string(part == std::string("context_outlines") ? "context-outlines" : "context-labels") + ".xml";
      const std::string text = snippet(file);
      values[part] = with_context("while filling the style snippet " + file, [&] { return fill_template(text, values); });
    }
  return with_context("while filling the style " + name, [&] { return fill_template(tmpl, values); });
}

Rgb parse_rgb(const std::string& hex) {
  if (!is_hex_colour(hex)) throw RenderError("not a #rrggbb colour: '" + hex + "'");
  const auto byte = [&](std::size_t i) { return static_cast<double>(std::stoi(hex.substr(i, 2), nullptr, 16)) / 255.0; };
  return {byte(1), byte(3), byte(5)};
}

}  // namespace rtm::render
