// The counting operator new of alloc_count.hpp: malloc underneath, and a count on the calling
// thread while count_allocations runs. Not built into a sanitizer build (ASan's own operator
// new checks new/delete pairing there).
#include "tests/catalog/alloc_count.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define PGLENS_ALLOC_COUNT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PGLENS_ALLOC_COUNT 0
#endif
#endif
#ifndef PGLENS_ALLOC_COUNT
#define PGLENS_ALLOC_COUNT 1
#endif

namespace pglens::test {
namespace {
thread_local AllocCount* counting = nullptr;
thread_local int64_t live = 0;
}  // namespace

bool alloc_counting_available() { return PGLENS_ALLOC_COUNT != 0; }

AllocCount count_allocations(const std::function<void()>& work) {
  AllocCount count;
  live = 0;
  counting = &count;
  work();
  counting = nullptr;
  return count;
}

#if PGLENS_ALLOC_COUNT
namespace {
void note_new(void* p, std::size_t n) {
  if (AllocCount* c = counting) {
    ++c->allocations;
    c->bytes += n;
    live += static_cast<int64_t>(malloc_usable_size(p));
    c->peak_live = std::max(c->peak_live, static_cast<uint64_t>(std::max<int64_t>(live, 0)));
  }
}
void note_delete(void* p) {
  if (counting && p) live -= static_cast<int64_t>(malloc_usable_size(p));
}
}  // namespace
#endif

}  // namespace pglens::test

#if PGLENS_ALLOC_COUNT
// operator new[] and the sized and array deletes of libstdc++ come here.
void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  pglens::test::note_new(p, n);
  return p;
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n ? n : 1);
  if (p) pglens::test::note_new(p, n);
  return p;
}
void operator delete(void* p) noexcept {
  pglens::test::note_delete(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
#endif
