// The wire of the language server: JSON-RPC messages framed by `Content-Length` headers
// (LSP base protocol) over a byte stream. Knows nothing of JSON or of LSP methods.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pglens::lsp {

// Messages larger than this are skipped (their bytes are read and dropped) rather than
// buffered: a 10 MB document fits many times over, a lying header cannot exhaust memory.
inline constexpr size_t kMaxMessageBytes = size_t{256} << 20;

enum class ReadStatus {
  message,    // `body` holds one message; `error`, if set, says how a wrong frame was repaired
  bad_frame,  // headers were malformed or the body too large; `error` says why; reading can go on
  eof,        // the client closed the stream (or it failed): no more messages
};

// Reads framed messages from raw bytes and frames outgoing ones. Subclasses supply the bytes.
class Transport {
 public:
  virtual ~Transport() = default;

  // Blocks until a whole message, a framing error or the end of input.
  ReadStatus read(std::string& body, std::string& error);
  // True when read() can return without waiting for the client: a whole message (or the end
  // of input) is already buffered or readable.
  bool ready();
  // Frames and writes one message; safe to call from several threads. Returns false once the
  // client is gone (writes after that are dropped).
  bool write(std::string_view body);

 protected:
  // Appends at least one byte read from the client to `buffer`; returns false at end of input.
  virtual bool fill(std::string& buffer) = 0;
  // True when fill() would not block.
  virtual bool fill_ready() = 0;
  // Writes all of `bytes`; returns false when the client is gone.
  virtual bool send(std::string_view bytes) = 0;

 private:
  bool next_line(std::string& line, bool& too_long);
  bool buffered_message_complete() const;
  // Appends what the client already sent, without waiting.
  void pull_ready();

  std::string in_;
  size_t in_pos_ = 0;
  bool in_eof_ = false;
  std::mutex write_mutex_;
  bool write_failed_ = false;
};

// Over file descriptors (stdin/stdout for `pglens lsp`).
class FdTransport final : public Transport {
 public:
  FdTransport(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}

 protected:
  bool fill(std::string& buffer) override;
  bool fill_ready() override;
  bool send(std::string_view bytes) override;

 private:
  int in_fd_, out_fd_;
};

// In memory, for tests and the fuzzer: the test feeds raw bytes and reads what was written.
class MemoryTransport final : public Transport {
 public:
  // Appends client bytes (already framed, or deliberately broken).
  void feed(std::string_view bytes);
  // Frames one message body and feeds it.
  void feed_message(std::string_view body);
  // After this, reads past the fed bytes report the end of input instead of blocking.
  void close_input();
  // Bodies of the messages written so far, removed from the transport.
  std::vector<std::string> take_output();

 protected:
  bool fill(std::string& buffer) override;
  bool fill_ready() override;
  bool send(std::string_view bytes) override;

 private:
  std::mutex mutex_;
  std::condition_variable fed_;
  std::string pending_;
  bool closed_ = false;
  std::string written_;
};

// "Content-Length: N\r\n\r\n" + body.
std::string frame(std::string_view body);
std::string frame_header(size_t body_size);

}  // namespace pglens::lsp
