// Why pglens reads PostgreSQL's raw parse tree in place (sql::Parser / sql::Node) and neither
// libpg_query's JSON nor its protobuf output: the three paths on the same corpus, same run,
// each including what it takes to get a walkable tree (and, for the raw tree, a walk of
// every node through sql::Node, which the output paths would still need on top). The
// protobuf path is timed without decoding its output: libpg_query 18 encodes it with its own
// upb and installs no decoder, so its time is a lower bound.
//
//   bench_parse_paths [CORPUS_DIR]      (default: bench-corpus/, see bench_lint)
#include <pg_query.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "sql/lexer.hpp"
#include "sql/parser.hpp"

namespace fs = std::filesystem;

namespace {
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
template <class F>
double best(F&& f) {
  double b = 1e30;
  for (int i = 0; i < 3; ++i) {
    double t = cpu_now();
    f();
    b = std::min(b, cpu_now() - t);
  }
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  fs::path corpus = argc > 1 ? fs::path(argv[1]) : fs::path("bench-corpus");
  std::vector<std::string> statements;
  size_t bytes = 0;
  for (auto& e : fs::directory_iterator(corpus)) {
    if (e.path().extension() != ".sql") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    bytes += text.size();
    PgQuerySplitResult split = pg_query_split_with_scanner(text.c_str());
    for (int i = 0; i < split.n_stmts; ++i)
      statements.push_back(text.substr(split.stmts[i]->stmt_location, split.stmts[i]->stmt_len));
    pg_query_free_split_result(split);
  }
  if (statements.empty()) {
    fmt::print(stderr, "no statements under {}; generate the corpus first (see bench_lint)\n", corpus.string());
    return 2;
  }
  simdjson::dom::parser json;
  double json_only = best([&] {
    for (const auto& s : statements) pg_query_free_parse_result(pg_query_parse(s.c_str()));
  });
  double json_tree = best([&] {
    for (const auto& s : statements) {
      PgQueryParseResult r = pg_query_parse(s.c_str());
      simdjson::dom::element doc;
      if (!r.error) {
        simdjson::error_code error = json.parse(r.parse_tree, std::strlen(r.parse_tree)).get(doc);
        static_cast<void>(error);  // the statements parsed: their JSON is valid
      }
      pg_query_free_parse_result(r);
    }
  });
  double pb_only = best([&] {
    for (const auto& s : statements) pg_query_free_protobuf_parse_result(pg_query_parse_protobuf(s.c_str()));
  });
  pglens::sql::Parser parser;
  std::vector<pglens::sql::StatementSpan> one(1);
  size_t nodes = 0;
  auto count = [&](auto& self, const pglens::sql::Node& n) -> void {
    ++nodes;
    pglens::sql::for_each_child(n, [&](const pglens::sql::Node& c) { self(self, c); });
  };
  auto raw_path = [&](bool walk) {
    return best([&] {
      nodes = 0;
      for (const auto& s : statements) {
        one[0].span = {0, static_cast<uint32_t>(s.size())};
        one[0].end = static_cast<uint32_t>(s.size());
        parser.parse(s, one, [&](const pglens::sql::Statement& st) {
          if (walk && st.root) count(count, st.root);
        });
      }
    });
  };
  double raw_tree = raw_path(false);
  double raw_walk = raw_path(true);
  double mb = static_cast<double>(bytes) / 1e6;
  auto row = [&](std::string_view what, double secs) {
    fmt::print("{:<36} {:8.1f} ms {:7.1f} MB/s  {:.2f} x the JSON output\n", what, secs * 1e3, mb / secs,
               secs / json_only);
  };
  fmt::print("{} statements, {:.2f} MB (process CPU time, best of 3)\n", statements.size(), mb);
  row("pg_query_parse (JSON text)", json_only);
  row("pg_query_parse + simdjson DOM", json_tree);
  row("pg_query_parse_protobuf", pb_only);
  row("raw parse tree (sql::Parser)", raw_tree);
  row(fmt::format("raw parse tree + walk of {} nodes", nodes), raw_walk);
  return 0;
}
