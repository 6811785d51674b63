/* forge-env-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-env-file.h"
#include "forge-util.h"

G_DEFINE_QUARK (forge-env-file-error-quark, forge_env_file_error)

static char *
unquote_double (const char *start,
                const char *end)
{
  GString *value = g_string_new (NULL);

  for (const char *p = start; p < end; p++)
    {
      if (*p == '\\' && p + 1 < end)
        {
          p++;
          switch (*p)
            {
            case 'n': g_string_append_c (value, '\n'); break;
            case 't': g_string_append_c (value, '\t'); break;
            case 'r': g_string_append_c (value, '\r'); break;
            default: g_string_append_c (value, *p); break;
            }
        }
      else
        g_string_append_c (value, *p);
    }

  return g_string_free (value, FALSE);
}

/* The value after "=", up to the end of the line (or of its closing
 * quote, which may be on a later line for double quotes). *next is where
 * the following line starts. */
static char *
parse_value (const char  *p,
             const char  *end,
             const char **next)
{
  const char *line_end = memchr (p, '\n', end - p);
  const char *close;

  if (line_end == NULL)
    line_end = end;

  while (p < line_end && (*p == ' ' || *p == '\t'))
    p++;

  if (p < line_end && (*p == '"' || *p == '\''))
    {
      char quote = *p;

      /* Double-quoted values may span lines (PEM keys do); single-quoted
       * ones are taken as they are, on their line. */
      for (close = p + 1; close < (quote == '"' ? end : line_end); close++)
        {
          if (quote == '"' && *close == '\\' && close + 1 < end)
            close++;
          else if (*close == quote)
            break;
        }

      if (close < (quote == '"' ? end : line_end))
        {
          const char *after = memchr (close, '\n', end - close);

          *next = after != NULL ? after + 1 : end;
          return quote == '"' ? unquote_double (p + 1, close) : g_strndup (p + 1, close - (p + 1));
        }
      /* No closing quote: the rest of the line, as it is. */
    }

  *next = line_end < end ? line_end + 1 : end;

  /* Unquoted: a " #" starts a comment. */
  for (close = p; close < line_end; close++)
    if (*close == '#' && close > p && (close[-1] == ' ' || close[-1] == '\t'))
      break;
  while (close > p && g_ascii_isspace (close[-1]))
    close--;

  return g_strndup (p, close - p);
}

char **
forge_env_file_parse (const char *text,
                      gsize       length)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *end = text + length;
  const char *p = text;

  if (text == NULL)
    return g_strv_builder_end (builder);

  /* As editors save them. */
  if (length >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  while (p < end && names->len < FORGE_ENV_FILE_MAX_ENTRIES)
    {
      const char *line_end = memchr (p, '\n', end - p);
      const char *name_start;
      const char *name_end;
      const char *next;
      g_autofree char *name = NULL;
      char *value;
      guint i;

      if (line_end == NULL)
        line_end = end;

      while (p < line_end && (*p == ' ' || *p == '\t'))
        p++;
      if (line_end - p > 7 && strncmp (p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
        for (p += 6; p < line_end && (*p == ' ' || *p == '\t'); p++)
          ;

      name_start = p;
      while (p < line_end && (g_ascii_isalnum (*p) || *p == '_'))
        p++;
      name_end = p;
      while (p < line_end && (*p == ' ' || *p == '\t'))
        p++;

      if (name_end == name_start || p >= line_end || *p != '=')
        {
          /* A comment, a blank line, or not an entry: skipped. */
          p = line_end < end ? line_end + 1 : end;
          continue;
        }

      name = g_strndup (name_start, name_end - name_start);
      value = parse_value (p + 1, end, &next);
      p = next;

      if (!forge_env_name_is_valid (name))
        {
          g_free (value);
          continue;
        }

      for (i = 0; i < names->len; i++)
        if (g_str_equal (g_ptr_array_index (names, i), name))
          break;
      if (i < names->len)
        {
          g_free (g_ptr_array_index (values, i));
          g_ptr_array_index (values, i) = value;
        }
      else
        {
          g_ptr_array_add (names, g_steal_pointer (&name));
          g_ptr_array_add (values, value);
        }
    }

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *entry = g_strconcat (g_ptr_array_index (names, i), "=",
                                            g_ptr_array_index (values, i), NULL);

      g_strv_builder_add (builder, entry);
    }

  return g_strv_builder_end (builder);
}

char **
forge_env_file_load (const char  *path,
                     GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean too_large = FALSE;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_commandline_arg (path);
  stream = g_file_read (file, NULL, &local_error);
  if (stream != NULL)
    bytes = forge_read_bounded (G_INPUT_STREAM (stream), FORGE_ENV_FILE_MAX_SIZE, -1,
                                &too_large, NULL, &local_error);

  if (bytes == NULL)
    {
      g_set_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_FAILED,
                   _("Could not read the environment file %s: %s"), path, local_error->message);
      return NULL;
    }

  if (too_large)
    {
      g_set_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_TOO_LARGE,
                   _("The environment file %s is larger than %u KiB: give a dotenv file of KEY=VALUE lines."),
                   path, (guint) (FORGE_ENV_FILE_MAX_SIZE / 1024));
      return NULL;
    }

  return forge_env_file_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

gboolean
forge_env_entry_split (const char  *entry,
                       char       **name,
                       char       **value,
                       GError     **error)
{
  const char *eq;
  g_autofree char *key = NULL;

  g_return_val_if_fail (entry != NULL, FALSE);

  eq = strchr (entry, '=');
  if (eq != NULL)
    key = g_strndup (entry, eq - entry);

  if (eq == NULL || !forge_env_name_is_valid (key))
    {
      g_set_error (error, FORGE_ENV_FILE_ERROR, FORGE_ENV_FILE_ERROR_INVALID,
                   _("“%s” is not KEY=VALUE with a name of letters, digits and “_”."), entry);
      return FALSE;
    }

  *name = g_steal_pointer (&key);
  *value = g_strdup (eq + 1);
  return TRUE;
}

char **
forge_env_file_read_proposed_names (const char  *repo_dir,
                                    GError     **error)
{
  static const char * const candidates[] = { ".env.example", ".env.sample" };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (repo_dir != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *contents = NULL;
      g_auto(GStrv) entries = NULL;
      gsize length = 0;

      if (!forge_read_repo_file (repo_dir, candidates[i], FORGE_ENV_FILE_MAX_SIZE,
                                 &contents, &length, &local_error))
        {
          if (g_error_matches (local_error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_FOUND))
            continue;
          /* A symlink, a FIFO, a huge file: the repository's doing, and
           * nothing to propose from. */
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      entries = forge_env_file_parse (contents, length);
      for (guint j = 0; entries[j] != NULL; j++)
        {
          g_autofree char *name = g_strndup (entries[j], strchr (entries[j], '=') - entries[j]);

          g_strv_builder_add (builder, name);
        }
      break;
    }

  return g_strv_builder_end (builder);
}
