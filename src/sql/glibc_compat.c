/* Two functions of glibc 2.38 that Debian unstable's libpg_query.a calls (it was built
 * against that glibc), for an older glibc such as Debian bookworm's 2.36. Nothing else of
 * pglens uses them. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__) && !__GLIBC_PREREQ(2, 38)

/* BSD's strlcpy: copies at most size - 1 bytes, always terminates, returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size) {
  size_t len = strlen(src);
  if (size > 0) {
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
  }
  return len;
}

/* C23's strtoul, which differs from the older one only in reading a 0b prefix in base 0 or 2.
 * PostgreSQL's scanner (its only caller in libpg_query) reads the escapes of E'' strings with
 * it, in base 16 and 8, where the two agree. */
unsigned long __isoc23_strtoul(const char *nptr, char **endptr, int base);
unsigned long __isoc23_strtoul(const char *nptr, char **endptr, int base) { return strtoul(nptr, endptr, base); }

#endif
