// One JSON string writer for every hand-written JSON of pglens (the JSON report, LSP
// diagnostics, tree dumps): escapes as nlohmann's dump() does, and writes U+FFFD for bytes
// that are not UTF-8 (a file name) instead of invalid JSON.
#pragma once

#include <string>
#include <string_view>

namespace pglens {

void append_json_string(std::string& out, std::string_view s);

// The same care for HTML (text and quoted attribute values alike): & < > " ' as character
// references, bytes that are not UTF-8 and control characters but tab, LF and CR as U+FFFD.
// Plans and queries are untrusted input: nothing they hold can open a tag or end a script.
void append_html_escaped(std::string& out, std::string_view s);
std::string html_escape(std::string_view s);

}  // namespace pglens
