/* forge-node-version.c
 *
 * npm's semver ranges, as far as engines.node uses them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-frameworks"

#include "config.h"

#include <string.h>

#include "forge-node-version.h"

typedef enum { OP_GE, OP_GT, OP_LT, OP_LE } Op;

typedef struct
{
  Op    op;
  guint v[3];
} Comparator;

/* A partial version: "18", "18.2", "18.2.3", "18.x", "*", "v18",
 * "18.2.3-beta.1". @n_parts: how many numbers were given (0 for "*"). */
static gboolean
parse_partial (const char *text,
               guint       v[3],
               guint      *n_parts)
{
  const char *p = text;

  v[0] = v[1] = v[2] = 0;
  *n_parts = 0;

  if (*p == 'v' || *p == 'V' || *p == '=')
    p++;
  if (*p == '\0')
    return FALSE;

  while (*n_parts < 3)
    {
      guint64 number;
      char *end;

      if (*p == 'x' || *p == 'X' || *p == '*')
        {
          p++;
          /* Everything after a wildcard is one too. */
          while (*p == '.' || *p == 'x' || *p == 'X' || *p == '*')
            p++;
          break;
        }
      if (!g_ascii_isdigit (*p))
        return FALSE;
      number = g_ascii_strtoull (p, &end, 10);
      if (number > G_MAXUINT16 * 16)
        return FALSE;
      v[(*n_parts)++] = (guint) number;
      p = end;
      if (*p != '.')
        break;
      p++;
    }

  /* A pre-release or build tag: compared as the release. */
  if (*p == '-' || *p == '+')
    return TRUE;
  return *p == '\0';
}

static int
compare (const guint a[3],
         const guint b[3])
{
  for (guint i = 0; i < 3; i++)
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  return 0;
}

static void
add (GArray *set,
     Op      op,
     guint   v0,
     guint   v1,
     guint   v2)
{
  Comparator comparator = { op, { v0, v1, v2 } };

  g_array_append_val (set, comparator);
}

/* The upper bound past a partial version: "18" → 19.0.0, "18.2" → 18.3.0. */
static void
add_below_next (GArray      *set,
                const guint  v[3],
                guint        n_parts)
{
  if (n_parts == 1)
    add (set, OP_LT, v[0] + 1, 0, 0);
  else if (n_parts == 2)
    add (set, OP_LT, v[0], v[1] + 1, 0);
}

static gboolean
desugar (const char *token,
         GArray     *set)
{
  guint v[3];
  guint n;

  if (g_str_has_prefix (token, "^"))
    {
      if (!parse_partial (token + 1, v, &n))
        return FALSE;
      if (n == 0)
        return TRUE;
      add (set, OP_GE, v[0], v[1], v[2]);
      if (v[0] > 0 || n == 1)
        add (set, OP_LT, v[0] + 1, 0, 0);
      else if (v[1] > 0 || n == 2)
        add (set, OP_LT, 0, v[1] + 1, 0);
      else
        add (set, OP_LT, 0, 0, v[2] + 1);
      return TRUE;
    }

  if (g_str_has_prefix (token, "~"))
    {
      const char *rest = token + 1;

      if (*rest == '>')
        rest++;
      if (!parse_partial (rest, v, &n))
        return FALSE;
      if (n == 0)
        return TRUE;
      add (set, OP_GE, v[0], v[1], v[2]);
      if (n == 1)
        add (set, OP_LT, v[0] + 1, 0, 0);
      else
        add (set, OP_LT, v[0], v[1] + 1, 0);
      return TRUE;
    }

  if (g_str_has_prefix (token, ">="))
    {
      if (!parse_partial (token + 2, v, &n))
        return FALSE;
      if (n > 0)
        add (set, OP_GE, v[0], v[1], v[2]);
      return TRUE;
    }

  if (g_str_has_prefix (token, "<="))
    {
      if (!parse_partial (token + 2, v, &n))
        return FALSE;
      if (n == 3)
        add (set, OP_LE, v[0], v[1], v[2]);
      else if (n > 0)
        add_below_next (set, v, n);
      return TRUE;
    }

  if (g_str_has_prefix (token, ">"))
    {
      if (!parse_partial (token + 1, v, &n))
        return FALSE;
      if (n == 3)
        add (set, OP_GT, v[0], v[1], v[2]);
      else if (n == 2)
        add (set, OP_GE, v[0], v[1] + 1, 0);
      else if (n == 1)
        add (set, OP_GE, v[0] + 1, 0, 0);
      else
        add (set, OP_LT, 0, 0, 0);   /* ">*": nothing */
      return TRUE;
    }

  if (g_str_has_prefix (token, "<"))
    {
      if (!parse_partial (token + 1, v, &n))
        return FALSE;
      add (set, OP_LT, v[0], v[1], v[2]);
      return TRUE;
    }

  /* A plain or "=" partial version. */
  if (!parse_partial (token, v, &n))
    return FALSE;
  if (n == 3)
    {
      add (set, OP_GE, v[0], v[1], v[2]);
      add (set, OP_LE, v[0], v[1], v[2]);
    }
  else if (n > 0)
    {
      add (set, OP_GE, v[0], v[1], 0);
      add_below_next (set, v, n);
    }
  return TRUE;
}

static gboolean
set_matches (GArray      *set,
             const guint  version[3])
{
  for (guint i = 0; i < set->len; i++)
    {
      Comparator *c = &g_array_index (set, Comparator, i);
      int cmp = compare (version, c->v);

      if ((c->op == OP_GE && cmp < 0) || (c->op == OP_GT && cmp <= 0) ||
          (c->op == OP_LT && cmp >= 0) || (c->op == OP_LE && cmp > 0))
        return FALSE;
    }
  return TRUE;
}

/* One range of a "||" list: comparators separated by spaces ("an
 * operator may stand apart from its version: ">= 18"), or "A - B". */
static gboolean
parse_set (const char *text,
           GArray     *set)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t", -1);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *pending = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = words[i];

      if (*word == '\0')
        continue;
      if (pending != NULL)
        {
          g_ptr_array_add (tokens, g_strconcat (pending, word, NULL));
          g_clear_pointer (&pending, g_free);
        }
      else if (strspn (word, "<>=~^") == strlen (word))
        pending = g_strdup (word);
      else
        g_ptr_array_add (tokens, g_strdup (word));
    }
  if (pending != NULL)
    return FALSE;

  /* "14 - 18": at least 14.0.0, at most any 18. */
  if (tokens->len == 3 && g_str_equal (g_ptr_array_index (tokens, 1), "-"))
    {
      guint v[3];
      guint n;

      if (!parse_partial (g_ptr_array_index (tokens, 0), v, &n))
        return FALSE;
      if (n > 0)
        add (set, OP_GE, v[0], v[1], v[2]);
      if (!parse_partial (g_ptr_array_index (tokens, 2), v, &n))
        return FALSE;
      if (n == 3)
        add (set, OP_LE, v[0], v[1], v[2]);
      else if (n > 0)
        add_below_next (set, v, n);
      return TRUE;
    }

  for (guint i = 0; i < tokens->len; i++)
    if (!desugar (g_ptr_array_index (tokens, i), set))
      return FALSE;

  return TRUE;
}

gboolean
forge_node_version_parse (const char *text,
                          guint      *major,
                          guint      *minor,
                          guint      *patch)
{
  g_autofree char *trimmed = NULL;
  guint v[3];
  guint n;

  if (text == NULL)
    return FALSE;

  trimmed = g_strstrip (g_strdup (text));
  if (!parse_partial (trimmed, v, &n) || n == 0 || g_str_has_prefix (trimmed, "="))
    return FALSE;

  if (major != NULL)
    *major = v[0];
  if (minor != NULL)
    *minor = v[1];
  if (patch != NULL)
    *patch = v[2];
  return TRUE;
}

ForgeNodeRangeResult
forge_node_range_check (const char *range,
                        const char *version)
{
  g_auto(GStrv) alternatives = NULL;
  guint v[3];
  gboolean satisfied = FALSE;

  if (range == NULL || version == NULL ||
      !forge_node_version_parse (version, &v[0], &v[1], &v[2]) ||
      strlen (range) > 256)
    return FORGE_NODE_RANGE_UNKNOWN;

  /* "" is "*" to npm (and g_strsplit() gives no alternative for it). */
  alternatives = g_strsplit (range, "||", -1);
  if (alternatives[0] == NULL)
    return FORGE_NODE_RANGE_SATISFIED;
  for (guint i = 0; alternatives[i] != NULL; i++)
    {
      g_autoptr(GArray) set = g_array_new (FALSE, FALSE, sizeof (Comparator));
      g_autofree char *text = g_strstrip (g_strdup (alternatives[i]));

      /* Every alternative is parsed: one that is not understood makes
       * the answer unknown, not "no". */
      if (!parse_set (text, set))
        return FORGE_NODE_RANGE_UNKNOWN;
      if (set_matches (set, v))
        satisfied = TRUE;
    }

  return satisfied ? FORGE_NODE_RANGE_SATISFIED : FORGE_NODE_RANGE_UNSATISFIED;
}

char *
forge_node_version_file_range (const char *contents)
{
  g_autofree char *first = NULL;
  const char *newline;
  guint major;

  if (contents == NULL)
    return NULL;

  newline = strchr (contents, '\n');
  first = g_strstrip (newline != NULL ? g_strndup (contents, newline - contents) : g_strdup (contents));

  /* An alias (lts/hydrogen, node, stable): nvm's to resolve. */
  if (!forge_node_version_parse (first, &major, NULL, NULL))
    return NULL;

  return g_strdup_printf ("%u", major);
}

char *
forge_node_range_describe (const char *range)
{
  const char *start;
  gsize length;

  if (range == NULL)
    return NULL;

  for (start = range; *start != '\0' && !g_ascii_isdigit (*start); start++)
    ;
  if (*start == '\0')
    return NULL;

  length = strspn (start, "0123456789.");
  /* "18.x" and "18." name 18. */
  while (length > 0 && start[length - 1] == '.')
    length--;

  return g_strndup (start, length);
}
