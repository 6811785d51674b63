/* forge-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <sys/stat.h>
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

static gboolean
host_is_local (const char *host)
{
  static const char *local_hosts[] = { "127.0.0.1", "localhost", "0.0.0.0", "::1", "[::1]", "::", "[::]", NULL };

  return host != NULL && g_strv_contains (local_hosts, host);
}

char *
forge_find_local_url (const char *line)
{
  g_autofree char *plain = forge_strip_ansi (line);
  const char *p = plain;

  while (p != NULL && (p = strstr (p, "http")) != NULL)
    {
      const char *end = p;
      g_autofree char *candidate = NULL;
      g_autoptr(GUri) uri = NULL;

      while (*end != '\0' && !g_ascii_isspace (*end) && *end != '"' && *end != '\'' && *end != ')' && *end != ',')
        end++;
      candidate = g_strndup (p, end - p);
      p = end;

      uri = g_uri_parse (candidate, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_uri_get_port (uri) <= 0)
        continue;
      if (!g_str_equal (g_uri_get_scheme (uri), "http") && !g_str_equal (g_uri_get_scheme (uri), "https"))
        continue;
      if (!host_is_local (g_uri_get_host (uri)))
        continue;

      /* Next.js prints no trailing slash; keep the printed path otherwise. */
      if (*g_uri_get_path (uri) == '\0')
        return g_strconcat (candidate, "/", NULL);
      return g_steal_pointer (&candidate);
    }

  return NULL;
}

guint
forge_pick_free_port (GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return 0;
  if (!g_socket_bind (socket, any_port, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

char *
forge_checksum_file (const char *path)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, NULL);

  if (mapped == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (mapped),
                                      g_mapped_file_get_length (mapped));
}

/* Empties the directory open at dir_fd. Entries are opened relative to
 * their parent with O_NOFOLLOW, so a symlink swapped in by a process still
 * running in the tree (a dev server being stopped) is removed, never
 * followed out of it. Takes ownership of dir_fd. */
static gboolean
remove_directory_contents (int          dir_fd,
                           const char  *path,
                           GError     **error)
{
  DIR *dir = fdopendir (dir_fd);
  struct dirent *entry;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      int saved = errno;
      close (dir_fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not delete %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  while (ok && (entry = readdir (dir)) != NULL)
    {
      int child_fd;

      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;

      if (unlinkat (dirfd (dir), entry->d_name, 0) == 0 || errno == ENOENT)
        continue;

      if (errno != EISDIR && errno != EPERM)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not delete %s/%s: %s"), path, entry->d_name, g_strerror (saved));
          ok = FALSE;
          break;
        }

      child_fd = openat (dirfd (dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child_fd < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not delete %s/%s: %s"), path, entry->d_name, g_strerror (saved));
          ok = FALSE;
          break;
        }

      {
        g_autofree char *child_path = g_build_filename (path, entry->d_name, NULL);

        ok = remove_directory_contents (child_fd, child_path, error);
      }

      if (ok && unlinkat (dirfd (dir), entry->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not delete %s/%s: %s"), path, entry->d_name, g_strerror (saved));
          ok = FALSE;
        }
    }

  closedir (dir);
  return ok;
}

gboolean
forge_remove_tree (const char  *path,
                   GError     **error)
{
  int fd;

  if (unlink (path) == 0 || errno == ENOENT)
    return TRUE;

  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not delete %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  if (!remove_directory_contents (fd, path, error))
    return FALSE;

  if (rmdir (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not delete %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  return TRUE;
}

void
forge_dispatch_on_context (GMainContext   *context,
                           int             priority,
                           GSourceFunc     func,
                           gpointer        data,
                           GDestroyNotify  notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, priority);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[forge] dispatch");
  g_source_attach (source, context);
}
