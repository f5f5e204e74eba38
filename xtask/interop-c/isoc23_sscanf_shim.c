/* The cryptex suite links Debian sid's static libsrtp2 2.8 (libsrtp2-dev), compiled
 * against glibc 2.38+, where sscanf is bound to __isoc23_sscanf. Debian 12's glibc 2.36
 * has no such symbol; libsrtp uses sscanf only to read its own version string, which
 * the C99 function reads the same way. Linked only with that library. */
#include <stdarg.h>
#include <stdio.h>

int __isoc23_sscanf(const char *s, const char *format, ...);

int __isoc23_sscanf(const char *s, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsscanf(s, format, ap);
    va_end(ap);
    return n;
}
