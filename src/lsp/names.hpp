// The (possibly schema-qualified) SQL name under the cursor, for hover.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pglens/source.hpp"

namespace pglens::lsp {

struct QualifiedName {
  std::string schema;  // empty when unqualified
  std::string name;
  Span span;  // the whole `schema.name` as written
};

// The identifier chain around `offset` (`orders`, `public.orders`, `"Order Items"`), with
// unquoted parts folded to lower case as PostgreSQL does; nullopt when the cursor is not on
// a name, or the name has more than two parts.
std::optional<QualifiedName> name_at(std::string_view text, uint32_t offset);

}  // namespace pglens::lsp
