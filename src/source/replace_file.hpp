// Replacing a file atomically (replace_file.cpp).
#pragma once

#include <optional>
#include <string>

namespace pglens {

// Replaces the file at `path` (a symlink's target) with `content` through a temporary file in
// its directory renamed over it: a crash, a signal or a full disk never leaves it half
// written. Keeps its owner and mode; refuses (nullopt otherwise: the reason) a read-only file
// and one with more hard links, which a new file would split. Creates a missing file.
std::optional<std::string> replace_file(const std::string& path, const std::string& content);

}  // namespace pglens
