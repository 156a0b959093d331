/*
 * Comments are blanked out before libconfuse sees the text.  libconfuse
 * 3.3's lexer counts the newline that ends a one-line comment three times
 * (so every message after a comment names the wrong line) and refuses a
 * comment inside a list (upstream issue #150).  Replacing each comment byte
 * by a space, newlines kept, leaves every other token where it was.
 *
 * The scan follows libconfuse's lexer: "..." strings with backslash escapes
 * and ${VAR} (which may hold a '"'), '...' strings with backslash escapes,
 * ${VAR} at the start of a bare word, and bare words, inside which neither
 * '//' nor slash-star starts a comment.  One difference, on purpose: libconfuse
 * 3.3 reads "//word" at the start of a token as a bare word (upstream issue
 * #120); here it is a comment, as users mean it.
 */
#include <string.h>

#include "cfg_int.h"

/*
 * Bytes that end a bare word (libconfuse's unquoted-string rule).  A '*' is
 * never part of one, so a slash-star right after a star opens a comment.
 */
#define WORD_END " \t\r\n#\"'={}()+,*"

/* ${...} as libconfuse's lexer takes it: to the next '}', newlines included. */
static size_t env_len(const char *s)
{
	const char *close;

	if (s[0] != '$' || s[1] != '{')
		return 0;
	close = strchr(s + 2, '}');
	return close ? (size_t)(close - s) + 1 : 0;
}

/*
 * Length of the "..." or '...' string at s, quotes included; to the end of
 * the text, with *open set, when it is never closed.
 */
static size_t string_len(const char *s, int *open)
{
	char quote = s[0];
	size_t i = 1;

	while (s[i] && s[i] != quote) {
		size_t env = quote == '"' ? env_len(s + i) : 0;

		if (env)
			i += env;
		else if (s[i] == '\\' && s[i + 1])
			i += 2;
		else
			i++;
	}
	*open = !s[i];
	return s[i] ? i + 1 : i;
}

/* Blanks n bytes at s, newlines kept so lines keep their numbers. */
static void blank(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\n')
			s[i] = ' ';
}

/* Length of the comment at s, 0 if none starts there; *open if never closed. */
static size_t comment_len(const char *s, int *open)
{
	const char *end;

	*open = 0;
	if (s[0] == '#' || (s[0] == '/' && s[1] == '/'))
		return strcspn(s, "\n");
	if (s[0] != '/' || s[1] != '*')
		return 0;
	end = strstr(s + 2, "*/");
	*open = !end;
	return end ? (size_t)(end - s) + 2 : strlen(s);
}

/*
 * libconfuse 3.3 also takes the end of the file as the end of an open
 * section, string or comment: the rest of the file is silently lost, its
 * lexer stays inside the string or comment for the next parse, and flex's
 * default rule echoes a last '\\' to stdout.  All three are found here.
 */
int cfg_comments_blank(char *text, const char **what)
{
	int line = 1, depth = 0, open_line = 0, open;
	char *s = text;

	while (*s) {
		size_t n = comment_len(s, &open);

		if (*s == '{' && depth++ == 0)
			open_line = line;
		else if (*s == '}' && depth > 0)
			depth--;
		if (n) {
			blank(s, n);
			*what = "this comment is never closed";
		} else if (*s == '"' || *s == '\'') {
			n = string_len(s, &open);
			*what = "this string is never closed";
		} else if ((n = env_len(s)) == 0) {
			/* A bare word, or one byte that ends words. */
			n = strcspn(s, WORD_END);
			if (n == 0)
				n = 1;
		}
		if (open)
			return line;
		for (; n; n--, s++)
			line += *s == '\n';
	}
	*what = depth ? "this '{' is never closed" : NULL;
	return depth ? open_line : 0;
}
