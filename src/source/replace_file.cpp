// Replacing a file atomically without losing its identity (owner, mode, symlinks, hard
// links): `pglens lint --fix`, `-o` of catalog dump, explain, diff and advise, and
// `rules --write-docs` write through it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "source/replace_file.hpp"

namespace pglens {
namespace {

// The temporary files being written, for the signal handler to remove: a fixed table of
// plain pointers, as a handler may neither lock nor allocate.
constexpr size_t kTempSlots = 256;
std::array<std::atomic<const char*>, kTempSlots> temp_files{};

extern "C" void remove_temp_files_and_die(int sig) {
  for (auto& slot : temp_files)
    if (const char* path = slot.load()) ::unlink(path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_cleanup_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;  // nohup: stay ignored
      struct sigaction sa {};
      sa.sa_handler = remove_temp_files_and_die;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

// Holds a temporary file's name in the table while it exists.
class TempRegistration {
 public:
  explicit TempRegistration(const char* path) {
    for (auto& slot : temp_files) {
      const char* expected = nullptr;
      if (slot.compare_exchange_strong(expected, path)) {
        slot_ = &slot;
        return;
      }
    }
  }
  ~TempRegistration() {
    if (slot_) slot_->store(nullptr);
  }
  TempRegistration(const TempRegistration&) = delete;
  TempRegistration& operator=(const TempRegistration&) = delete;

 private:
  std::atomic<const char*>* slot_ = nullptr;
};

std::string errno_text(int err) { return std::strerror(err); }

mode_t new_file_mode() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

std::optional<std::string> replace_file(const std::string& named_path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path named(named_path);
  // A symlink is followed: its target is the file to change, and the link stays a link.
  std::error_code ec;
  fs::path path = named;
  if (fs::is_symlink(fs::symlink_status(named, ec))) {
    path = fs::canonical(named, ec);
    if (ec) return fmt::format("cannot follow the symlink: {}", ec.message());
  }
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return fmt::format("cannot stat: {}", errno_text(errno));
  if (exists) {
    if (!S_ISREG(st.st_mode)) return std::string("not a regular file: left unchanged");
    if ((st.st_mode & 0222) == 0) return std::string("the file is read-only: left unchanged");
    // A new file renamed over it would leave the other names with the old content.
    if (st.st_nlink > 1)
      return fmt::format("the file has {} hard links, which replacing it would split: left unchanged", st.st_nlink);
  }
  std::string tmpl = (path.parent_path() / ("." + path.filename().string() + ".pglens-XXXXXX")).string();
  install_cleanup_handler();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return fmt::format("cannot create a temporary file next to it: {}", errno_text(errno));
  TempRegistration registered(tmpl.c_str());
  auto fail = [&](std::string why) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return std::optional<std::string>(std::move(why));
  };
  // The owner first: changing it clears the set-id bits the mode then restores.
  if (exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) && ::fchown(fd, st.st_uid, st.st_gid) != 0)
    return fail(fmt::format("cannot keep the file's owner ({}): left unchanged", errno_text(errno)));
  if (::fchmod(fd, exists ? (st.st_mode & 07777) : new_file_mode()) != 0)
    return fail(fmt::format("cannot keep the file's mode: {}", errno_text(errno)));
  for (size_t off = 0; off < content.size();) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(fmt::format("cannot write: {}", errno_text(errno)));
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(fmt::format("cannot write: {}", errno_text(errno)));
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return fmt::format("cannot write: {}", errno_text(err));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return fmt::format("cannot replace the file: {}", errno_text(err));
  }
  return std::nullopt;
}

}  // namespace pglens
