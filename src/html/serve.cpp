#include "html/serve.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "html/page.hpp"
#include "html/plan_page.hpp"
#include "pglens/plan_rules.hpp"

namespace pglens::html {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

HttpResponse error(int status, std::string_view why) {
  HttpResponse r;
  r.status = status;
  r.body = document(
      fmt::format("pglens serve: {}", reason(status)),
      fmt::format("<main id=\"main\"><h1>{} {}</h1><p>{}</p></main>", status, reason(status), html_escape(why)));
  return r;
}

// application/x-www-form-urlencoded; nullopt when a %-escape is broken.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body) {
  auto decode = [](std::string_view s) -> std::optional<std::string> {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '+') {
        out += ' ';
      } else if (c == '%') {
        auto hex = [](char h) {
          return h >= '0' && h <= '9' ? h - '0'
              : h >= 'a' && h <= 'f'  ? h - 'a' + 10
              : h >= 'A' && h <= 'F'  ? h - 'A' + 10
                                      : -1;
        };
        if (i + 2 >= s.size()) return std::nullopt;
        int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        out += c;
      }
    }
    return out;
  };
  std::map<std::string, std::string> fields;
  size_t at = 0;
  while (at <= body.size()) {
    size_t end = body.find('&', at);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(at, end - at);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      auto key = decode(pair.substr(0, eq));
      auto value = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
      if (!key || !value) return std::nullopt;
      fields[*key] = std::move(*value);
    }
    at = end + 1;
  }
  return fields;
}

std::string form_page(std::string_view token, std::string_view message, std::string_view plan, std::string_view sql) {
  std::string body =
      "<header class=\"page\"><h1>pglens serve</h1><div class=\"sub\">Paste or drop an EXPLAIN plan "
      "(TEXT, JSON, YAML or XML) and, if you like, its query. It is read on this machine and stored "
      "nowhere.</div></header><main id=\"main\">";
  if (!message.empty()) body += "<p class=\"callout\">" + html_escape(message) + "</p>";
  body += fmt::format(
      "<form method=\"post\" action=\"/{}/explain\" enctype=\"application/x-www-form-urlencoded\" "
      "class=\"paste\">",
      html_escape(token));
  body +=
      "<p><label for=\"plan\"><b>Plan</b></label><br><textarea id=\"plan\" name=\"plan\" rows=\"18\" cols=\"120\" "
      "required data-drop spellcheck=\"false\" placeholder=\"EXPLAIN (ANALYZE, BUFFERS) output, or drop a file here\">";
  append_html_escaped(body, plan);
  body +=
      "</textarea></p><p><label for=\"sql\"><b>Query</b> <span class=\"muted\">(optional)</span></label><br>"
      "<textarea id=\"sql\" name=\"sql\" rows=\"6\" cols=\"120\" spellcheck=\"false\">";
  append_html_escaped(body, sql);
  body += "</textarea></p><p><button type=\"submit\">Show the plan</button></p></form></main>";
  return document("pglens serve", body, "'self'");
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string serialize(const HttpResponse& r) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
  out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", r.content_type, r.body.size());
  out += "Content-Security-Policy: " + content_security_policy("'self'") + "\r\n";
  out +=
      "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
      "Cache-Control: no-store\r\nCross-Origin-Resource-Policy: same-origin\r\nConnection: close\r\n";
  if (!r.allow.empty()) out += "Allow: " + r.allow + "\r\n";
  out += "\r\n";
  out += r.body;
  return out;
}

PlanServer::PlanServer(ServeLimits limits) : limits_(limits) {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no random bytes for the token");
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char b : raw) {
    token_ += hex[b >> 4];
    token_ += hex[b & 0xF];
  }
}

PlanServer::~PlanServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::optional<std::string> PlanServer::listen(int port) {
  if (port < 0 || port > 65535) return fmt::format("port {} is not in 0..65535", port);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return fmt::format("cannot open a socket: {}", std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, whatever the port
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fmt::format("cannot listen on 127.0.0.1:{}: {}", port, std::strerror(errno));
  if (::listen(listen_fd_, 16) != 0) return fmt::format("cannot listen: {}", std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  return std::nullopt;
}

std::string PlanServer::url() const { return fmt::format("http://127.0.0.1:{}/{}/", port_, token_); }

void PlanServer::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (!wait_readable(listen_fd_, 200)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // A client that stops reading the answer is dropped too.
    timeval send_timeout{.tv_sec = limits_.read_timeout_ms / 1000, .tv_usec = (limits_.read_timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    {
      std::lock_guard lock(mutex_);
      if (open_fds_.size() >= static_cast<size_t>(std::max(1, limits_.max_connections))) {
        send_all(fd, serialize(error(503, "Too many requests at once; try again.")));
        ::close(fd);
        continue;
      }
      open_fds_.insert(fd);
    }
    try {
      std::thread([this, fd] {
        serve_connection(fd);
        std::lock_guard lock(mutex_);
        open_fds_.erase(fd);
        ::close(fd);
        idle_.notify_all();
      }).detach();
    } catch (const std::system_error&) {  // no thread to be had: this one is refused
      send_all(fd, serialize(error(503, "Too many requests at once; try again.")));
      std::lock_guard lock(mutex_);
      open_fds_.erase(fd);
      ::close(fd);
    }
  }
  // Wake the connections still waiting for their client, and wait for every one to end.
  std::unique_lock lock(mutex_);
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [this] { return open_fds_.empty(); });
}

void PlanServer::serve_connection(int fd) const {
  auto answer = [&](const HttpResponse& r) {
    send_all(fd, serialize(r));
    ::shutdown(fd, SHUT_WR);
  };
  // Each read waits at most read_timeout_ms, and all of them together request_timeout_ms.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
  auto readable = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int wait = static_cast<int>(std::min<int64_t>(limits_.read_timeout_ms, std::max<int64_t>(0, left.count())));
    return wait > 0 && wait_readable(fd, wait);
  };
  // The head: up to the blank line, within max_head_bytes.
  std::string data;
  size_t head_end = std::string::npos;
  char buf[8192];
  while (head_end == std::string::npos) {
    if (data.size() > limits_.max_head_bytes) return answer(error(431, "The request head is too large."));
    if (!readable()) return answer(error(408, "The request did not arrive in time."));
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    head_end = data.find("\r\n\r\n");
  }
  if (head_end > limits_.max_head_bytes) return answer(error(431, "The request head is too large."));
  HttpRequest req;
  std::string_view head(data.data(), head_end);
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t s1 = line.find(' ');
  size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
  if (s1 == std::string_view::npos || s2 == std::string_view::npos || line.find(' ', s2 + 1) != std::string_view::npos)
    return answer(error(400, "Malformed request line."));
  req.method = line.substr(0, s1);
  req.target = line.substr(s1 + 1, s2 - s1 - 1);
  req.version = line.substr(s2 + 1);
  if (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") return answer(error(505, "HTTP/1.1 only."));
  size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    std::string_view h = head.substr(at, end - at);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        h.substr(0, colon).find_first_of(" \t") != std::string_view::npos)
      return answer(error(400, "Malformed header."));
    std::string name = lower(std::string(h.substr(0, colon)));
    std::string value(trim(h.substr(colon + 1)));
    // One of each: a second Content-Length or Host is how requests are smuggled.
    if (req.headers.count(name) && (name == "content-length" || name == "host" || name == "content-type"))
      return answer(error(400, "Repeated " + name + " header."));
    req.headers[name] = value;
    at = end + 2;
  }
  if (req.headers.count("transfer-encoding"))
    return answer(error(501, "Chunked bodies are not accepted; send Content-Length."));
  size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos)
      return answer(error(400, "Malformed Content-Length."));
    length = std::stoull(v);
    if (length > limits_.max_body_bytes)
      return answer(error(413, fmt::format("The plan is larger than {} MiB.", limits_.max_body_bytes >> 20)));
  } else if (req.method == "POST") {
    return answer(error(411, "Content-Length is required."));
  }
  req.body = data.substr(head_end + 4);
  if (req.body.size() > length) return answer(error(400, "More bytes than Content-Length."));
  while (req.body.size() < length) {
    if (!readable()) return answer(error(408, "The request body did not arrive in time."));
    ssize_t n = ::recv(fd, buf, std::min(sizeof buf, length - req.body.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    req.body.append(buf, static_cast<size_t>(n));
  }
  answer(respond(req));
}

HttpResponse PlanServer::respond(const HttpRequest& req) const {
  // The Host a browser sends for our URL: anything else is another site's page reaching in
  // through a name that resolves to 127.0.0.1 (DNS rebinding).
  auto host = req.headers.find("host");
  if (host == req.headers.end() ||
      (host->second != fmt::format("127.0.0.1:{}", port_) && host->second != fmt::format("localhost:{}", port_)))
    return error(421, "Unexpected Host header.");
  // "/<token>/" and "/<token>/explain", the token compared in constant time.
  std::string_view target = req.target;
  bool token_ok = target.size() >= token_.size() + 2 && target[0] == '/' && target[token_.size() + 1] == '/' &&
      CRYPTO_memcmp(target.data() + 1, token_.data(), token_.size()) == 0;
  if (!token_ok) return error(404, "Not found. Open the address pglens serve printed.");
  std::string_view rest = target.substr(token_.size() + 2);
  if (rest.empty()) {
    if (req.method != "GET") {
      HttpResponse r = error(405, "GET only.");
      r.allow = "GET";
      return r;
    }
    return {
        .status = 200, .content_type = "text/html; charset=utf-8", .body = form_page(token_, "", "", ""), .allow = {}};
  }
  if (rest != "explain") return error(404, "Not found.");
  if (req.method != "POST") {
    HttpResponse r = error(405, "POST the form.");
    r.allow = "POST";
    return r;
  }
  auto type = req.headers.find("content-type");
  std::string media =
      type == req.headers.end() ? "" : lower(std::string(trim(type->second.substr(0, type->second.find(';')))));
  if (media != "application/x-www-form-urlencoded")
    return error(415, "Send the form (application/x-www-form-urlencoded).");
  auto fields = parse_form(req.body);
  if (!fields) return error(400, "Malformed form data.");
  const std::string& plan_text = (*fields)["plan"];
  const std::string& sql = (*fields)["sql"];
  plan::ReadResult result = plan::read_plans(plan_text);
  if (result.plans.empty()) {
    std::string why = "No plan found: paste EXPLAIN output (TEXT, JSON, YAML or XML).";
    if (!result.errors.empty()) why += " " + result.errors.front().message;
    return {.status = 422,
            .content_type = "text/html; charset=utf-8",
            .body = form_page(token_, why, plan_text, sql),
            .allow = {}};
  }
  for (auto& p : result.plans)
    if (p.query_text.empty()) p.query_text = sql;
  // Defaults only: the server reads no config and connects to no database.
  Config config;
  Catalog catalog;
  std::vector<plan::Diagnosis> findings;
  for (const auto& p : result.plans) findings.push_back(plan::diagnose(p, config, catalog));
  return {.status = 200,
          .content_type = "text/html; charset=utf-8",
          .body = plan_page({.source_name = "pasted plan",
                             .input = plan_text,
                             .plans = result.plans,
                             .diagnoses = findings,
                             .errors = result.errors}),
          .allow = {}};
}

}  // namespace pglens::html
