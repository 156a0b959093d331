/*
 * libFuzzer target for the config parser: cfg_load_string() over any bytes,
 * the real libconfuse and the real checks.  Beyond "no crash, no leak", it
 * checks the promise of cfg_write(): whatever loads prints to a config that
 * loads again and prints the same bytes.
 *
 * The schema has no `include`, so no input can make the parser open a
 * file; ${VAR} only reads the environment.  Seeds: tests/cfg/good and
 * tests/cfg/bad, e.g.
 *   build-fuzz/fuzz_cfg -max_total_time=60 CORPUS tests/cfg/good tests/cfg/bad
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_cfg(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	cfg_write(c, m);
	fclose(m);
	return buf;
}

static void check_roundtrip(const struct cfg *c)
{
	char err[512], *first = print_cfg(c), *second;
	struct cfg *again = cfg_load_string("printed.conf", first, err, sizeof(err));

	if (!again) {
		fprintf(stderr, "printed config does not load: %s\n%s", err, first);
		abort();
	}
	second = print_cfg(again);
	/* The first lines name the file each came from. */
	if (strcmp(strchr(first, '\n'), strchr(second, '\n')) != 0) {
		fprintf(stderr, "printed twice, differs:\n%s\n----\n%s", first, second);
		abort();
	}
	free(first);
	free(second);
	cfg_unload(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text;
	struct cfg *c;

	/* Longer inputs add nothing the parser has not seen, only time. */
	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	c = cfg_load_string("fuzz.conf", text, err, sizeof(err));
	if (c) {
		check_roundtrip(c);
		cfg_unload(c);
	} else if (strncmp(err, "fuzz.conf:", 10) != 0) {
		fprintf(stderr, "error without FILE:LINE: %s\n", err);
		abort();
	}
	free(text);
	return 0;
}
