// `pglens serve`: a local page where a plan (and its query) is pasted or dropped and shown as
// the plan page. Hardened like a public server although it listens on loopback only: a random
// token in every path (compared in constant time), the Host header checked (no DNS
// rebinding), request head and body size limits, a fixed set of paths (nothing is ever read
// from disk: no traversal), the form's content type required, read timeouts, a CSP on every
// answer. Nothing is stored: each plan lives for the request that carries it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace pglens::html {

struct ServeLimits {
  size_t max_head_bytes = 16 * 1024;         // request line and headers
  size_t max_body_bytes = 16 * 1024 * 1024;  // a pasted plan and its query
  int read_timeout_ms = 10000;               // per read (and per write): a stalled client is dropped
  int request_timeout_ms = 60000;            // the whole request: a client trickling bytes is dropped
  int max_connections = 8;                   // served at once; one more is answered 503 at once
};

struct HttpRequest {
  std::string method, target, version;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::string allow;  // for 405
};

class PlanServer {
 public:
  explicit PlanServer(ServeLimits limits = {});
  ~PlanServer();
  PlanServer(const PlanServer&) = delete;
  PlanServer& operator=(const PlanServer&) = delete;

  // Binds 127.0.0.1:`port` (0: a free one); nullopt, or why not.
  std::optional<std::string> listen(int port);
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  std::string url() const;  // http://127.0.0.1:PORT/TOKEN/

  // Serves connections, each on its own thread (at most max_connections at once: a slow or
  // idle client never holds up another), until `stop` is set (checked at least every 200 ms);
  // then the open connections are shut and their threads joined before it returns.
  void run(const std::atomic<bool>& stop);

  // The answer to a parsed request (the routing, checks and pages; no I/O).
  HttpResponse respond(const HttpRequest& request) const;

 private:
  void serve_connection(int fd) const;

  ServeLimits limits_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::set<int> open_fds_;  // the connections being served, shut on stop
  int listen_fd_ = -1;
  int port_ = 0;
  std::string token_;
};

// The bytes of an HTTP/1.1 response with the security headers every answer carries.
std::string serialize(const HttpResponse& response);

}  // namespace pglens::html
