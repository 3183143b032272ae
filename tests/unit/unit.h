/* A small unit-test harness: TEST(group, name) { CHECK(...); }.
 * Each test runs in its own child process, so a crash fails only that test
 * and globals (the virtual clock, registries) start fresh.  Output lines are
 * "PASS: group.name", "FAIL: group.name: why", "SKIP: group.name: why". */
#ifndef KEMU_UNIT_H
#define KEMU_UNIT_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*UnitFn)(void);
void unit_register(const char *group, const char *name, UnitFn fn);
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void unit_skip(const char *why) __attribute__((noreturn));
void unit_abort(const char *file, int line, const char *why) __attribute__((noreturn));
extern int unit_failures;

#define TEST(group, name) \
    static void test_##group##_##name(void); \
    static void __attribute__((constructor)) reg_##group##_##name(void) \
    { unit_register(#group, #name, test_##group##_##name); } \
    static void test_##group##_##name(void)

#define CHECK(cond) do { if (!(cond)) \
    unit_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); } while (0)
#define CHECK_EQ(a, b) do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
    if (a_ != b_) unit_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
                            #a, #b, a_, b_); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_)) unit_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
                            #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
/* SKIP is for what the host lacks (no VT-x, an x86 feature, no pty);
 * what `make check` itself installs or builds and is missing is a failure:
 * REQUIRE ends the test with one. */
#define SKIP(why) unit_skip(why)
#define REQUIRE(cond, why) do { if (!(cond)) unit_abort(__FILE__, __LINE__, why); } while (0)

#endif
