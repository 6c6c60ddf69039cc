#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "pglens/report.hpp"
#include "pglens/rule.hpp"

namespace pglens::cli {

void add_rules_commands(CLI::App& app, Runner& run) {
  auto* rules = app.add_subcommand("rules", "List every rule with its category and default severity");
  static std::string format = "text";
  static std::string write_docs;
  rules->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  rules->add_option("--write-docs", write_docs, "Write docs/rules/<id>.md for every rule into this directory");
  rules->footer("Examples:\n  pglens rules\n  pglens rules --format json\n  pglens rules --write-docs docs/rules");
  rules->callback([&run] {
    run = [] {
      if (!write_docs.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(write_docs, ec);
        for (const RuleInfo* r : all_rules()) {
          auto path = std::filesystem::path(write_docs) / fmt::format("{}.md", r->id);
          // Checked to the close: a full disk shows there, not at `<<`.
          if (auto err = replace_file(path, render_rule_docs(*r))) {
            fmt::print(stderr, "pglens: error: cannot write {}: {}\n", terminal_safe(path.string()), *err);
            return kExitError;
          }
        }
        return kExitOk;
      }
      if (format == "json") {
        nlohmann::ordered_json j = nlohmann::ordered_json::array();
        for (const RuleInfo* r : all_rules()) {
          nlohmann::ordered_json opts = nlohmann::ordered_json::object();
          for (const auto& o : r->options) opts[std::string(o.name)] = format_option_value(o.default_value);
          j.push_back({{"id", r->id},
                       {"target", to_string(r->targets)},
                       {"category", to_string(r->category)},
                       {"severity", to_string(r->default_severity)},
                       {"fix", r->has_fix},
                       {"summary", r->summary},
                       {"options", opts}});
        }
        fmt::print("{}\n", j.dump(2));
        return kExitOk;
      }
      fmt::print("{:<28} {:<8} {:<12} {:<8} {:<4} {}\n", "RULE", "TARGET", "CATEGORY", "SEVERITY", "FIX", "SUMMARY");
      for (const RuleInfo* r : all_rules())
        fmt::print("{:<28} {:<8} {:<12} {:<8} {:<4} {}\n", r->id, to_string(r->targets), to_string(r->category),
                   to_string(r->default_severity), r->has_fix ? "yes" : "", r->summary);
      return kExitOk;
    };
  });

  auto* rule = app.add_subcommand("rule", "Print the documentation of one rule");
  static std::string id;
  rule->add_option("ID", id, "Rule id, e.g. select-star")->required();
  rule->footer("Example:\n  pglens rule select-star");
  rule->callback([&run] {
    run = [] {
      if (const RuleInfo* r = find_rule(id)) {
        fmt::print("{}", render_rule_docs(*r));
        return kExitOk;
      }
      std::string close;
      for (const RuleInfo* r : all_rules())
        if (r->id.find(id) != std::string_view::npos || id.find(r->id) != std::string::npos)
          close += fmt::format(" {}", r->id);
      fmt::print(stderr, "pglens: error: no rule `{}`{}; `pglens rules` lists them all\n", id,
                 close.empty() ? "" : fmt::format(" (did you mean:{}?)", close));
      return kExitError;
    };
  });
}

void add_config_command(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("config", "Show the configuration pglens uses for a path");
  static bool show = false;
  static std::string path = ".";
  static std::string config_file;
  cmd->add_flag("--show", show, "Print the effective configuration (every rule, severity and option) as TOML");
  cmd->add_option("PATH", path, "File or directory whose configuration to show (default: .)");
  cmd->add_option("--config", config_file, "Use this config file instead of the nearest .pglens.toml");
  cmd->footer("Examples:\n  pglens config --show\n  pglens config --show migrations/001.sql");
  cmd->callback([&run] {
    run = [] {
      if (!show) {
        fmt::print(stderr, "pglens: error: nothing to do; try `pglens config --show`\n");
        return kExitError;
      }
      Config config;
      if (!resolve_config(config_file, path, config)) return kExitError;
      fmt::print("{}", render_config(config));
      return kExitOk;
    };
  });
}

}  // namespace pglens::cli
