#include "scenarios/report/html.h"

namespace veritrain {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string SvgImage(const std::string& svg, const std::string& alt) {
  return "<img class=\"plot\" alt=\"" + HtmlEscape(alt) + "\" src=\"data:image/svg+xml;base64," +
         Base64(svg) + "\">";
}

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table>\n";
  bool any_header = false;
  for (const auto& h : header) any_header = any_header || !h.empty();
  if (any_header) {
    out += "<thead><tr>";
    for (const auto& h : header) out += "<th>" + HtmlEscape(h) + "</th>";
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      out += "<td>" + (!cell.empty() && cell[0] == '<' ? cell : HtmlEscape(cell)) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string HtmlPage(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<title>" +
         HtmlEscape(title) +
         "</title>\n<style>\n"
         "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;"
         "padding:0 1em;color:#222;line-height:1.4}\n"
         "h1{font-size:1.6em;border-bottom:2px solid #446;padding-bottom:.2em}\n"
         "h2{font-size:1.25em;margin-top:2em;color:#335}\n"
         "h3{font-size:1.05em;color:#335}\n"
         "table{border-collapse:collapse;margin:.6em 0;font-size:.88em}\n"
         "th,td{border:1px solid #ccd;padding:.25em .55em;text-align:left;vertical-align:top}\n"
         "th{background:#eef}\n"
         "tr:nth-child(even) td{background:#fafaff}\n"
         "img.plot{display:block;max-width:100%;margin:.8em 0;border:1px solid #eee}\n"
         ".note{color:#666;font-style:italic}\n"
         ".ok{color:#070}.bad{color:#b00;font-weight:bold}\n"
         "code{background:#f4f4f8;padding:0 .2em}\n"
         "</style>\n</head>\n<body>\n" +
         body + "\n</body>\n</html>\n";
}

}  // namespace veritrain
