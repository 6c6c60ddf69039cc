// file:// URIs <-> filesystem paths (RFC 3986 percent-encoding, as editors send them).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pglens::lsp {

// The path of a file: URI; nullopt for other schemes (untitled:, ...) or a malformed URI.
std::optional<std::filesystem::path> uri_to_path(std::string_view uri);
// An absolute path as a file: URI.
std::string path_to_uri(const std::filesystem::path& path);

}  // namespace pglens::lsp
