#include "lsp/transport.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

#include <fmt/format.h>

namespace pglens::lsp {
namespace {

// Header lines longer than this are not headers; they are skipped up to their newline.
constexpr size_t kMaxHeaderLine = 8192;

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Parses the Content-Length value of a header block; nullopt-like -1 when absent or bad.
bool parse_length(std::string_view header_block, size_t& length) {
  size_t pos = 0;
  bool found = false;
  while (pos < header_block.size()) {
    size_t nl = header_block.find('\n', pos);
    std::string_view line = header_block.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? header_block.size() : nl + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!iequals(trim(line.substr(0, colon)), "content-length")) continue;
    std::string_view value = trim(line.substr(colon + 1));
    size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) return false;
    length = n;
    found = true;
  }
  return found;
}

// The length of `Content-Length:` starting at `at`, case-insensitively; 0 when it is not there.
constexpr std::string_view kLengthHeader = "content-length:";
bool length_header_at(std::string_view text, size_t at) {
  return text.size() - at >= kLengthHeader.size() && iequals(text.substr(at, kLengthHeader.size()), kLengthHeader);
}

// Where a `Content-Length: N` header line starts in `text`, from `from` on: the name, blanks,
// digits, blanks and a line break. That line cannot be inside a JSON text (a raw line break
// cannot be in a string, and the name is not JSON outside one), so found inside a body it
// means the sender's length was wrong and the next message begins there. With `partial`,
// a header cut short by the end of `text` counts too (more bytes may complete it).
size_t find_length_header(std::string_view text, size_t from, bool partial) {
  for (size_t colon = text.find(':', from); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    if (colon + 1 < kLengthHeader.size() || colon + 1 - kLengthHeader.size() < from) continue;
    size_t start = colon + 1 - kLengthHeader.size();
    if (!length_header_at(text, start)) continue;
    size_t i = colon + 1;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t digits = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == text.size()) {
      if (partial) return start;
      continue;
    }
    if (i == digits) continue;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
    if (i == text.size() ? partial : text[i] == '\n') return start;
  }
  return std::string_view::npos;
}

// Whether `rest`, the bytes after a body, can begin the next message: a header LSP defines
// (or the start of one, cut short), or a line break. Anything else is the body's own tail,
// which a sender that counted characters instead of bytes left out of the length.
bool starts_next_message(std::string_view rest) {
  if (rest.empty() || rest[0] == '\r' || rest[0] == '\n') return true;
  for (std::string_view header : {kLengthHeader, std::string_view("content-type:")}) {
    size_t n = std::min(rest.size(), header.size());
    if (iequals(rest.substr(0, n), header.substr(0, n))) return true;
  }
  return false;
}

// A header line's name is a token: letters, digits and dashes.
bool is_header_line(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  return std::all_of(line.begin(), line.begin() + static_cast<ptrdiff_t>(colon),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

}  // namespace

std::string frame_header(size_t body_size) { return fmt::format("Content-Length: {}\r\n\r\n", body_size); }

std::string frame(std::string_view body) {
  std::string out = frame_header(body.size());
  out.append(body);
  return out;
}

bool Transport::next_line(std::string& line, bool& too_long) {
  too_long = false;
  line.clear();
  for (;;) {
    size_t nl = in_.find('\n', in_pos_);
    if (nl != std::string::npos) {
      size_t n = nl - in_pos_;
      if (n > kMaxHeaderLine) too_long = true;
      else line.assign(in_, in_pos_, n);
      in_pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    // No newline yet: drop what cannot be a header so a flood without newlines stays bounded.
    if (in_.size() - in_pos_ > kMaxHeaderLine) {
      too_long = true;
      in_.clear();
      in_pos_ = 0;
      // Keep reading until the newline that ends this line.
      for (;;) {
        if (in_eof_ || !fill(in_)) {
          in_eof_ = true;
          return false;
        }
        size_t at = in_.find('\n');
        if (at != std::string::npos) {
          in_.erase(0, at + 1);
          return true;
        }
        in_.clear();
      }
    }
    if (in_pos_ > 0) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
    if (in_eof_ || !fill(in_)) {
      in_eof_ = true;
      return false;
    }
  }
}

ReadStatus Transport::read(std::string& body, std::string& error) {
  body.clear();
  error.clear();
  std::string headers, line;
  bool too_long = false, any_header = false, skipped_garbage = false;
  for (;;) {
    if (!next_line(line, too_long)) return ReadStatus::eof;
    if (too_long) {
      skipped_garbage = true;
      continue;
    }
    if (line.empty()) {
      if (any_header) break;
      continue;  // blank lines between messages are tolerated
    }
    // The tail of a message whose length was too short, or other noise: the next message
    // starts at the `Content-Length:` in it, if any (resynchronising on it).
    if (size_t at = find_length_header(line + '\n', 0, false); at != std::string::npos && at > 0) {
      skipped_garbage = true;
      line.erase(0, at);
      headers.clear();
    } else if (!is_header_line(line)) {
      skipped_garbage = true;
      continue;
    }
    any_header = true;
    headers += line;
    headers += '\n';
    if (headers.size() > 4 * kMaxHeaderLine) {
      error = "header block too long";
      return ReadStatus::bad_frame;
    }
  }
  size_t length = 0;
  if (!parse_length(headers, length)) {
    error = skipped_garbage ? "unreadable bytes, then headers without a valid Content-Length"
                            : "headers without a valid Content-Length";
    return ReadStatus::bad_frame;
  }
  bool keep = length <= kMaxMessageBytes;
  if (keep) body.reserve(length);
  size_t remaining = length;
  size_t checked = 0;  // of `body`, searched for the next message's header
  while (remaining > 0) {
    if (in_pos_ == in_.size()) {
      in_.clear();
      in_pos_ = 0;
      if (in_eof_ || !fill(in_)) {
        in_eof_ = true;
        body.clear();
        return ReadStatus::eof;
      }
    }
    size_t take = std::min(remaining, in_.size() - in_pos_);
    if (keep) {
      body.append(in_, in_pos_, take);
      // A length larger than the message: the body runs into the next message's header.
      // Stop there and read that message next, instead of swallowing it (and waiting for
      // bytes the client will never send).
      size_t from = checked > kLengthHeader.size() + 24 ? checked - kLengthHeader.size() - 24 : 0;
      size_t next = find_length_header(body, from, false);
      checked = body.size();
      if (next != std::string::npos) {
        in_pos_ += take;
        in_.erase(0, in_pos_);
        in_.insert(0, body, next);
        in_pos_ = 0;
        body.resize(next);
        error = fmt::format("Content-Length {} is more than the message's {} bytes; read it up to the next header",
                            length, next);
        return ReadStatus::message;
      }
    }
    in_pos_ += take;
    remaining -= take;
  }
  if (!keep) {
    error = fmt::format("message of {} bytes is larger than the limit of {} bytes; skipped", length, kMaxMessageBytes);
    return ReadStatus::bad_frame;
  }
  // A length too small (characters counted instead of bytes): the rest of the body follows
  // instead of a header. Take it, up to the next header, from what the client already sent.
  if (in_pos_ == in_.size()) pull_ready();
  std::string_view rest(in_.data() + in_pos_, in_.size() - in_pos_);
  if (!starts_next_message(rest)) {
    size_t next = find_length_header(rest, 0, true);
    if (next == std::string_view::npos) next = rest.size();
    body.append(rest.substr(0, next));
    in_pos_ += next;
    error = fmt::format("Content-Length {} is less than the message's {} bytes; read it up to the next header", length,
                        body.size());
    return ReadStatus::message;
  }
  if (skipped_garbage) error = "unreadable bytes before this message were skipped";
  return ReadStatus::message;
}

void Transport::pull_ready() {
  while (!in_eof_ && fill_ready()) {
    if (in_pos_ > 0) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
    if (!fill(in_)) in_eof_ = true;
  }
}

bool Transport::buffered_message_complete() const {
  std::string_view rest(in_.data() + in_pos_, in_.size() - in_pos_);
  size_t end = rest.find("\r\n\r\n");
  size_t sep = 4;
  if (end == std::string_view::npos) {
    end = rest.find("\n\n");
    sep = 2;
  }
  if (end == std::string_view::npos) return false;
  size_t length = 0;
  if (!parse_length(rest.substr(0, end), length)) return true;  // read() reports it at once
  // Enough bytes, or the next message's header already (read() stops the body there).
  return rest.size() - end - sep >= length || find_length_header(rest, end + sep, false) != std::string_view::npos;
}

bool Transport::ready() {
  if (in_eof_ || buffered_message_complete()) return true;
  // Pull what the client already sent without waiting for more.
  while (fill_ready()) {
    if (in_pos_ > 0) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
    }
    if (!fill(in_)) {
      in_eof_ = true;
      return true;
    }
    if (buffered_message_complete()) return true;
  }
  return false;
}

bool Transport::write(std::string_view body) {
  std::lock_guard lock(write_mutex_);
  if (write_failed_) return false;
  // The header and the body apart: a large body (diagnostics of a big file) is not copied.
  if (!send(frame_header(body.size())) || !send(body)) write_failed_ = true;
  return !write_failed_;
}

bool FdTransport::fill(std::string& buffer) {
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(in_fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;  // end of input, or an error that will not go away
  }
}

bool FdTransport::fill_ready() {
  pollfd p{in_fd_, POLLIN, 0};
  int r = ::poll(&p, 1, 0);
  return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

bool FdTransport::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(out_fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void MemoryTransport::feed(std::string_view bytes) {
  {
    std::lock_guard lock(mutex_);
    pending_.append(bytes);
  }
  fed_.notify_all();
}

void MemoryTransport::feed_message(std::string_view body) { feed(frame(body)); }

void MemoryTransport::close_input() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  fed_.notify_all();
}

std::vector<std::string> MemoryTransport::take_output() {
  std::string bytes;
  {
    std::lock_guard lock(mutex_);
    bytes.swap(written_);
  }
  // Every write is a whole frame, so the headers we wrote ourselves can be split simply.
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t end = bytes.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    size_t length = 0;
    if (!parse_length(std::string_view(bytes).substr(pos, end - pos), length)) break;
    out.push_back(bytes.substr(end + 4, length));
    pos = end + 4 + length;
  }
  return out;
}

bool MemoryTransport::fill(std::string& buffer) {
  std::unique_lock lock(mutex_);
  fed_.wait(lock, [&] { return !pending_.empty() || closed_; });
  if (pending_.empty()) return false;
  buffer.append(pending_);
  pending_.clear();
  return true;
}

bool MemoryTransport::fill_ready() {
  std::lock_guard lock(mutex_);
  return !pending_.empty() || closed_;
}

bool MemoryTransport::send(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  written_.append(bytes);
  return true;
}

}  // namespace pglens::lsp
