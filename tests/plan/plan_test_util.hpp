// Helpers shared by the plan tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "pglens/plan.hpp"
#include "support/fixtures.hpp"

namespace pglens::test {

// Reads `input` and asserts exactly one plan came out, without errors.
inline plan::Plan read_one(std::string_view input) {
  auto result = plan::read_plans(input);
  std::string errors;
  for (const auto& e : result.errors) errors += "line " + std::to_string(e.line) + ": " + e.message + "\n";
  EXPECT_TRUE(result.errors.empty()) << errors;
  EXPECT_EQ(result.plans.size(), 1u) << errors;
  if (result.plans.empty()) return {};
  return std::move(result.plans.front());
}

// The first node whose node_type (or name()) matches, or nullptr.
inline const plan::Node* find_node(const plan::Plan& p, std::string_view type) {
  for (const auto& n : p.nodes)
    if (n.node_type == type || n.name() == type) return &n;
  return nullptr;
}

}  // namespace pglens::test
