/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * criterion.h - the part of Criterion's API that tests/test_*.c use, for
 * hosts Debian builds no Criterion for (s390x, ppc64el: Criterion's
 * boxfort has trampolines for x86 and Arm only).  tests/cross/run builds
 * the unit tests against this header and runner.c; the native build
 * always uses the real Criterion.
 *
 * Same semantics where the tests depend on them: each test runs in its
 * own child process (suite .init, test .init, the test, test .fini, suite
 * .fini), cr_assert_* ends the test, cr_expect_* records and goes on, a
 * signal counts as a crash, .timeout kills the test; the closing line is
 * Criterion's "Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N"
 * so the CI summary counts these runs like the native ones.
 */
#ifndef QLD_CRITERION_SHIM_H
#define QLD_CRITERION_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct cr_shim_test {
	const char *suite, *name;
	void (*fn)(void);
	void (*init)(void);
	void (*fini)(void);
	double timeout;		/* seconds; 0: the runner's default */
	bool disabled;
	struct cr_shim_test *next;
};

struct cr_shim_suite {
	const char *name;
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
	struct cr_shim_suite *next;
};

void cr_shim_register_test(struct cr_shim_test *t);
void cr_shim_register_suite(struct cr_shim_suite *s);

/* fatal: end the test (cr_assert); otherwise go on (cr_expect). */
void cr_shim_failed(bool fatal, const char *file, int line, const char *expr,
		    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void cr_shim_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void cr_shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* (Macro parameters must not be named like the members they fill.) */
#define CR_SHIM_ID(s_, n_, what) cr_shim_##s_##_##n_##_##what

#define Test(s_, n_, ...)						\
	static void CR_SHIM_ID(s_, n_, fn)(void);			\
	static struct cr_shim_test CR_SHIM_ID(s_, n_, desc) = {		\
		.suite = #s_, .name = #n_,				\
		.fn = CR_SHIM_ID(s_, n_, fn), ##__VA_ARGS__ };		\
	__attribute__((constructor))					\
	static void CR_SHIM_ID(s_, n_, reg)(void)			\
	{ cr_shim_register_test(&CR_SHIM_ID(s_, n_, desc)); }		\
	static void CR_SHIM_ID(s_, n_, fn)(void)

#define TestSuite(s_, ...)						\
	static struct cr_shim_suite CR_SHIM_ID(s_, , suite) = {		\
		.name = #s_, ##__VA_ARGS__ };				\
	__attribute__((constructor))					\
	static void CR_SHIM_ID(s_, , reg)(void)				\
	{ cr_shim_register_suite(&CR_SHIM_ID(s_, , suite)); }

/*
 * The optional message is a printf format and its arguments; " " in front
 * keeps an absent one a (non-empty) literal.
 */
#define cr_shim_check(fatal, cond, expr, ...)				\
	do {								\
		if (!(cond))						\
			cr_shim_failed(fatal, __FILE__, __LINE__, expr,	\
				       " " __VA_ARGS__);		\
	} while (0)

#define cr_assert(e, ...) cr_shim_check(true, (e), #e, __VA_ARGS__)
#define cr_expect(e, ...) cr_shim_check(false, (e), #e, __VA_ARGS__)
#define cr_assert_not(e, ...) cr_shim_check(true, !(e), "!(" #e ")", __VA_ARGS__)
#define cr_expect_not(e, ...) cr_shim_check(false, !(e), "!(" #e ")", __VA_ARGS__)

#define cr_shim_op(fatal, op, a, b, ...)				\
	cr_shim_check(fatal, ((a) op (b)), "(" #a ") " #op " (" #b ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_shim_op(true, ==, a, b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) cr_shim_op(false, ==, a, b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_shim_op(true, !=, a, b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) cr_shim_op(false, !=, a, b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_shim_op(true, <, a, b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) cr_shim_op(false, <, a, b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_shim_op(true, <=, a, b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) cr_shim_op(false, <=, a, b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_shim_op(true, >, a, b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) cr_shim_op(false, >, a, b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_shim_op(true, >=, a, b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) cr_shim_op(false, >=, a, b, __VA_ARGS__)

#define cr_assert_null(p, ...) cr_shim_check(true, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) cr_shim_check(false, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_shim_check(true, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) cr_shim_check(false, (p) != NULL, #p " != NULL", __VA_ARGS__)

#define cr_assert_str_eq(a, b, ...)					\
	cr_shim_check(true, !strcmp((a), (b)), "strcmp(" #a ", " #b ") == 0", __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...)					\
	cr_shim_check(false, !strcmp((a), (b)), "strcmp(" #a ", " #b ") == 0", __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...)					\
	cr_shim_check(true, !memcmp((a), (b), (n)), "memcmp(" #a ", " #b ", " #n ") == 0", __VA_ARGS__)
#define cr_expect_arr_eq(a, b, n, ...)					\
	cr_shim_check(false, !memcmp((a), (b), (n)), "memcmp(" #a ", " #b ", " #n ") == 0", __VA_ARGS__)

#define cr_assert_fail(...) cr_shim_failed(true, __FILE__, __LINE__, "cr_assert_fail", " " __VA_ARGS__)
#define cr_expect_fail(...) cr_shim_failed(false, __FILE__, __LINE__, "cr_expect_fail", " " __VA_ARGS__)
#define cr_skip_test(...) cr_shim_skip(" " __VA_ARGS__)
#define cr_log_info(...) cr_shim_log(__VA_ARGS__)

#endif /* QLD_CRITERION_SHIM_H */
