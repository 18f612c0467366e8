// A few helpers for writing self-contained HTML pages: escaping, tables,
// and SVG images embedded as data: URIs (so that each plot is its own
// document: no clashing element ids, no external files, no scripts).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace veritrain {

// Escapes &, <, >, " and '.
std::string HtmlEscape(const std::string& text);

// Standard base64 (RFC 4648) with padding.
std::string Base64(const std::string& bytes);

// <img> with `svg` as a data: URI and `alt` as its text alternative.
std::string SvgImage(const std::string& svg, const std::string& alt);

// A table; cells are escaped unless a cell starts with "<" (already HTML).
// A header of empty strings is left out.
std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

// The page: a title, the body, and the stylesheet inline.
std::string HtmlPage(const std::string& title, const std::string& body);

}  // namespace veritrain
