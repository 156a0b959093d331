/*
 * libFuzzer target for the parsers of swanctl's output (pwd/ipsec_parse.c):
 * ipsec_parse_sas(), ipsec_sa_keywords() and ipsec_explain() over any bytes, NULs and all.  The
 * text comes from another program and partly from the IKE peer (names,
 * identities), so beyond "no crash": every string the parsers fill is
 * terminated and within its field, and the result does not depend on what
 * follows the given length.
 *
 * The first input byte picks the connection name the parser looks for, so
 * both "ours" and "someone else's" paths get exercised.  Seeds:
 * tests/fuzz/seeds/ipsec/ (recorded strongSwan 5.9.8 output).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void assert_terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"l2pw-pw0", "l2pw-pw1", "l2pw-x", ""};
	struct ipsec_sa_state st, again;
	char reason[160], esp[64], *copy;
	const char *name;

	if (size == 0)
		return 0;
	name = names[data[0] & 3];
	data++;
	size--;

	/* an exact-size heap copy, so reading past size is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	ipsec_parse_sas(copy, size, name, &st);
	assert_terminated(st.ike_state, sizeof(st.ike_state));
	assert_terminated(st.child_state, sizeof(st.child_state));
	assert_terminated(st.child_mode, sizeof(st.child_mode));
	assert_terminated(st.esp, sizeof(st.esp));
	assert_terminated(st.local, sizeof(st.local));
	assert_terminated(st.remote, sizeof(st.remote));
	if (st.ike == IPSEC_IKE_NONE && (st.child_installed || st.ike_state[0]))
		abort();
	if (st.child_installed && strcmp(st.child_state, "INSTALLED") != 0)
		abort();
	ipsec_sa_describe(&st, esp, sizeof(esp));
	assert_terminated(esp, sizeof(esp));
	/* the keywords of status "encoding": whole or nothing, in any room */
	ipsec_sa_keywords(&st, esp, sizeof(esp));
	assert_terminated(esp, sizeof(esp));
	ipsec_sa_keywords(&st, esp, 1 + (size & 15));
	assert_terminated(esp, 1 + (size & 15));

	/* a peer filter only ever narrows: never better than no filter */
	ipsec_parse_sas_from(copy, size, name, (size & 8) ? "198.18.0.2" : "2001:db8::2", &again);
	if (again.child_installed && !st.child_installed)
		abort();

	/* deterministic: the same bytes give the same state */
	ipsec_parse_sas(copy, size, name, &again);
	if (memcmp(&st, &again, sizeof(st)) != 0)
		abort();

	ipsec_explain(copy, size, size && copy[0] == 0x7f ? 127 : (int)(size & 3) - 1,
		      (int)(size & 4), 9, reason, sizeof(reason));
	assert_terminated(reason, sizeof(reason));
	if (!reason[0])
		abort(); /* there is always a reason */
	free(copy);
	return 0;
}
