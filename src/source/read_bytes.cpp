#include <cerrno>
#include <cstdio>
#include <cstring>

#include "pglens/source.hpp"

namespace pglens {

std::optional<std::string> read_bytes(const std::string& file, std::string& out) {
  std::FILE* f = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
  if (!f) return std::string("cannot open: ") + std::strerror(errno);
  out.clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  int err = errno;
  if (f != stdin) std::fclose(f);
  if (failed) return std::string("cannot read: ") + std::strerror(err);
  return std::nullopt;
}

}  // namespace pglens
