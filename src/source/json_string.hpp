// One JSON string writer for every hand-written JSON of pglens (the JSON report, LSP
// diagnostics, tree dumps): escapes as nlohmann's dump() does, and writes U+FFFD for bytes
// that are not UTF-8 (a file name) instead of invalid JSON.
#pragma once

#include <string>
#include <string_view>

namespace pglens {

void append_json_string(std::string& out, std::string_view s);

}  // namespace pglens
