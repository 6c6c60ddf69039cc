// Writing what pglens produces on standard output, checked to the last byte (files are
// replaced through replace_file, in the source layer).
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "cli/cli.hpp"
#include "pglens/report.hpp"

namespace pglens::cli {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

namespace {
std::atomic<int> stdout_errno{0};  // of the first write to stdout that failed
}  // namespace

void write_stdout(std::string_view text) {
  if (text.empty()) return;
  // A write the buffer made for an earlier call fails in this one: ferror, with its errno.
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::ferror(stdout)) {
    int expected = 0;
    stdout_errno.compare_exchange_strong(expected, errno ? errno : EIO);
  }
}

bool finish_stdout() {
  // A write through fmt::print or printf that failed left its errno, unless something
  // failed since: taken only when it is one a write gives.
  int left = errno;
  bool a_write_error =
      left == ENOSPC || left == EIO || left == EPIPE || left == EFBIG || left == EDQUOT || left == EROFS;
  errno = 0;
  bool flushed = std::fflush(stdout) == 0;
  int err = flushed ? stdout_errno.load() : errno;
  if (!err && a_write_error) err = left;
  bool failed = !flushed || std::ferror(stdout);
  // close() is where some file systems (NFS) report a write that failed.
  if (!failed && ::close(STDOUT_FILENO) != 0 && errno != EBADF) {
    failed = true;
    err = errno;
  }
  if (!failed) return true;
  fmt::print(stderr, "pglens: error: cannot write to standard output: {}\n",
             err ? errno_text(err) : std::string("a write failed"));
  return false;
}

void print_path_error(std::string_view path, std::string_view why) {
  fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(path), why);
}

}  // namespace pglens::cli
