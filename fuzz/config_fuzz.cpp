// Fuzzes the .pglens.toml reader: any bytes give a Config or a ConfigError with a position,
// never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pglens/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pglens::Config config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto error = pglens::parse_config(text, "fuzz/.pglens.toml", config);
  if (error && error->message.empty()) __builtin_trap();  // an error always says what is wrong
  return 0;
}
