/* fuzz-common.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "forge-util.h"
#include "fuzz-common.h"

static char *scratch_dir;

/* A critical is a bug whatever input led to it: the suite makes them
 * fatal, and so does the fuzzer. Warnings about a damaged input are
 * expected, and would only flood the fuzzer's output. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

static void
remove_scratch_dir (void)
{
  if (scratch_dir != NULL)
    forge_remove_tree (scratch_dir, NULL);
  g_clear_pointer (&scratch_dir, g_free);
}

const char *
fuzz_setup (void)
{
  g_autoptr(GError) error = NULL;

  if (scratch_dir != NULL)
    return scratch_dir;

  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);

  scratch_dir = g_dir_make_tmp ("forge-fuzz-XXXXXX", &error);
  if (scratch_dir == NULL)
    {
      fprintf (stderr, "Cannot make a scratch folder: %s\n", error->message);
      abort ();
    }
  atexit (remove_scratch_dir);
  return scratch_dir;
}

char *
fuzz_dup_string (const uint8_t *data,
                 size_t         size)
{
  if (memchr (data, '\0', size) != NULL)
    return NULL;
  return g_strndup ((const char *) data, size);
}

GPtrArray *
fuzz_split_parts (const uint8_t *data,
                  size_t         size,
                  guint          max_parts)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const uint8_t *start = data;
  const uint8_t *end = data + size;

  g_assert (max_parts > 0);

  while (parts->len + 1 < max_parts)
    {
      const uint8_t *sep = memchr (start, (unsigned char) FUZZ_PART_SEPARATOR, end - start);

      if (sep == NULL)
        break;
      g_ptr_array_add (parts, g_bytes_new (start, sep - start));
      start = sep + 1;
    }
  g_ptr_array_add (parts, g_bytes_new (start, end - start));

  return parts;
}

void
fuzz_write_file (const char *path,
                 const void *contents,
                 gsize       length)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full (path, contents, length, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      fprintf (stderr, "Cannot write %s: %s\n", path, error->message);
      abort ();
    }
}

void
fuzz_empty_dir (const char *dir)
{
  g_autoptr(GError) error = NULL;

  g_assert (scratch_dir != NULL && g_str_has_prefix (dir, scratch_dir));

  if (!forge_remove_tree (dir, &error) && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      fprintf (stderr, "Cannot empty %s: %s\n", dir, error->message);
      abort ();
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      fprintf (stderr, "Cannot make %s: %s\n", dir, g_strerror (errno));
      abort ();
    }
}

void
fuzz_assert_one_line (const char *message)
{
  if (message == NULL || *message == '\0' || strpbrk (message, "\r\n") != NULL)
    {
      fprintf (stderr, "Not a one-line message: “%s”\n", message != NULL ? message : "(null)");
      abort ();
    }
}

gboolean
fuzz_json_single_value (const char *data,
                        gsize       length)
{
  return forge_json_single_value (data, length);
}
