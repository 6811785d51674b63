/* forge-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-util"

#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* g_file_set_contents()'s temp files: the name, a dot, six characters
 * of mkstemp()'s alphabet. */
static gboolean
is_temp_of (const char *entry,
            const char *name)
{
  size_t name_length;
  const char *suffix;

  if (name != NULL)
    {
      name_length = strlen (name);
      if (strncmp (entry, name, name_length) != 0)
        return FALSE;
    }
  else
    {
      const char *json = strstr (entry, ".json.");

      if (json == NULL)
        return FALSE;
      name_length = (size_t) (json - entry) + strlen (".json");
    }

  suffix = entry + name_length;
  if (suffix[0] != '.' || strlen (suffix + 1) != 6)
    return FALSE;
  for (const char *c = suffix + 1; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;

  return TRUE;
}

guint
forge_remove_stale_temp_files (const char *dir,
                               const char *name,
                               guint       min_age_s)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  const char *entry;
  guint removed = 0;

  if (listing == NULL)
    return 0;

  while ((entry = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!is_temp_of (entry, name))
        continue;

      path = g_build_filename (dir, entry, NULL);
      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || now_s - (gint64) st.st_mtime < (gint64) min_age_s)
        continue;

      if (g_unlink (path) == 0)
        removed++;
    }

  return removed;
}

char *
forge_dup_corrupt_path (const char *path)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  char *aside = g_strdup_printf ("%s.corrupt-%s", path, stamp);

  for (guint n = 2; g_file_test (aside, G_FILE_TEST_EXISTS) && n < 1000; n++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, n);
    }

  return aside;
}

char *
forge_move_aside (const char  *path,
                  GError     **error)
{
  g_autofree char *aside = forge_dup_corrupt_path (path);

  if (g_rename (path, aside) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Could not move %s aside: %s", path, g_strerror (saved));
      return NULL;
    }

  return g_steal_pointer (&aside);
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

GBytes *
forge_read_bounded (GInputStream  *stream,
                    gsize          max_bytes,
                    goffset        content_length,
                    gboolean      *too_large,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint8 chunk[8192];

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (too_large != NULL, NULL);

  *too_large = FALSE;

  /* Said up front: not worth reading. */
  if (content_length > 0 && (guint64) content_length > max_bytes)
    {
      *too_large = TRUE;
      return g_bytes_new (NULL, 0);
    }

  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, sizeof chunk, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (buffer->len + (gsize) n > max_bytes)
        {
          *too_large = TRUE;
          break;
        }
      g_byte_array_append (buffer, chunk, (guint) n);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

gboolean
forge_json_single_value (const char *data,
                         gsize       length)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gboolean in_scalar = FALSE;
  guint depth = 0;
  guint values = 0;
  gsize i = 0;

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;

  for (; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        {
          if (depth == 0)
            values++;
          in_string = TRUE;
        }
      else if (c == '{' || c == '[')
        {
          if (depth == 0)
            values++;
          depth++;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
      else if (depth == 0 && !g_ascii_isspace (c) && !in_scalar)
        {
          values++;
          in_scalar = TRUE;
          continue;
        }

      if (depth == 0 && (g_ascii_isspace (c) || c == '"' || c == '}' || c == ']'))
        in_scalar = FALSE;
    }

  return values <= 1;
}

gboolean
forge_json_depth_within (const char *data,
                         gsize       length,
                         guint       max_depth)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return TRUE;
}

G_DEFINE_QUARK (forge-repo-file-error-quark, forge_repo_file_error)

static void
set_repo_error_from_errno (GError     **error,
                           int          saved_errno,
                           const char  *relative_path)
{
  switch (saved_errno)
    {
    case ELOOP:
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK,
                   _("Refused to read %s from the repository: it goes through a symbolic link"),
                   relative_path);
      break;

    case ENOENT:
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_FOUND,
                   _("%s is not in the repository"), relative_path);
      break;

    case ENOTDIR:
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR,
                   _("Refused to read %s from the repository: a folder on its path is not a folder"),
                   relative_path);
      break;

    default:
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_FAILED,
                   _("Could not read %s from the repository: %s"),
                   relative_path, g_strerror (saved_errno));
      break;
    }
}

/* Opens the directory holding relative_path's last component, walking
 * down from root_dir one component at a time with O_NOFOLLOW, and returns
 * it with *last pointing at that component inside *components (or NULL
 * when relative_path names root_dir itself). -1 on error. */
static int
open_repo_parent (const char   *root_dir,
                  const char   *relative_path,
                  GStrv        *components,
                  const char  **last,
                  GError      **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  int dir_fd;

  if (relative_path == NULL || g_path_is_absolute (relative_path))
    {
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH,
                   _("Refused to read %s: it is not a path inside the repository"),
                   relative_path ? relative_path : "(null)");
      return -1;
    }

  parts = g_strsplit (relative_path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || g_str_equal (parts[i], "."))
        continue;
      /* Plain path text decides nothing: ".." could climb out of root. */
      if (g_str_equal (parts[i], ".."))
        {
          g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH,
                       _("Refused to read %s: it is not a path inside the repository"),
                       relative_path);
          return -1;
        }
      g_ptr_array_add (names, parts[i]);
    }

  /* root_dir is the host's own folder (the workspace's "repo"), so it may
   * be reached through symlinks the user set up, e.g. for ~/.cache. */
  dir_fd = open (root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      int saved = errno;
      g_set_error (error, FORGE_REPO_FILE_ERROR,
                   saved == ENOENT ? FORGE_REPO_FILE_ERROR_NOT_FOUND : FORGE_REPO_FILE_ERROR_FAILED,
                   _("Could not open the repository folder %s: %s"), root_dir, g_strerror (saved));
      return -1;
    }

  for (guint i = 0; i + 1 < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      int child_fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      int saved = errno;

      if (child_fd < 0)
        {
          struct stat st;

          /* O_DIRECTORY answers ENOTDIR for a symlink, even to a folder:
           * say which it was. */
          if (saved == ENOTDIR && fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            saved = ELOOP;
          close (dir_fd);
          set_repo_error_from_errno (error, saved, relative_path);
          return -1;
        }
      close (dir_fd);
      dir_fd = child_fd;
    }

  *last = names->len > 0 ? g_ptr_array_index (names, names->len - 1) : NULL;
  *components = g_steal_pointer (&parts);
  return dir_fd;
}

int
forge_open_repo_file (const char  *root_dir,
                      const char  *relative_path,
                      GError     **error)
{
  g_auto(GStrv) components = NULL;
  const char *last = NULL;
  struct stat st;
  int dir_fd;
  int fd;
  int saved;

  g_return_val_if_fail (root_dir != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  dir_fd = open_repo_parent (root_dir, relative_path, &components, &last, error);
  if (dir_fd < 0)
    return -1;

  if (last == NULL)
    {
      close (dir_fd);
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH,
                   _("Refused to read %s: it is not a path inside the repository"), relative_path);
      return -1;
    }

  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
   * writer that never comes. fstat() below turns it away. */
  fd = openat (dir_fd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  saved = errno;
  close (dir_fd);
  if (fd < 0)
    {
      set_repo_error_from_errno (error, saved, relative_path);
      return -1;
    }

  if (fstat (fd, &st) != 0)
    {
      saved = errno;
      close (fd);
      set_repo_error_from_errno (error, saved, relative_path);
      return -1;
    }

  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR,
                   _("Refused to read %s from the repository: it is not a regular file"),
                   relative_path);
      return -1;
    }

  return fd;
}

static void
set_too_large (GError     **error,
               const char  *relative_path,
               gsize        max_size)
{
  g_autofree char *limit = g_format_size (max_size);

  g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE,
               _("Refused to read %s from the repository: it is larger than %s"),
               relative_path, limit);
}

typedef void (*ChunkFunc) (const guint8 *chunk,
                           gsize         len,
                           gpointer      user_data);

/* Opens relative_path as forge_open_repo_file() does and hands it to
 * @func in chunks, up to @max_size bytes: the bound holds for what is
 * read, not for what fstat() said (the file can grow under us). */
static gboolean
read_repo_chunks (const char  *root_dir,
                  const char  *relative_path,
                  gsize        max_size,
                  ChunkFunc    func,
                  gpointer     user_data,
                  GError     **error)
{
  struct stat st = { 0 };
  guint64 total = 0;
  int fd;

  fd = forge_open_repo_file (root_dir, relative_path, error);
  if (fd < 0)
    return FALSE;

  if (fstat (fd, &st) == 0 && (guint64) st.st_size > max_size)
    {
      close (fd);
      set_too_large (error, relative_path, max_size);
      return FALSE;
    }

  for (;;)
    {
      guint8 chunk[65536];
      gssize n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          set_repo_error_from_errno (error, saved, relative_path);
          return FALSE;
        }
      if (n == 0)
        break;
      total += n;
      if (total > max_size)
        {
          close (fd);
          set_too_large (error, relative_path, max_size);
          return FALSE;
        }
      func (chunk, n, user_data);
    }
  close (fd);

  return TRUE;
}

static void
append_chunk (const guint8 *chunk,
              gsize         len,
              gpointer      user_data)
{
  g_byte_array_append (user_data, chunk, len);
}

static void
checksum_chunk (const guint8 *chunk,
                gsize         len,
                gpointer      user_data)
{
  g_checksum_update (user_data, chunk, len);
}

gboolean
forge_read_repo_file (const char  *root_dir,
                      const char  *relative_path,
                      gsize        max_size,
                      char       **contents,
                      gsize       *length,
                      GError     **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();

  g_return_val_if_fail (root_dir != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_repo_chunks (root_dir, relative_path, max_size, append_chunk, buffer, error))
    return FALSE;

  if (length != NULL)
    *length = buffer->len;
  g_byte_array_append (buffer, (const guint8 *) "", 1);
  *contents = (char *) g_byte_array_free (g_steal_pointer (&buffer), FALSE);

  return TRUE;
}

gboolean
forge_repo_test (const char    *root_dir,
                 const char    *relative_path,
                 ForgeRepoTest  test)
{
  g_auto(GStrv) components = NULL;
  const char *last = NULL;
  struct stat st;
  int dir_fd;
  int ret;

  g_return_val_if_fail (root_dir != NULL, FALSE);

  dir_fd = open_repo_parent (root_dir, relative_path, &components, &last, NULL);
  if (dir_fd < 0)
    return FALSE;

  if (last == NULL)
    ret = fstat (dir_fd, &st);
  else
    ret = fstatat (dir_fd, last, &st, AT_SYMLINK_NOFOLLOW);
  close (dir_fd);
  if (ret != 0)
    return FALSE;

  return ((test & FORGE_REPO_TEST_IS_REGULAR) && S_ISREG (st.st_mode)) ||
         ((test & FORGE_REPO_TEST_IS_DIR) && S_ISDIR (st.st_mode)) ||
         ((test & FORGE_REPO_TEST_IS_SYMLINK) && S_ISLNK (st.st_mode));
}

char *
forge_checksum_file (const char  *root_dir,
                     const char  *relative_path,
                     gsize        max_size,
                     GError     **error)
{
  /* Streamed: a lockfile can be tens of MiB, no need to hold it. */
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_return_val_if_fail (root_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_repo_chunks (root_dir, relative_path, max_size, checksum_chunk, checksum, error))
    return NULL;

  return g_strdup (g_checksum_get_string (checksum));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char **
forge_list_repo_dir (const char  *root_dir,
                     const char  *relative_path,
                     guint        max_entries,
                     GError     **error)
{
  g_auto(GStrv) components = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *last = NULL;
  struct dirent *entry;
  DIR *dir;
  int dir_fd;

  g_return_val_if_fail (root_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir_fd = open_repo_parent (root_dir, relative_path, &components, &last, error);
  if (dir_fd < 0)
    return NULL;

  if (last != NULL)
    {
      int child_fd = openat (dir_fd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      int saved = errno;

      if (child_fd < 0)
        {
          struct stat st;

          /* O_DIRECTORY answers ENOTDIR for a symlink too: say which. */
          if (saved == ENOTDIR && fstatat (dir_fd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
            saved = ELOOP;
          close (dir_fd);
          set_repo_error_from_errno (error, saved, relative_path);
          return NULL;
        }
      close (dir_fd);
      dir_fd = child_fd;
    }

  dir = fdopendir (dir_fd);
  if (dir == NULL)
    {
      int saved = errno;
      close (dir_fd);
      set_repo_error_from_errno (error, saved, relative_path);
      return NULL;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((entry = readdir (dir)) != NULL)
    {
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      if (names->len >= max_entries)
        {
          closedir (dir);
          g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE,
                       _("Refused to list %s in the repository: it holds more than %u entries"),
                       *relative_path != '\0' ? relative_path : ".", max_entries);
          return NULL;
        }
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  closedir (dir);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
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

char *
forge_log_line_sanitize (const char *line)
{
  g_autofree char *valid = NULL;
  gsize cut;

  if (line == NULL)
    return NULL;

  /* GTK and the headless JSON output both need UTF-8. */
  valid = g_utf8_make_valid (line, -1);
  if (strlen (valid) <= FORGE_LOG_LINE_MAX)
    return g_steal_pointer (&valid);

  /* Back up over continuation bytes (10xxxxxx) to a character start. */
  cut = FORGE_LOG_LINE_MAX;
  while (cut > 0 && (((guchar) valid[cut]) & 0xC0) == 0x80)
    cut--;
  valid[cut] = '\0';

  return g_strconcat (valid, "…", NULL);
}

struct _ForgeBatcher
{
  GMutex          mutex;
  GMainContext   *context;
  GObject        *owner;          /* unowned: a pending source holds a ref */
  guint           interval_ms;
  ForgeBatchFunc  func;
  GDestroyNotify  item_free;

  GPtrArray      *items;          /* under mutex */
  GSource        *source;         /* the pending drain, under mutex */
  gint64          last_drain;     /* monotonic µs, under mutex */
  guint           n_dispatches;   /* under mutex */
};

typedef struct
{
  GSource       base;
  ForgeBatcher *batcher;
  GObject      *owner;            /* kept alive while items wait */
} BatchSource;

static void
batcher_drain (ForgeBatcher *self,
               GSource      *dispatching)
{
  g_autoptr(GPtrArray) items = NULL;
  GSource *pending;

  g_mutex_lock (&self->mutex);
  /* A flush got there first; this source is already destroyed. */
  if (dispatching != NULL && self->source != dispatching)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  items = g_steal_pointer (&self->items);
  self->items = g_ptr_array_new_with_free_func (self->item_free);
  pending = g_steal_pointer (&self->source);
  self->last_drain = g_get_monotonic_time ();
  if (items->len > 0)
    self->n_dispatches++;
  g_mutex_unlock (&self->mutex);

  /* Outside the lock: dropping the source can drop the last reference to
   * the owner, whose finalize frees this batcher. Not here, though: the
   * caller of a flush or the dispatching source still holds one. */
  if (pending != NULL)
    {
      if (pending != dispatching)
        g_source_destroy (pending);
      g_source_unref (pending);
    }

  if (items->len > 0)
    self->func (self->owner, items);
}

static gboolean
batch_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  BatchSource *batch_source = (BatchSource *) source;

  batcher_drain (batch_source->batcher, source);
  return G_SOURCE_REMOVE;
}

static void
batch_source_finalize (GSource *source)
{
  BatchSource *batch_source = (BatchSource *) source;

  g_clear_object (&batch_source->owner);
}

static GSourceFuncs batch_source_funcs = {
  NULL, NULL, batch_source_dispatch, batch_source_finalize, NULL, NULL,
};

ForgeBatcher *
forge_batcher_new (GMainContext   *context,
                   GObject        *owner,
                   guint           interval_ms,
                   ForgeBatchFunc  func,
                   GDestroyNotify  item_free)
{
  ForgeBatcher *self = g_new0 (ForgeBatcher, 1);

  g_mutex_init (&self->mutex);
  self->context = g_main_context_ref (context);
  self->owner = owner;
  self->interval_ms = interval_ms;
  self->func = func;
  self->item_free = item_free;
  self->items = g_ptr_array_new_with_free_func (item_free);

  return self;
}

void
forge_batcher_push (ForgeBatcher *self,
                    gpointer      item,
                    gboolean      urgent)
{
  gint64 now = g_get_monotonic_time ();
  gint64 ready;

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->items, item);

  /* Right after a batch, wait for the interval to collect the next one;
   * after a quiet spell, go at once. */
  ready = urgent ? 0 : self->last_drain + (gint64) self->interval_ms * 1000;
  if (ready <= now)
    ready = 0;

  if (self->source == NULL)
    {
      BatchSource *batch_source = (BatchSource *) g_source_new (&batch_source_funcs, sizeof (BatchSource));

      batch_source->batcher = self;
      batch_source->owner = g_object_ref (self->owner);
      self->source = (GSource *) batch_source;
      g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (self->source, "[forge] batch");
      g_source_set_ready_time (self->source, ready);
      g_source_attach (self->source, self->context);
    }
  else if (urgent)
    {
      /* Safe from any thread: wakes the context up. */
      g_source_set_ready_time (self->source, 0);
    }
  g_mutex_unlock (&self->mutex);
}

void
forge_batcher_flush (ForgeBatcher *self)
{
  batcher_drain (self, NULL);
}

guint
forge_batcher_get_n_dispatches (ForgeBatcher *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_dispatches;
  g_mutex_unlock (&self->mutex);

  return n;
}

void
forge_batcher_free (ForgeBatcher *self)
{
  GSource *pending;

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  pending = g_steal_pointer (&self->source);
  g_mutex_unlock (&self->mutex);

  /* A pending source holds the owner, which frees this batcher only once
   * nothing is pending: this is for owners that free it earlier. */
  if (pending != NULL)
    {
      ((BatchSource *) pending)->batcher = NULL;
      g_source_destroy (pending);
      g_source_unref (pending);
    }

  g_ptr_array_unref (self->items);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

char *
forge_format_duration (gint64 milliseconds)
{
  gint64 seconds = MAX (milliseconds, 0) / 1000;

  if (seconds < 1)
    return g_strdup (_("less than a second"));
  if (seconds < 60)
    return g_strdup_printf (_("%d s"), (int) seconds);
  if (seconds < 60 * 60)
    return g_strdup_printf (_("%d min %d s"), (int) (seconds / 60), (int) (seconds % 60));
  return g_strdup_printf (_("%d h %d min"), (int) (seconds / 3600), (int) (seconds % 3600 / 60));
}

char *
forge_display_url (const char *url)
{
  g_autofree char *path = NULL;
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (url == NULL)
    return NULL;

  if (!g_str_has_prefix (url, "file://") ||
      !(path = g_filename_from_uri (url, NULL, NULL)))
    return g_strdup (url);

  if (home_len > 1 && g_str_has_prefix (path, home) &&
      (path[home_len] == '/' || path[home_len] == '\0'))
    return g_strconcat ("~", path + home_len, NULL);

  return g_steal_pointer (&path);
}

int
forge_exit_code_from_wait_status (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return wait_status;
}

gboolean
forge_env_name_is_valid (const char *name)
{
  gsize length;

  if (name == NULL || *name == '\0' || g_ascii_isdigit (*name))
    return FALSE;

  for (length = 0; name[length] != '\0'; length++)
    if (length >= FORGE_ENV_NAME_MAX || (!g_ascii_isalnum (name[length]) && name[length] != '_'))
      return FALSE;

  return TRUE;
}
