// Fuzzes the XML plan reader directly (no format detection in front of it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plan/internal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  pglens::plan::ReadResult result;
  pglens::plan::detail::read_xml(input, 1, result);
  for (auto& plan : result.plans) {
    pglens::plan::compute_metrics(plan);
    for (const auto& node : plan.nodes) {
      (void)node.label();
      for (int child : node.children)
        if (child <= 0 || child >= static_cast<int>(plan.nodes.size())) __builtin_trap();
    }
  }
  return 0;
}
