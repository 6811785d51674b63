/* forge-progress-line.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-progress-line.h"
#include "forge-util.h"

typedef enum
{
  RULE_KIND,        /* the line as it is, of the rule's kind */
  RULE_STAGE,       /* "[2/4] Fetching packages..." */
  RULE_PERCENT,     /* webpack's ProgressPlugin: "[webpack.Progress] 45% building" */
  RULE_YARN_BERRY,  /* "YN0000: ┌ Resolution step" */
  RULE_NPM_FETCH,   /* "npm http fetch GET 200 https://registry.npmjs.org/x 12ms" */
  RULE_SECOND,      /* the second group, of the rule's kind */
} RuleAction;

typedef struct
{
  const char            *pattern;
  ForgeProgressLineKind  kind;
  RuleAction             action;
  gboolean               before_decorations;  /* matched before bullets are dropped */
} Rule;

/* First match wins. Caseless. */
static const Rule rules[] = {
  /* What an install lists once it is done: "+ express 4.19.2". */
  { "^\\+ \\S", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, TRUE },
  /* Next.js's warnings. */
  { "^⚠", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, TRUE },
  { "^npm http fetch \\S+ \\d+ (\\S+)", FORGE_PROGRESS_LINE_TEXT, RULE_NPM_FETCH, TRUE },
  /* "npm warn deprecated …" floods; "npm error" is not here: it matters. */
  { "^npm (warn|notice|info|verbose|verb|timing|silly|sill|http)\\b", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, TRUE },

  { "^\\[(\\d+)/(\\d+)\\]\\s*(.*)$", FORGE_PROGRESS_LINE_STATUS, RULE_STAGE, FALSE },
  { "^(?:<\\w>\\s*)?\\[webpack\\.Progress\\]\\s*(\\d{1,3})%\\s*(.*)$", FORGE_PROGRESS_LINE_STATUS, RULE_PERCENT, FALSE },
  { "^YN(\\d{4}):\\s*(.*)$", FORGE_PROGRESS_LINE_TEXT, RULE_YARN_BERRY, FALSE },

  /* Funding and audit notices, warnings, hints and lists. */
  { "^(warning|warn|info|note that|to create a production build)\\b", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, FALSE },
  { "looking for funding|^run .npm fund|vulnerabilit|^to address (all )?issues|^npm audit|^run .npm audit",
    FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, FALSE },
  { "^(dev|optional|peer)?dependencies:$", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, FALSE },
  { "use --host to expose|^press \\S+( \\+ enter)? to |^(network|on your network):", FORGE_PROGRESS_LINE_CHATTER, RULE_KIND, FALSE },

  /* Installs: npm, pnpm, bun. */
  { "^(added|removed|changed|audited) \\d+ packages?\\b|^up to date\\b", FORGE_PROGRESS_LINE_STATUS, RULE_KIND, FALSE },
  { "^progress: resolved \\d+|^packages: [+-]\\d+", FORGE_PROGRESS_LINE_STATUS, RULE_KIND, FALSE },
  { "^resolved, downloaded and extracted|^\\d+ packages? installed\\b", FORGE_PROGRESS_LINE_STATUS, RULE_KIND, FALSE },

  /* Builds: webpack and Create React App, Next.js (13's "- wait compiling…"
   * too), Vite. */
  { "^starting\\.*$|^ready in\\b|\\bready in \\d", FORGE_PROGRESS_LINE_STATUS, RULE_KIND, FALSE },
  { "^(?-i)(wait|event|ready)\\s+(?:-\\s+)?(.+)$", FORGE_PROGRESS_LINE_STATUS, RULE_SECOND, FALSE },
  { "^(compiling|compiled|failed to compile)\\b|\\bwebpack\\b.*\\bcompiled\\b", FORGE_PROGRESS_LINE_STATUS, RULE_KIND, FALSE },
};

static GRegex *
rule_regex (guint i)
{
  static GRegex *compiled[G_N_ELEMENTS (rules)];
  static gsize initialized = 0;

  /* Compiled once, then only read: GRegex is safe to share between the
   * reader threads. */
  if (g_once_init_enter (&initialized))
    {
      for (guint j = 0; j < G_N_ELEMENTS (rules); j++)
        compiled[j] = g_regex_new (rules[j].pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&initialized, 1);
    }

  return compiled[i];
}

/* Glyphs tools put before their words: spinners, bullets, ticks, arrows,
 * tree lines. */
static gboolean
is_decoration (gunichar c)
{
  if ((c >= 0x2800 && c <= 0x28FF) ||   /* braille spinners */
      (c >= 0x2500 && c <= 0x25FF) ||   /* box drawing, blocks, shapes: ─ │ └ ▲ ○ ● ◇ */
      (c >= 0x2700 && c <= 0x27BF) ||   /* dingbats: ✓ ✔ ✗ ✖ ➜ ➤ ❯ */
      (c >= 0x2190 && c <= 0x21FF))     /* arrows */
    return TRUE;

  switch (c)
    {
    case 0x00B7: /* · */
    case 0x2022: /* • */
    case 0x203A: /* › */
    case 0x2139: /* ℹ */
    case 0x2605: /* ★ */
    case 0x2606: /* ☆ */
    case 0x26A0: /* ⚠ */
    case 0x2A2F: /* ⨯ */
      return TRUE;
    default:
      return FALSE;
    }
}

static const char *
skip_decorations (const char *text)
{
  const char *p = text;

  for (;;)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0)
        break;
      if (c == ' ' || is_decoration (c))
        p = g_utf8_next_char (p);
      /* ASCII bullets and spinner frames stand alone: "- Local:",
       * "> node build.js", "| Installing". */
      else if (strchr ("-*>|\\/", (int) c) != NULL && (p[1] == ' ' || p[1] == '\0'))
        p++;
      else
        break;
    }

  return p;
}

/* What the terminal would show of the line: the last frame a progress
 * display drew with "\r", without colours, as valid UTF-8, every run of
 * blanks and control characters one space. */
static char *
clean_line (const char *line)
{
  g_autofree char *bounded = g_strndup (line, strnlen (line, FORGE_LOG_LINE_MAX));
  g_autofree char *plain = NULL;
  g_autofree char *valid = NULL;
  char *frame = bounded;
  GString *out;
  gboolean blank = FALSE;

  for (char *cr = strchr (bounded, '\r'); cr != NULL; cr = strchr (cr + 1, '\r'))
    {
      const char *next = cr + 1;

      while (*next == ' ' || *next == '\t' || *next == '\r' || *next == '\n')
        next++;
      /* A "\r" at the end (CRLF, a cleared line) leaves the frame before. */
      if (*next != '\0')
        frame = cr + 1;
    }

  plain = forge_strip_ansi (frame);
  valid = g_utf8_make_valid (plain, -1);
  out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          blank = out->len > 0;
          continue;
        }
      if (blank)
        g_string_append_c (out, ' ');
      blank = FALSE;
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static gboolean
has_alnum (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

static char *
cut (char *text)
{
  char *end;

  if (g_utf8_strlen (text, -1) <= FORGE_PROGRESS_LINE_MAX_CHARS)
    return text;

  end = g_utf8_offset_to_pointer (text, FORGE_PROGRESS_LINE_MAX_CHARS - 1);
  *end = '\0';
  g_strchomp (text);
  end = g_strconcat (text, "…", NULL);
  g_free (text);
  return end;
}

/* "Fetching packages..." → "Fetching packages": the step count follows. */
static char *
without_ellipsis (const char *text)
{
  char *copy = g_strdup (text);
  gsize length = strlen (copy);

  while (length > 0 && copy[length - 1] == '.')
    copy[--length] = '\0';
  if (g_str_has_suffix (copy, "…"))
    copy[length - strlen ("…")] = '\0';

  return g_strchomp (copy);
}

/* The package of a registry request: "…/express" is express,
 * "…/@babel%2fcore" is @babel/core, a tarball "…/-/express-4.19.2.tgz"
 * its file. */
static char *
fetched_name (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH, NULL);
  const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;
  const char *tarball;

  if (path == NULL || path[0] != '/' || path[1] == '\0')
    return NULL;

  if ((tarball = strstr (path, "/-/")) != NULL)
    return g_uri_unescape_string (strrchr (tarball, '/') + 1, NULL);

  return g_uri_unescape_string (path + 1, NULL);
}

static char *
apply_rule (const Rule            *rule,
            GMatchInfo            *match,
            const char            *text,
            ForgeProgressLineKind *kind,
            double                *fraction)
{
  g_autofree char *first = g_match_info_fetch (match, 1);
  g_autofree char *second = g_match_info_fetch (match, 2);
  g_autofree char *third = g_match_info_fetch (match, 3);

  switch (rule->action)
    {
    case RULE_STAGE:
      {
        guint64 step = 0, steps = 0;
        g_autofree char *stage = without_ellipsis (third);

        if (!g_ascii_string_to_unsigned (first, 10, 1, 1000, &step, NULL) ||
            !g_ascii_string_to_unsigned (second, 10, 1, 1000, &steps, NULL) ||
            step > steps)
          return NULL;

        /* Step 2 of 4 has begun: a quarter is done. */
        *fraction = (double) (step - 1) / (double) steps;
        if (*stage == '\0')
          return g_strdup_printf (_("Step %u of %u"), (guint) step, (guint) steps);
        /* Translators: "Fetching packages (step 2 of 4)". */
        return g_strdup_printf (_("%s (step %u of %u)"), stage, (guint) step, (guint) steps);
      }

    case RULE_PERCENT:
      {
        guint64 percent = 0;

        if (!g_ascii_string_to_unsigned (first, 10, 0, 100, &percent, NULL))
          return NULL;
        *fraction = (double) percent / 100.0;
        return *second != '\0' ? g_strdup_printf ("%u%% %s", (guint) percent, second)
                               : g_strdup_printf ("%u%%", (guint) percent);
      }

    case RULE_YARN_BERRY:
      {
        const char *rest = skip_decorations (second);

        /* YN0000 is progress; any other code a warning or a note. */
        if (!g_str_equal (first, "0000"))
          *kind = FORGE_PROGRESS_LINE_CHATTER;
        return *rest != '\0' ? g_strdup (rest) : NULL;
      }

    case RULE_NPM_FETCH:
      {
        g_autofree char *name = fetched_name (first);

        /* Translators: a package npm downloaded, "Fetched express". */
        return name != NULL && *name != '\0' ? g_strdup_printf (_("Fetched %s"), name) : g_strdup (text);
      }

    case RULE_SECOND:
      return g_strdup (second);

    case RULE_KIND:
    default:
      return g_strdup (text);
    }
}

char *
forge_progress_line_summarize (const char            *line,
                               ForgeProgressLineKind *kind,
                               double                *fraction)
{
  g_autofree char *cleaned = NULL;
  const char *text;
  double unused_fraction;
  ForgeProgressLineKind unused_kind;

  if (kind == NULL)
    kind = &unused_kind;
  if (fraction == NULL)
    fraction = &unused_fraction;
  *kind = FORGE_PROGRESS_LINE_NOISE;
  *fraction = -1.0;

  if (line == NULL)
    return NULL;

  cleaned = clean_line (line);
  text = skip_decorations (cleaned);
  /* Spinners alone, rules ("────", "+++++"), an empty line. */
  if (!has_alnum (text))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const Rule *rule = &rules[i];
      const char *subject = rule->before_decorations ? cleaned : text;
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *summary = NULL;
      GRegex *regex = rule_regex (i);

      if (regex == NULL || !g_regex_match (regex, subject, 0, &match))
        continue;

      *kind = rule->kind;
      summary = apply_rule (rule, match, subject, kind, fraction);
      if (summary == NULL || !has_alnum (summary))
        {
          *kind = FORGE_PROGRESS_LINE_NOISE;
          *fraction = -1.0;
          continue;
        }

      return cut (g_steal_pointer (&summary));
    }

  *kind = FORGE_PROGRESS_LINE_TEXT;
  return cut (g_strdup (text));
}
