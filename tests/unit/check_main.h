/*
 * The main() of the Check test programs in tests/unit: run one suite (in
 * Check's default fork mode), exit status 0 only when every test passed.
 */
#ifndef L2PW_TEST_CHECK_MAIN_H
#define L2PW_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Takes s (srunner_free frees it). */
static inline int check_main_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
