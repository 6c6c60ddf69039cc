// Which configs may choose where pglens connects. A `.pglens.toml` comes with a repository,
// and a cloned repository is untrusted: were its `[database] url` used as is, opening a
// pull request's file would make libpq send the user's PGPASSWORD or ~/.pgpass password to
// any host the pull request names. So that URL is used only when the user's own config
// holds it, or once the user has trusted that file with that URL (`pglens trust`), as
// direnv's `allow` and editors' workspace trust do. The record lives outside the
// repository, and an edited URL is untrusted again.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "pglens/config.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

fs::path user_config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/') return fs::path(xdg) / "pglens";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "pglens";
  return {};
}

fs::path canonical_of(const std::string& file) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(file, ec), ec);
  return ec ? fs::path(file).lexically_normal() : p;
}

// The record of one trust: SHA-256 of the file's canonical path and the URL it holds, so
// the trust file names no password and an edited URL no longer matches.
std::string fingerprint(const fs::path& config_file, const std::string& url) {
  std::string message = "pglens-trust-v1";
  message += '\0';
  message += config_file.string();
  message += '\0';
  message += url;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(message.data(), message.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

struct TrustEntry {
  std::string fingerprint;
  std::string file;  // for `pglens trust --list` and for people reading the file
};

std::vector<TrustEntry> read_store() {
  std::vector<TrustEntry> out;
  std::ifstream in(trust_store_path());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string version, print, file;
    if (!(fields >> version >> print) || version != "v1") continue;
    std::getline(fields >> std::ws, file);
    out.push_back({print, file});
  }
  return out;
}

std::optional<std::string> write_store(const std::vector<TrustEntry>& entries) {
  fs::path store = trust_store_path();
  if (store.empty()) return "no home directory (set HOME or XDG_CONFIG_HOME) to keep the record of trust in";
  std::error_code ec;
  fs::create_directories(store.parent_path(), ec);
  if (ec) return fmt::format("cannot create {}: {}", store.parent_path().string(), ec.message());
  std::string text =
      "# Configs whose [database] url pglens may connect to (`pglens trust`). One line each:\n"
      "# v1 <sha256 of the file's path and its URL> <file>\n";
  for (const auto& e : entries) text += fmt::format("v1 {} {}\n", e.fingerprint, e.file);
  std::string tmp = store.string() + ".XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return fmt::format("cannot write {}: {}", store.string(), std::strerror(errno));
  bool ok = fchmod(fd, 0600) == 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = fsync(fd) == 0 && ok;
  ok = close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), store.c_str()) != 0) {
    std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    return fmt::format("cannot write {}: {}", store.string(), why);
  }
  return std::nullopt;
}

}  // namespace

fs::path trust_store_path() {
  if (const char* file = std::getenv("PGLENS_TRUST_FILE"); file && *file) return file;
  fs::path dir = user_config_dir();
  return dir.empty() ? dir : dir / "trusted-databases";
}

bool database_url_trusted(const Config& config) {
  if (config.database_url.empty() || config.source.empty()) return false;
  fs::path file = canonical_of(config.source);
  fs::path own = user_config_dir();
  if (!own.empty()) {
    std::error_code ec;
    fs::path own_dir = fs::weakly_canonical(own, ec);
    if (!ec && file.parent_path() == own_dir) return true;  // the user's own config
  }
  std::string print = fingerprint(file, config.database_url);
  for (const auto& e : read_store())
    if (!print.empty() && e.fingerprint == print) return true;
  return false;
}

std::string untrusted_database_url_notice(const Config& config) {
  return fmt::format(
      "{}: `[database] url` is not used: a repository's config may not choose where pglens connects (libpq "
      "would send your password there). If you trust this file, run `pglens trust {}`; or give the URL yourself "
      "with --db or PGLENS_DATABASE_URL",
      config.source, config.source);
}

std::optional<std::string> set_database_url_trust(const Config& config, bool trusted) {
  if (config.database_url.empty()) return fmt::format("{} has no `[database] url` to trust", config.source);
  fs::path file = canonical_of(config.source);
  std::string print = fingerprint(file, config.database_url);
  std::vector<TrustEntry> entries;
  for (auto& e : read_store())
    if (e.fingerprint != print && e.file != file.string()) entries.push_back(std::move(e));
  if (trusted) entries.push_back({print, file.string()});
  return write_store(entries);
}

std::vector<std::string> trusted_config_files() {
  std::vector<std::string> out;
  for (auto& e : read_store()) out.push_back(std::move(e.file));
  return out;
}

}  // namespace pglens
