/*
 * `l2pwd -n`: the normalized config.  Every key of every section with its
 * effective value (derived defaults written out), in the schema's order,
 * in libconfuse syntax that cfg_load() reads back to the same struct.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

static void print_section(FILE *out, const struct cfg_section *kind, const char *title,
			  const void *base)
{
	char *e = title ? cfg_escaped(title) : NULL;

	if (e)
		fprintf(out, "\n%s \"%s\" {\n", kind->name, e);
	else
		fprintf(out, "\n%s {\n", kind->name);
	free(e);
	cfg_fields_print(kind, base, out, "\t");
	fputs("}\n", out);
}

/*
 * A built-in profile the file leaves alone is shown as a comment: printing
 * it as a section would turn it into an override.
 */
static void print_builtin(FILE *out, const struct cfg_ppp_profile *pr)
{
	fprintf(out,
		"\n# built in: ppp-profile \"%s\" { bridge = \"%s\" use-encryption = \"%s\" }\n",
		pr->title, pr->bridge, cfg_encryption_name(pr->use_encryption));
}

void cfg_write(const struct cfg *c, FILE *out)
{
	char *file = cfg_escaped(c->file ? c->file : "");

	/* Escaped: a newline in the file name must not end the comment. */
	fprintf(out, "# \"%s\", normalized by l2pwd -n\n", file ? file : "");
	free(file);
	cfg_fields_print(&cfg_sec_root, c, out, "");
	for (size_t i = 0; i < c->n_profile; i++) {
		if (c->profile[i].builtin)
			print_builtin(out, &c->profile[i]);
		else
			print_section(out, &cfg_sec_profile, c->profile[i].title, &c->profile[i]);
	}
	for (size_t i = 0; i < c->n_pw; i++)
		print_section(out, &cfg_sec_pw, c->pw[i].title, &c->pw[i]);
	print_section(out, &cfg_sec_server, NULL, &c->server);
	for (size_t i = 0; i < c->n_client; i++)
		print_section(out, &cfg_sec_client, c->client[i].title, &c->client[i]);
	for (size_t i = 0; i < c->n_secret; i++)
		print_section(out, &cfg_sec_secret, c->secret[i].title, &c->secret[i]);
}
