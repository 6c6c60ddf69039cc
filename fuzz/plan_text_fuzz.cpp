// Fuzzes the whole plan pipeline as `pglens explain` runs it on a paste: paste-damage undo,
// format detection, the TEXT reader (and whichever structured reader the input looks like),
// metrics, and every display helper.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pglens/plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = pglens::plan::read_plans(input);
  for (const auto& plan : result.plans) {
    for (const auto& node : plan.nodes) {
      (void)node.label();
      if (node.span.end < node.span.begin || node.span.end > size) __builtin_trap();
      if (node.parent >= static_cast<int>(plan.nodes.size())) __builtin_trap();
    }
    if (plan.nodes.size() < 2000) (void)pglens::plan::describe(plan);
  }
  return 0;
}
