#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "pglens/source.hpp"

namespace pglens {
namespace {

// What a file is, for a message refusing it.
const char* file_kind(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

std::string too_large(size_t max_bytes) {
  return fmt::format("larger than {} MiB, the most pglens reads", max_bytes >> 20);
}

}  // namespace

std::optional<std::string> read_bytes(const std::string& file, std::string& out, size_t max_bytes) {
  out.clear();
  bool from_stdin = file == "-";
  if (!from_stdin) {
    // A device is refused before it is opened (opening one may do something); a FIFO named
    // on the command line (process substitution) is read like stdin.
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return std::string("cannot open: ") + std::strerror(errno);
    // /dev/null, the usual "nothing" (`--config /dev/null`), reads as the empty file it stands for.
    bool dev_null = S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISDIR(st.st_mode) && !dev_null)
      return fmt::format("cannot read: {}, not a file", file_kind(st.st_mode));
  }
  int fd = from_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open: ") + std::strerror(errno);
  auto done = [&](std::optional<std::string> result) {
    if (!from_stdin) ::close(fd);
    if (result) out.clear();
    return result;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return done(std::string("cannot read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return done(std::string("cannot read: ") + std::strerror(EISDIR));
  if (S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return done("cannot read: " + too_large(max_bytes));
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return done(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    // A pipe, a device given as stdin, or a file that grows: stop at the cap, not at the
    // end of memory.
    if (out.size() + static_cast<size_t>(n) > max_bytes) return done("cannot read: " + too_large(max_bytes));
    out.append(buf, static_cast<size_t>(n));
  }
  return done(std::nullopt);
}

}  // namespace pglens
