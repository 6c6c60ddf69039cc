// Why pglens reads libpg_query's JSON output and not its protobuf output: both paths on
// the same corpus, same run, each including what it takes to get a walkable tree.
//
//   bench_parse_paths [CORPUS_DIR]      (default: bench-corpus/, see bench_lint)
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

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
      if (!r.error) (void)json.parse(r.parse_tree, std::strlen(r.parse_tree)).get(doc);
      pg_query_free_parse_result(r);
    }
  });
  double pb_only = best([&] {
    for (const auto& s : statements) pg_query_free_protobuf_parse_result(pg_query_parse_protobuf(s.c_str()));
  });
  double pb_tree = best([&] {
    for (const auto& s : statements) {
      PgQueryProtobufParseResult r = pg_query_parse_protobuf(s.c_str());
      if (!r.error) {
        PgQuery__ParseResult* tree = pg_query__parse_result__unpack(
            nullptr, r.parse_tree.len, reinterpret_cast<const uint8_t*>(r.parse_tree.data));
        pg_query__parse_result__free_unpacked(tree, nullptr);
      }
      pg_query_free_protobuf_parse_result(r);
    }
  });
  double mb = static_cast<double>(bytes) / 1e6;
  auto row = [&](std::string_view what, double secs) {
    fmt::print("{:<36} {:8.1f} ms {:7.1f} MB/s  {:.2f} x the JSON output\n", what, secs * 1e3, mb / secs, secs / json_only);
  };
  fmt::print("{} statements, {:.2f} MB (process CPU time, best of 3)\n", statements.size(), mb);
  row("pg_query_parse (JSON text)", json_only);
  row("pg_query_parse + simdjson DOM", json_tree);
  row("pg_query_parse_protobuf", pb_only);
  row("pg_query_parse_protobuf + unpack", pb_tree);
  return 0;
}
