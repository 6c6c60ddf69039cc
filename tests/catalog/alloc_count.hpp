// Counts the C++ allocations of a piece of work, for tests that a cost grows linearly with
// its input without timing anything: the number of allocations, the bytes asked for and the
// peak of the bytes held at once are counts, the same on every machine and load.
#pragma once

#include <cstdint>
#include <functional>

namespace pglens::test {

struct AllocCount {
  uint64_t allocations = 0;
  uint64_t bytes = 0;      // asked for, in all
  uint64_t peak_live = 0;  // held at once, above what was held when the work began
};

// False in a sanitizer build, whose allocator the counting operator new would replace.
bool alloc_counting_available();

// What `work` allocates through operator new on the calling thread.
AllocCount count_allocations(const std::function<void()>& work);

// How a count grows from size n to 2n, against n to 4n: (c(4n) - c(2n)) / (c(2n) - c(n)).
// Constant costs cancel; a linear cost gives 2, a quadratic one 4.
inline double growth(uint64_t at_n, uint64_t at_2n, uint64_t at_4n) {
  // A cost that does not grow from n to 2n is linear (or better) if it stays within a few
  // percent at 4n: fixed costs (a reader's buffers) are not a sign of super-linear growth.
  if (at_2n <= at_n) return static_cast<double>(at_4n) <= 1.1 * static_cast<double>(at_2n) + 16 ? 1.0 : 1e9;
  return static_cast<double>(at_4n > at_2n ? at_4n - at_2n : 0) / static_cast<double>(at_2n - at_n);
}

}  // namespace pglens::test
