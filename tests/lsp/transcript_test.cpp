// LSP transcripts: testdata/lsp/<name>.jsonl is replayed through the in-memory transport,
// step by step, and what the server wrote after each step is compared with
// testdata/lsp/<name>.expected (UPDATE_GOLDEN=1 rewrites it).
//
// A transcript line is a JSON-RPC message, or one of:
//   {"$raw": "bytes"}                      fed unframed (broken headers, bad JSON)
//   {"$batch": [message, ...]}             fed together, then processed (cancellation)
//   {"$file": {"path": p, "text": t}}      writes a file in the workspace
//   {"$close": true}                       the client closes the stream
//   {"$poll": true}                        the server looks at the config and schema files
// `${root}` stands for the workspace directory. Lines starting with # are comments.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lsp/connection.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  if (from.empty()) return s;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string describe(const json& m) {
  if (!m.is_object()) return "non-object";
  std::string out = m.contains("method") ? m["method"].dump() : "(no method)";
  if (m.contains("method") && m["method"].is_string()) out = m["method"].get<std::string>();
  if (m.contains("id")) out += " #" + m["id"].dump();
  return out;
}

std::string run_transcript(const fs::path& file, const fs::path& root) {
  MemoryTransport transport;
  Connection connection(transport, {.debounce = std::chrono::milliseconds(20)});
  std::string log;
  auto collect = [&] {
    connection.process_available();
    connection.wait_idle();
    for (const std::string& body : transport.take_output()) {
      json m = json::parse(body);
      std::string line = m.dump(-1, ' ', false);
      line = replace_all(line, root.string(), "${root}");
      line = replace_all(line, "\"" PGLENS_VERSION "\"", "\"${version}\"");
      log += "<<< " + line + "\n";
    }
  };
  std::istringstream in(test::read_file(file));
  std::string line;
  bool closed = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    json step = json::parse(replace_all(line, "${root}", root.string()));
    if (step.contains("$file")) {
      test::write_file(root / step["$file"]["path"].get<std::string>(), step["$file"]["text"].get<std::string>());
      log += ">>> file " + step["$file"]["path"].get<std::string>() + "\n";
      continue;
    }
    if (step.contains("$raw")) {
      transport.feed(step["$raw"].get<std::string>());
      log += ">>> raw bytes\n";
    } else if (step.contains("$batch")) {
      std::string names;
      for (const json& m : step["$batch"]) {
        transport.feed_message(m.dump());
        names += (names.empty() ? "" : ", ") + describe(m);
      }
      log += ">>> batch: " + names + "\n";
    } else if (step.contains("$poll")) {
      connection.check_files();
      log += ">>> poll files\n";
    } else if (step.contains("$close")) {
      transport.close_input();
      closed = true;
      log += ">>> close\n";
    } else {
      transport.feed_message(step.dump());
      log += ">>> " + describe(step) + "\n";
    }
    collect();
  }
  if (!closed) {
    transport.close_input();
    collect();
  }
  log += "exit code " + std::to_string(connection.exit_code()) + "\n";
  return log;
}

std::vector<std::string> transcripts() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::testdata("lsp")))
    if (entry.path().extension() == ".jsonl") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class LspTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(LspTranscript, MatchesGolden) {
  test::TempDir workspace;
  fs::path base = test::testdata("lsp") / GetParam();
  std::string actual = run_transcript(fs::path(base).concat(".jsonl"), fs::canonical(workspace.path()));
  test::expect_golden(fs::path(base).concat(".expected"), actual);
}

INSTANTIATE_TEST_SUITE_P(Lsp, LspTranscript, ::testing::ValuesIn(transcripts()), [](const auto& param_info) {
  std::string name = param_info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

}  // namespace
}  // namespace pglens::lsp
