/* forge-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "forge-util.h"

/* Dev servers colour their output; the log view and the URL parser want
 * plain text. Handles CSI (ESC [ … final byte) and OSC (ESC ] … BEL/ST)
 * sequences, which is what npm, Vite, Next.js and friends print. */
char *
forge_strip_ansi (const char *text)
{
  GString *out;
  const char *p;

  if (text == NULL)
    return NULL;

  out = g_string_sized_new (strlen (text));

  for (p = text; *p != '\0'; p++)
    {
      if (*p != '\033')
        {
          if (*p != '\r')
            g_string_append_c (out, *p);
          continue;
        }

      if (p[1] == '[')
        {
          p += 2;
          while (*p != '\0' && !(*p >= 0x40 && *p <= 0x7e))
            p++;
          if (*p == '\0')
            break;
        }
      else if (p[1] == ']')
        {
          p += 2;
          while (*p != '\0' && *p != '\a' && !(p[0] == '\033' && p[1] == '\\'))
            p++;
          if (*p == '\0')
            break;
          if (*p == '\033')
            p++;
        }
      else if (p[1] != '\0')
        {
          p++;
        }
    }

  return g_string_free (out, FALSE);
}

static char *
app_subdir (const char *base)
{
  return g_build_filename (base, "forge-preview", NULL);
}

/* The g_get_user_*_dir() functions cache their first answer; tests and the
 * headless mode isolate state through the XDG variables, so read them live. */
static char *
xdg_dir (const char *variable,
         const char *fallback_relative)
{
  const char *value = g_getenv (variable);

  if (value != NULL && g_path_is_absolute (value))
    return app_subdir (value);

  {
    g_autofree char *base = g_build_filename (g_get_home_dir (), fallback_relative, NULL);
    return app_subdir (base);
  }
}

char *
forge_data_dir (void)
{
  return xdg_dir ("XDG_DATA_HOME", ".local/share");
}

char *
forge_state_dir (void)
{
  return xdg_dir ("XDG_STATE_HOME", ".local/state");
}

char *
forge_cache_dir (void)
{
  return xdg_dir ("XDG_CACHE_HOME", ".cache");
}

gboolean
forge_write_file_atomic (const char  *path,
                         const char  *contents,
                         gssize       length,
                         GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  /* g_file_set_contents_full with FSYNC gives write-to-temp + fsync + rename,
   * so a crash leaves either the old or the new file, never half of one. */
  return g_file_set_contents_full (path, contents, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}
