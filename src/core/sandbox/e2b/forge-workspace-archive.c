/* forge-workspace-archive.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gi18n.h>

#include "forge-util.h"
#include "forge-workspace-archive.h"

#define BLOCK 512
/* ustar's size field holds 11 octal digits. */
#define USTAR_MAX_SIZE ((guint64) 077777777777)
/* Deeper than any real project; keeps descriptors and stack bounded. */
#define MAX_DEPTH 128
#define MAX_DIR_ENTRIES 65536
#define READ_CHUNK (64 * 1024)
#define PROGRESS_STEP (1024 * 1024)

typedef struct
{
  const char                        *root_dir;
  GOutputStream                     *output;
  GChecksum                         *checksum;
  guint64                            total;
  guint64                            max_size;
  guint64                            last_progress;
  ForgeWorkspaceArchiveProgressFunc  progress;
  gpointer                           progress_data;
  GCancellable                      *cancellable;
  guint                              n_skipped;
} Archive;

static gboolean
too_large (Archive  *archive,
           GError  **error)
{
  g_autofree char *limit = g_format_size (archive->max_size);

  g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE,
               _("The project is too large to upload: more than %s without .git and node_modules"),
               limit);
  return FALSE;
}

/* Everything written goes through here: the hash, the bound, progress. */
static gboolean
emit (Archive     *archive,
      const void  *data,
      gsize        len,
      GError     **error)
{
  if (archive->total + len > archive->max_size)
    return too_large (archive, error);

  g_checksum_update (archive->checksum, data, len);
  archive->total += len;

  if (archive->output != NULL &&
      !g_output_stream_write_all (archive->output, data, len, NULL, archive->cancellable, error))
    return FALSE;

  if (archive->progress != NULL && archive->total - archive->last_progress >= PROGRESS_STEP)
    {
      archive->last_progress = archive->total;
      archive->progress (archive->total, archive->progress_data);
    }

  return TRUE;
}

static gboolean
emit_padding (Archive  *archive,
              guint64   len,
              GError  **error)
{
  static const guint8 zeros[BLOCK];
  gsize pad = (BLOCK - (len % BLOCK)) % BLOCK;

  return pad == 0 || emit (archive, zeros, pad, error);
}

static void
set_octal (guint8  *field,
           gsize    width,
           guint64  value)
{
  /* width - 1 digits and a NUL. */
  g_snprintf ((char *) field, width, "%0*" G_GINT64_MODIFIER "o", (int) (width - 1), value);
}

/* A pax record "LEN key=value\n", LEN counting itself. */
static void
append_pax_record (GString    *records,
                   const char *key,
                   const char *value)
{
  gsize base = strlen (key) + strlen (value) + 3;  /* " ", "=", "\n" */
  gsize len = base + 1;

  /* Adding the length's own digits can add a digit: settle. */
  for (;;)
    {
      char digits[32];
      gsize with_digits = base + g_snprintf (digits, sizeof digits, "%" G_GSIZE_FORMAT, len);

      if (with_digits == len)
        break;
      len = with_digits;
    }
  g_string_append_printf (records, "%" G_GSIZE_FORMAT " %s=%s\n", len, key, value);
}

static gboolean
write_header (Archive      *archive,
              const char   *path,
              char          type,
              guint         mode,
              guint64       size,
              gint64        mtime,
              const char   *link_target,
              GError      **error)
{
  guint8 header[BLOCK] = { 0 };
  g_autoptr(GString) pax = g_string_new (NULL);
  gsize path_len = strlen (path);
  const char *name = path;
  gsize prefix_len = 0;
  guint sum = 0;

  /* A name fits in ustar as is (100 bytes), or split at a "/" into a
   * prefix (155) and a name (100); otherwise it goes in a pax header,
   * as does a link target longer than 100 bytes. */
  if (path_len > 100)
    {
      const char *slash = NULL;

      for (const char *p = path + path_len - 1; p > path; p--)
        if (*p == '/' && (gsize) (p - path) <= 155 && strlen (p + 1) <= 100)
          {
            slash = p;
            break;
          }

      if (slash != NULL && slash[1] != '\0')
        {
          prefix_len = slash - path;
          name = slash + 1;
        }
      else
        append_pax_record (pax, "path", path);
    }
  if (link_target != NULL && strlen (link_target) > 100)
    append_pax_record (pax, "linkpath", link_target);

  if (pax->len > 0)
    {
      g_autofree char *pax_name = g_strdup ("PaxHeader");

      if (!write_header (archive, pax_name, 'x', 0644, pax->len, mtime, NULL, error) ||
          !emit (archive, pax->str, pax->len, error) ||
          !emit_padding (archive, pax->len, error))
        return FALSE;
    }

  memcpy (header, name, MIN (strlen (name), 100));
  if (prefix_len > 0)
    memcpy (header + 345, path, prefix_len);
  set_octal (header + 100, 8, mode & 0777);
  set_octal (header + 108, 8, 0);
  set_octal (header + 116, 8, 0);
  set_octal (header + 124, 12, size);
  set_octal (header + 136, 12, (guint64) CLAMP (mtime, 0, (gint64) USTAR_MAX_SIZE));
  header[156] = type;
  if (link_target != NULL)
    memcpy (header + 157, link_target, MIN (strlen (link_target), 100));
  memcpy (header + 257, "ustar", 6);
  memcpy (header + 263, "00", 2);

  /* The checksum is computed with its own field as spaces. */
  memset (header + 148, ' ', 8);
  for (guint i = 0; i < BLOCK; i++)
    sum += header[i];
  g_snprintf ((char *) header + 148, 7, "%06o", sum);
  header[154] = '\0';
  header[155] = ' ';

  return emit (archive, header, BLOCK, error);
}

static gboolean
io_error (GError     **error,
          int          saved_errno,
          const char  *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Could not read %s from the repository: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

static char *
join (const char *prefix,
      const char *name)
{
  return *prefix != '\0' ? g_strconcat (prefix, "/", name, NULL) : g_strdup (name);
}

/* Whether a link in folder @dir (relative to the root) with @target
 * resolves inside the tree, going through real folders only: then the
 * lexical answer is the one the kernel will give after unpacking. */
static gboolean
link_stays_inside (Archive    *archive,
                   const char *dir,
                   const char *target)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) dir_parts = NULL;
  g_auto(GStrv) parts = NULL;
  guint n_parts;

  if (*target == '\0' || g_path_is_absolute (target))
    return FALSE;

  dir_parts = g_strsplit (dir, "/", -1);
  for (guint i = 0; dir_parts[i] != NULL; i++)
    if (*dir_parts[i] != '\0')
      g_ptr_array_add (stack, g_strdup (dir_parts[i]));

  parts = g_strsplit (target, "/", -1);
  n_parts = g_strv_length (parts);
  for (guint i = 0; i < n_parts; i++)
    {
      const char *part = parts[i];
      gboolean last = TRUE;

      for (guint j = i + 1; j < n_parts; j++)
        if (*parts[j] != '\0' && !g_str_equal (parts[j], "."))
          last = FALSE;

      if (*part == '\0' || g_str_equal (part, "."))
        continue;

      if (g_str_equal (part, ".."))
        {
          if (stack->len == 0)
            return FALSE;
          g_ptr_array_remove_index (stack, stack->len - 1);
          continue;
        }

      g_ptr_array_add (stack, g_strdup (part));
      if (!last)
        {
          g_autofree char *so_far = NULL;

          g_ptr_array_add (stack, NULL);
          so_far = g_strjoinv ("/", (char **) stack->pdata);
          g_ptr_array_remove_index (stack, stack->len - 1);
          /* A link on the way would be followed after unpacking; an
           * excluded folder will not be there. */
          if (g_str_equal (part, ".git") || g_str_equal (part, "node_modules") ||
              !forge_repo_test (archive->root_dir, so_far, FORGE_REPO_TEST_IS_DIR))
            return FALSE;
        }
    }

  return TRUE;
}

static gboolean
add_file (Archive            *archive,
          int                 dir_fd,
          const char         *name,
          const char         *path,
          GError            **error)
{
  guint8 *buffer = NULL;
  guint64 remaining;
  struct stat st;
  gboolean ok = FALSE;
  int fd;

  /* As forge_open_repo_file(): never follow, never block on a FIFO. */
  fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      /* Swapped for a symlink or removed since it was listed: skip. */
      if (saved == ELOOP || saved == ENOENT)
        {
          archive->n_skipped++;
          return TRUE;
        }
      return io_error (error, saved, path);
    }

  if (fstat (fd, &st) != 0)
    {
      io_error (error, errno, path);
      goto out;
    }
  if (!S_ISREG (st.st_mode))
    {
      archive->n_skipped++;
      ok = TRUE;
      goto out;
    }

  /* Refused from the size it claims, before reading any of it: a
   * sparse file can claim terabytes. */
  if ((guint64) st.st_size > USTAR_MAX_SIZE ||
      archive->total + 2 * BLOCK + (guint64) st.st_size > archive->max_size)
    {
      too_large (archive, error);
      goto out;
    }

  if (!write_header (archive, path, '0', st.st_mode, st.st_size, st.st_mtime, NULL, error))
    goto out;

  buffer = g_malloc (READ_CHUNK);
  remaining = st.st_size;
  while (remaining > 0)
    {
      gssize n = read (fd, buffer, MIN (remaining, (guint64) READ_CHUNK));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          io_error (error, errno, path);
          goto out;
        }
      if (n == 0)
        {
          /* It shrank while read: the header promised its old size. */
          g_debug ("%s shrank while it was archived", path);
          memset (buffer, 0, READ_CHUNK);
          while (remaining > 0)
            {
              gsize len = MIN (remaining, (guint64) READ_CHUNK);

              if (!emit (archive, buffer, len, error))
                goto out;
              remaining -= len;
            }
          break;
        }
      if (!emit (archive, buffer, n, error))
        goto out;
      remaining -= n;

      if (g_cancellable_set_error_if_cancelled (archive->cancellable, error))
        goto out;
    }

  ok = emit_padding (archive, st.st_size, error);

out:
  g_free (buffer);
  close (fd);
  return ok;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
add_dir (Archive     *archive,
         int          dir_fd,
         const char  *prefix,
         guint        depth,
         GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *entry;
  DIR *dir;
  int list_fd;

  if (depth > MAX_DEPTH)
    {
      g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE,
                   _("Refused to upload %s: its folders are nested more than %u deep"),
                   prefix, MAX_DEPTH);
      return FALSE;
    }

  list_fd = dup (dir_fd);
  if (list_fd < 0 || (dir = fdopendir (list_fd)) == NULL)
    {
      int saved = errno;

      if (list_fd >= 0)
        close (list_fd);
      return io_error (error, saved, *prefix != '\0' ? prefix : ".");
    }
  while ((entry = readdir (dir)) != NULL)
    {
      if (g_str_equal (entry->d_name, ".") || g_str_equal (entry->d_name, ".."))
        continue;
      if (names->len >= MAX_DIR_ENTRIES)
        {
          closedir (dir);
          g_set_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE,
                       _("Refused to upload %s: it holds more than %u entries"),
                       *prefix != '\0' ? prefix : ".", MAX_DIR_ENTRIES);
          return FALSE;
        }
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  closedir (dir);
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = NULL;
      struct stat st;

      if (g_cancellable_set_error_if_cancelled (archive->cancellable, error))
        return FALSE;

      /* The history stays here; dependencies are installed there. */
      if (g_str_equal (name, ".git") || g_str_equal (name, "node_modules"))
        continue;

      path = join (prefix, name);
      if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          if (errno == ENOENT)
            continue;
          return io_error (error, errno, path);
        }

      if (S_ISDIR (st.st_mode))
        {
          g_autofree char *dir_path = g_strconcat (path, "/", NULL);
          gboolean ok;
          int child_fd;

          child_fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
          if (child_fd < 0)
            {
              /* Swapped for something else since: skip it. */
              if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
                {
                  archive->n_skipped++;
                  continue;
                }
              return io_error (error, errno, path);
            }

          ok = write_header (archive, dir_path, '5', st.st_mode, 0, st.st_mtime, NULL, error) &&
               add_dir (archive, child_fd, path, depth + 1, error);
          close (child_fd);
          if (!ok)
            return FALSE;
        }
      else if (S_ISREG (st.st_mode))
        {
          if (!add_file (archive, dir_fd, name, path, error))
            return FALSE;
        }
      else if (S_ISLNK (st.st_mode))
        {
          char target[4096];
          gssize len = readlinkat (dir_fd, name, target, sizeof target);

          if (len < 0 || (gsize) len >= sizeof target || memchr (target, '\0', len) != NULL)
            {
              archive->n_skipped++;
              continue;
            }
          target[len] = '\0';

          if (!link_stays_inside (archive, prefix, target))
            {
              g_debug ("Not uploading the symlink %s: it points out of the project", path);
              archive->n_skipped++;
              continue;
            }

          if (!write_header (archive, path, '2', 0777, 0, st.st_mtime, target, error))
            return FALSE;
        }
      else
        {
          /* FIFOs, sockets and devices mean nothing in another machine. */
          archive->n_skipped++;
        }
    }

  return TRUE;
}

gboolean
forge_workspace_archive_write (const char                         *root_dir,
                               GOutputStream                      *output,
                               ForgeWorkspaceArchiveCompression    compression,
                               guint64                             max_size,
                               ForgeWorkspaceArchiveProgressFunc   progress,
                               gpointer                            progress_data,
                               char                              **sha256,
                               guint64                            *size,
                               GCancellable                       *cancellable,
                               GError                            **error)
{
  static const guint8 end[2 * BLOCK];
  g_autoptr(GOutputStream) compressed = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  Archive archive = { 0 };
  gboolean ok;
  int root_fd;

  g_return_val_if_fail (root_dir != NULL, FALSE);
  g_return_val_if_fail (output == NULL || G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (output != NULL && compression == FORGE_WORKSPACE_ARCHIVE_GZIP)
    {
      g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);

      compressed = g_converter_output_stream_new (output, G_CONVERTER (compressor));
      g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (compressed), FALSE);
    }

  archive.root_dir = root_dir;
  archive.output = compressed != NULL ? compressed : output;
  archive.checksum = checksum;
  archive.max_size = max_size;
  archive.progress = progress;
  archive.progress_data = progress_data;
  archive.cancellable = cancellable;

  /* The root is the host's own folder: it may be reached through links
   * the user set up. Nothing below it is followed. */
  root_fd = open (root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return io_error (error, errno, root_dir);

  ok = add_dir (&archive, root_fd, "", 0, error) &&
       emit (&archive, end, sizeof end, error);
  close (root_fd);

  /* Closing the converter writes the gzip trailer (not closing @output). */
  if (ok && compressed != NULL)
    ok = g_output_stream_close (compressed, cancellable, error);
  if (!ok)
    return FALSE;

  if (archive.n_skipped > 0)
    g_debug ("Left %u links, FIFOs or devices out of the upload of %s", archive.n_skipped, root_dir);
  if (progress != NULL)
    progress (archive.total, progress_data);
  if (sha256 != NULL)
    *sha256 = g_strdup (g_checksum_get_string (checksum));
  if (size != NULL)
    *size = archive.total;
  return TRUE;
}
