// `pglens serve` over plain sockets: the form and the plan page for the token's paths, and a
// clean refusal for everything else — a wrong token, a foreign Host, oversized heads and
// bodies, a missing or repeated Content-Length, chunked bodies, the wrong content type,
// broken form escapes, traversal attempts, a client that stalls — without the server dying.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "html/serve.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    html::ServeLimits limits;
    limits.max_body_bytes = 1 << 20;
    limits.read_timeout_ms = 500;
    server_ = std::make_unique<html::PlanServer>(limits);
    ASSERT_EQ(server_->listen(0), std::nullopt);
    thread_ = std::thread([this] { server_->run(stop_); });
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Sends `request` as is and returns everything the server answers.
  std::string exchange(const std::string& request, bool half_close = true) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    for (size_t off = 0; off < request.size();) {
      ssize_t n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server may refuse before reading it all
      off += static_cast<size_t>(n);
    }
    if (half_close) ::shutdown(fd, SHUT_WR);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::string path(const std::string& rest = "") const { return "/" + server_->token() + "/" + rest; }
  std::string get(const std::string& target, const std::string& host_header) {
    return exchange("GET " + target + " HTTP/1.1\r\nHost: " + host_header + "\r\n\r\n");
  }
  std::string post(const std::string& body, const std::string& type = "application/x-www-form-urlencoded") {
    return exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() + "\r\nContent-Type: " + type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  static int status(const std::string& response) {
    return response.size() > 12 ? std::atoi(response.substr(9, 3).c_str()) : 0;
  }

  std::unique_ptr<html::PlanServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string form_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

TEST_F(Serve, UrlIsLoopbackWithALongToken) {
  EXPECT_EQ(server_->url().rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(server_->token().size(), 48u);
  html::PlanServer other;
  EXPECT_NE(other.token(), server_->token());
}

TEST_F(Serve, FormThenPlanPage) {
  auto form = get(path(), host());
  ASSERT_EQ(status(form), 200) << form;
  EXPECT_NE(form.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
  EXPECT_NE(form.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_NE(form.find("action=\"" + path("explain") + "\""), std::string::npos);
  std::string plan = test::read_file(test::testdata("plan-rules/nested-loop-inner-scan/seq-inner.txt"));
  auto page = post("plan=" + form_encode(plan) +
                   "&sql=" + form_encode("SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id"));
  ASSERT_EQ(status(page), 200) << page.substr(0, 400);
  EXPECT_NE(page.find("class=\"node bottleneck\""), std::string::npos);
  EXPECT_NE(page.find("nested-loop-inner-scan"), std::string::npos);
  EXPECT_NE(page.find("<mark id=\"p1-q1\""), std::string::npos) << "the query was attached";
  // Localhost is the same server.
  EXPECT_EQ(status(get(path(), "localhost:" + std::to_string(server_->port()))), 200);
}

TEST_F(Serve, NoPlanInTheBodyShowsTheFormAgain) {
  auto r = post("plan=hello&sql=");
  EXPECT_EQ(status(r), 422);
  EXPECT_NE(r.find("No plan found"), std::string::npos);
  EXPECT_NE(r.find(">hello</textarea>"), std::string::npos);
}

TEST_F(Serve, WrongTokenUnknownPathsAndTraversalAre404) {
  std::string wrong = server_->token();
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(status(get("/" + wrong + "/", host())), 404);
  EXPECT_EQ(status(get("/", host())), 404);
  EXPECT_EQ(status(get("/" + server_->token(), host())), 404);
  EXPECT_EQ(status(get(path("../../../../etc/passwd"), host())), 404);
  EXPECT_EQ(status(get(path("%2e%2e/%2e%2e/etc/passwd"), host())), 404);
  EXPECT_EQ(status(get(path("explain/../"), host())), 404);
  auto r = get(path("../../../../etc/passwd"), host());
  EXPECT_EQ(r.find("root:"), std::string::npos);
}

TEST_F(Serve, ForeignHostIsRefused) {
  EXPECT_EQ(status(get(path(), "evil.example:" + std::to_string(server_->port()))), 421);
  EXPECT_EQ(status(exchange("GET " + path() + " HTTP/1.1\r\n\r\n")), 421);
  EXPECT_EQ(status(exchange("GET " + path() + " HTTP/1.1\r\nHost: " + host() + "\r\nHost: " + host() + "\r\n\r\n")),
            400);
}

TEST_F(Serve, OversizedRequestsAreRefused) {
  std::string big_header(20000, 'a');
  EXPECT_EQ(
      status(exchange("GET " + path() + " HTTP/1.1\r\nHost: " + host() + "\r\nX-Big: " + big_header + "\r\n\r\n")),
      431);
  // A body over the limit is refused from its Content-Length, before it is read.
  EXPECT_EQ(
      status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                      "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\nplan=")),
      413);
  EXPECT_EQ(status(exchange(
                "POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999999999999\r\n\r\n")),
            400);
}

TEST_F(Serve, MalformedRequestsAreRefused) {
  EXPECT_EQ(status(exchange("garbage\r\n\r\n")), 400);
  EXPECT_EQ(status(exchange("GET  / HTTP/1.1\r\n\r\n")), 400);
  EXPECT_EQ(status(exchange("GET " + path() + " HTTP/2.0\r\nHost: " + host() + "\r\n\r\n")), 505);
  EXPECT_EQ(status(exchange("GET " + path() + " HTTP/1.1\r\nHost " + host() + "\r\n\r\n")), 400);
  EXPECT_EQ(status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                            "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nplan=x")),
            411);
  EXPECT_EQ(status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                            "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nplan=\r\n0\r\n\r\n")),
            501);
  EXPECT_EQ(status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                            "\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")),
            400);
  EXPECT_EQ(
      status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() + "\r\nContent-Length: -1\r\n\r\n")),
      400);
  EXPECT_EQ(status(post("plan=%zz")), 400);
  EXPECT_EQ(status(post("plan=%4")), 400);
  EXPECT_EQ(status(post("{\"plan\": 1}", "application/json")), 415);
  EXPECT_EQ(status(post("plan=x", "multipart/form-data; boundary=x")), 415);
  EXPECT_EQ(
      status(exchange("PUT " + path("explain") + " HTTP/1.1\r\nHost: " + host() + "\r\nContent-Length: 0\r\n\r\n")),
      405);
  EXPECT_EQ(status(get(path("explain"), host())), 405);
  // A body shorter than announced, then silence: dropped after the read timeout.
  EXPECT_EQ(
      status(exchange("POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
                          "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nplan=",
                      false)),
      408);
  // Still serving.
  EXPECT_EQ(status(get(path(), host())), 200);
}

// A client connected to the server, holding its connection open.
int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Whether the server has answered anything on `fd` yet (without waiting).
bool answered(int fd) {
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
  return n > 0;
}

// Two clients at once: one that sent half a request and went quiet, one that sends a whole
// request. The second is answered while the first is still waited for (one at a time, the
// second would wait for the first's timeout, and the first be answered 408 before it).
class ServeConcurrent : public Serve {
 protected:
  void SetUp() override {
    html::ServeLimits limits;
    limits.read_timeout_ms = 60000;  // the idle client is never timed out during the test
    limits.max_connections = 3;
    server_ = std::make_unique<html::PlanServer>(limits);
    ASSERT_EQ(server_->listen(0), std::nullopt);
    thread_ = std::thread([this] { server_->run(stop_); });
  }
};

TEST_F(ServeConcurrent, AnIdleClientDoesNotHoldUpAnother) {
  int idle = connect_to(server_->port());
  std::string half = "POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() + "\r\nContent-Len";
  ASSERT_EQ(::send(idle, half.data(), half.size(), MSG_NOSIGNAL), static_cast<ssize_t>(half.size()));
  // A slow upload too: its head, and only part of the body it announced.
  int slow = connect_to(server_->port());
  std::string partial = "POST " + path("explain") + " HTTP/1.1\r\nHost: " + host() +
      "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nplan=";
  ASSERT_EQ(::send(slow, partial.data(), partial.size(), MSG_NOSIGNAL), static_cast<ssize_t>(partial.size()));
  std::string plan = test::read_file(test::testdata("plan-rules/nested-loop-inner-scan/seq-inner.txt"));
  auto page = post("plan=" + form_encode(plan));
  EXPECT_EQ(status(page), 200) << page.substr(0, 300);
  EXPECT_NE(page.find("class=\"node bottleneck\""), std::string::npos);
  EXPECT_FALSE(answered(idle)) << "the idle client is still being waited for";
  EXPECT_FALSE(answered(slow)) << "the slow upload is still being read";
  // The slow upload completes and is answered.
  std::string rest(1000 - 5, 'x');
  ASSERT_EQ(::send(slow, rest.data(), rest.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rest.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(slow, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(status(out), 422) << "no plan in x...: the form again";
  ::close(slow);
  ::close(idle);
}

TEST_F(ServeConcurrent, OverTheLimitIsRefusedAtOnceAndStopEndsIdleClients) {
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(connect_to(server_->port()));
  // The fourth at once: 503, while the three wait.
  EXPECT_EQ(status(get(path(), host())), 503);
  for (int fd : idle) EXPECT_FALSE(answered(fd));
  // One finishes its request: there is room again.
  std::string req = "GET " + path() + " HTTP/1.1\r\nHost: " + host() + "\r\n\r\n";
  ASSERT_EQ(::send(idle[0], req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(idle[0], buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(status(out), 200);
  ::close(idle[0]);
  int tries = 0;
  std::string again;
  // The slot is given back after the answer is sent: it may take a moment.
  while (status(again = get(path(), host())) == 503 && ++tries < 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(status(again), 200);
  // Stop ends the two idle connections (run() returns only when every one is closed).
  stop_ = true;
  thread_.join();
  for (size_t i = 1; i < idle.size(); ++i) {
    ssize_t n = ::recv(idle[i], buf, sizeof buf, 0);
    EXPECT_LE(n, 0) << "closed without an answer";
    ::close(idle[i]);
  }
}

TEST(ServeCli, PrintsItsUrlAndRefusesABadPort) {
  auto r = test::run_pglens("serve --port 70000");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace pglens
