/* forge-git-checkout.c
 *
 * Every checkout of forge-git.c (a clone's, a tag's or a pull request's,
 * an update's, a submodule's) goes through here, for two reasons:
 *
 * - Size first. A pack of a few megabytes can hold a blob of gigabytes
 *   of zeros; a cap on what is received does not see it. The tree is
 *   walked and each blob's size read from its header (nothing inflated)
 *   before anything is written, and that total goes to the progress
 *   function, whose cap can cancel.
 *
 * - Big blobs streamed. libgit2 (1.5) inflates every blob whole in
 *   memory to write it (measured: 1.06 GB of memory for a file of 1 GB),
 *   and the checkout runs in the app's own process. Blobs from a
 *   threshold up are left out of libgit2's checkout (a pathspec) and
 *   inflated here in chunks, from the pack or the loose object, straight
 *   to their file; their index entries are added afterwards.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-git"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "forge-git-checkout-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_tree, git_tree_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_odb, git_odb_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_index, git_index_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_pathspec, git_pathspec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_filter_list, git_filter_list_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_blob, git_blob_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (git_buf, git_buf_dispose)

/* What is read from the pack, and written to the file, at a time. */
#define CHUNK_SIZE (64 * 1024)
/* Tree entries between two looks at the cancellable. */
#define CANCEL_CHECK_INTERVAL 256

#define SHA1_SIZE 20
#define PACK_IDX_HEADER_SIZE (8 + 256 * 4)
/* Each .idx and .pack ends with checksums: two SHA-1 and one. */
#define PACK_IDX_TRAILER_SIZE (2 * SHA1_SIZE)
#define PACK_TRAILER_SIZE SHA1_SIZE
#define PACK_HEADER_SIZE 12

/* No symbolic link's target is longer (PATH_MAX); libgit2 reads a link's
 * blob whole to make it. */
#define LINK_MAX_SIZE 4096
/* .gitattributes, .gitignore and .gitmodules: libgit2 reads each whole
 * (checkout, status, submodules), whatever their size. Real ones are
 * kilobytes. */
#define GIT_FILE_MAX_SIZE (16 * 1024 * 1024)

#define PACK_OBJ_BLOB 3
#define PACK_OBJ_OFS_DELTA 6
#define PACK_OBJ_REF_DELTA 7

static guint64 stream_threshold = FORGE_GIT_STREAM_THRESHOLD_DEFAULT;
static guint64 memory_bound = FORGE_GIT_MEMORY_BOUND_DEFAULT;

void
_forge_git_checkout_set_limits (guint64 new_stream_threshold,
                                guint64 new_memory_bound)
{
  stream_threshold = new_stream_threshold > 0 ? new_stream_threshold : FORGE_GIT_STREAM_THRESHOLD_DEFAULT;
  memory_bound = new_memory_bound > 0 ? new_memory_bound : FORGE_GIT_MEMORY_BOUND_DEFAULT;
}

/* A file this file writes itself rather than libgit2. */
typedef struct
{
  char           *path;
  git_oid         id;
  git_filemode_t  mode;
  guint64         size;
} OwnFile;

static void
own_file_free (gpointer data)
{
  OwnFile *file = data;

  g_free (file->path);
  g_free (file);
}

typedef struct
{
  git_repository    *repo;
  const char        *url;
  ForgeGitOperation *op;
  git_odb           *odb;
  /* With a trailing '/', as libgit2 gives it. */
  const char        *work_tree;
  GPtrArray         *own;           /* OwnFile, in tree order */
  GHashTable        *own_by_path;   /* path → OwnFile, unowned */
  git_pathspec      *pathspec;
  guint64            files;
  guint64            bytes;
  guint              seen;
  /* Set by a walk that failed on its own (not libgit2's doing). */
  GError            *walk_error;
} Checkout;

/* A path from a tree, shown in a one-line message: valid UTF-8, no
 * control characters (a name can hold a newline). */
static char *
dup_display_path (const char *path)
{
  char *shown = g_utf8_make_valid (path, -1);

  for (char *p = shown; *p; p++)
    if (g_ascii_iscntrl (*p))
      *p = '?';
  return shown;
}

static char *
dup_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static gboolean
set_damaged (GError     **error,
             const char  *path,
             const char  *detail)
{
  g_autofree char *shown = dup_display_path (path);

  g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
               _("“%s” could not be checked out: its data in the clone is damaged (%s). Remove the project, then open it again."),
               shown, detail);
  return FALSE;
}

static gboolean
set_too_big (GError     **error,
             const char  *path,
             guint64      size,
             const char  *why)
{
  g_autofree char *shown = dup_display_path (path);
  g_autofree char *size_text = dup_size (size);
  g_autofree char *bound_text = dup_size (memory_bound);

  g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG,
               _("“%s” (%s) could not be checked out: %s, which needs it whole in memory, and only files up to %s are checked out that way. Make it smaller or remove it from the repository, then try again."),
               shown, size_text, why, bound_text);
  return FALSE;
}

static gboolean
set_cancelled (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Size first                                                         */
/* ------------------------------------------------------------------ */

static int
size_walk_cb (const char           *root,
              const git_tree_entry *entry,
              void                 *payload)
{
  Checkout *co = payload;
  git_filemode_t mode = git_tree_entry_filemode (entry);
  git_object_t type;
  size_t size;
  int rc;

  if (++co->seen % CANCEL_CHECK_INTERVAL == 0 && _forge_git_operation_cancelled (co->op))
    return GIT_EUSER;

  /* Trees are walked into; a submodule is checked out on its own. */
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE && mode != GIT_FILEMODE_LINK)
    return 0;

  /* The header only: the object's type and size, nothing inflated. */
  if ((rc = git_odb_read_header (&size, &type, co->odb, git_tree_entry_id (entry))) != 0)
    return rc;

  co->files++;
  co->bytes = co->bytes + size >= co->bytes ? co->bytes + size : G_MAXUINT64;

  if (mode == GIT_FILEMODE_LINK && size > LINK_MAX_SIZE)
    {
      g_autofree char *path = g_strconcat (root, git_tree_entry_name (entry), NULL);
      g_autofree char *shown = dup_display_path (path);
      g_autofree char *size_text = dup_size (size);

      g_set_error (&co->walk_error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG,
                   _("“%s” could not be checked out: it is a symbolic link of %s, longer than any link can be. Remove it from the repository, then try again."),
                   shown, size_text);
      return GIT_EUSER;
    }

  if (size > GIT_FILE_MAX_SIZE &&
      (g_str_equal (git_tree_entry_name (entry), ".gitattributes") ||
       g_str_equal (git_tree_entry_name (entry), ".gitignore") ||
       g_str_equal (git_tree_entry_name (entry), ".gitmodules")))
    {
      g_autofree char *path = g_strconcat (root, git_tree_entry_name (entry), NULL);
      g_autofree char *shown = dup_display_path (path);
      g_autofree char *size_text = dup_size (size);
      g_autofree char *bound_text = dup_size (GIT_FILE_MAX_SIZE);

      g_set_error (&co->walk_error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG,
                   _("“%s” (%s) could not be checked out: Git reads it whole, and reads such files up to %s. Make it smaller, then try again."),
                   shown, size_text, bound_text);
      return GIT_EUSER;
    }

  /* Symbolic links stay libgit2's: small, as above. */
  if (mode != GIT_FILEMODE_LINK && size >= stream_threshold)
    {
      OwnFile *file = g_new0 (OwnFile, 1);

      file->path = g_strconcat (root, git_tree_entry_name (entry), NULL);
      git_oid_cpy (&file->id, git_tree_entry_id (entry));
      file->mode = mode;
      file->size = size;
      g_ptr_array_add (co->own, file);
      g_hash_table_insert (co->own_by_path, file->path, file);
    }

  return 0;
}

/* "!<path>" with every byte but [A-Za-z0-9/] escaped: fnmatch then reads
 * the path literally ('*', '[', a leading '!', spaces, a newline). */
static char *
dup_exclusion (const char *path)
{
  GString *pattern = g_string_new ("!");

  for (const char *p = path; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '/')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  return g_string_free (pattern, FALSE);
}

/* Whether libgit2's checkout, with co->pathspec, writes path; the very
 * function its checkout asks (both end in git_pathspec__match()). */
static gboolean
pathspec_includes (Checkout   *co,
                   const char *path)
{
  return co->pathspec == NULL || git_pathspec_matches_path (co->pathspec, GIT_PATHSPEC_DEFAULT, path) != 0;
}

/* Checks the pathspec against every path of the tree: each own file is
 * left out, everything else is in. A pattern that would leave out
 * another file makes that file ours too (a link cannot be). */
static int
verify_walk_cb (const char           *root,
                const git_tree_entry *entry,
                void                 *payload)
{
  Checkout *co = payload;
  git_filemode_t mode = git_tree_entry_filemode (entry);
  g_autofree char *path = NULL;
  OwnFile *own;
  gboolean included;

  if (++co->seen % CANCEL_CHECK_INTERVAL == 0 && _forge_git_operation_cancelled (co->op))
    return GIT_EUSER;

  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE && mode != GIT_FILEMODE_LINK)
    return 0;

  path = g_strconcat (root, git_tree_entry_name (entry), NULL);
  own = g_hash_table_lookup (co->own_by_path, path);
  included = pathspec_includes (co, path);

  if (own != NULL && included)
    {
      /* libgit2 would write it whole in memory. */
      if (own->size > memory_bound)
        {
          set_too_big (&co->walk_error, path, own->size, _("its name cannot be left out of Git’s checkout"));
          return GIT_EUSER;
        }
      g_hash_table_remove (co->own_by_path, path);
      g_ptr_array_remove (co->own, own);
    }
  else if (own == NULL && !included)
    {
      git_object_t type;
      size_t size;
      int rc;

      if (mode == GIT_FILEMODE_LINK)
        {
          g_autofree char *shown = dup_display_path (path);

          g_set_error (&co->walk_error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                       _("“%s” could not be checked out: its name cannot be told apart from another file’s. Rename it in the repository, then try again."),
                       shown);
          return GIT_EUSER;
        }
      if ((rc = git_odb_read_header (&size, &type, co->odb, git_tree_entry_id (entry))) != 0)
        return rc;

      own = g_new0 (OwnFile, 1);
      own->path = g_steal_pointer (&path);
      git_oid_cpy (&own->id, git_tree_entry_id (entry));
      own->mode = mode;
      own->size = size;
      g_ptr_array_add (co->own, own);
      g_hash_table_insert (co->own_by_path, own->path, own);
    }

  return 0;
}

static int
build_pathspec (Checkout      *co,
                git_strarray  *paths,
                GPtrArray     *patterns)
{
  int rc;

  for (guint i = 0; i < co->own->len; i++)
    g_ptr_array_add (patterns, dup_exclusion (((OwnFile *) g_ptr_array_index (co->own, i))->path));
  /* After the exclusions: the first pattern that matches decides, and
   * "*" first would take every path in. */
  g_ptr_array_add (patterns, g_strdup ("*"));

  paths->strings = (char **) patterns->pdata;
  paths->count = patterns->len;

  if ((rc = git_pathspec_new (&co->pathspec, paths)) != 0)
    return rc;

  co->seen = 0;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Writing a file                                                     */
/* ------------------------------------------------------------------ */

static gboolean
component_is_valid (const char *name)
{
  return *name != '\0' && !g_str_equal (name, ".") && !g_str_equal (name, "..") &&
         g_ascii_strcasecmp (name, ".git") != 0;
}

/* Creates path below the work tree, a component at a time: folders
 * made as needed and opened without following a symlink, the file
 * itself new (O_EXCL), never through a symlink. */
static int
create_file (Checkout    *co,
             OwnFile     *file,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (file->path, "/", -1);
  guint n = g_strv_length (parts);
  int saved_errno = 0;
  int dir_fd;
  int fd = -1;

  for (guint i = 0; i < n; i++)
    if (!component_is_valid (parts[i]))
      {
        g_autofree char *shown = dup_display_path (file->path);

        g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                     _("“%s” could not be checked out: its path is not one a work tree can hold. Rename it in the repository, then try again."),
                     shown);
        return -1;
      }

  dir_fd = open (co->work_tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (guint i = 0; dir_fd >= 0 && i + 1 < n; i++)
    {
      int child = -1;

      if (mkdirat (dir_fd, parts[i], 0755) == 0 || errno == EEXIST)
        child = openat (dir_fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      saved_errno = errno;
      close (dir_fd);
      dir_fd = child;
    }

  if (dir_fd >= 0)
    {
      fd = openat (dir_fd, parts[n - 1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   file->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644);
      saved_errno = errno;
      close (dir_fd);
    }
  else if (saved_errno == 0)
    saved_errno = errno;

  if (fd < 0)
    {
      g_autofree char *shown = dup_display_path (file->path);

      _forge_git_set_error_from_errno (error, saved_errno,
                                       g_strdup_printf (_("Could not write “%s” in the checkout: %s."),
                                                        shown, g_strerror (saved_errno)));
    }
  return fd;
}

static gboolean
write_all (int          fd,
           const void  *data,
           gsize        len,
           const char  *path,
           GError     **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = write (fd, p, MIN (len, (gsize) G_MAXSSIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          g_autofree char *shown = dup_display_path (path);

          return _forge_git_set_error_from_errno (error, saved_errno,
                                                  g_strdup_printf (_("Could not write “%s” in the checkout: %s."),
                                                                   shown, g_strerror (saved_errno)));
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Streaming a blob                                                   */
/* ------------------------------------------------------------------ */

/* Where inflated bytes go: the hash of the object, and the file. */
typedef struct
{
  Checkout   *co;
  OwnFile    *file;
  int         fd;
  GChecksum  *sha1;
  guint64     written;
  /* A loose object inflates to "blob <size>\0" first: gathered here,
   * checked, then the content follows. */
  gboolean    header_pending;
  GString    *header;
} Sink;

static gboolean
sink_take (Sink          *sink,
           const guint8  *data,
           gsize          len,
           GError       **error)
{
  g_checksum_update (sink->sha1, data, len);

  if (sink->header_pending)
    {
      const guint8 *nul = memchr (data, '\0', len);
      gsize header_part = nul != NULL ? (gsize) (nul - data) : len;
      g_autofree char *expected = NULL;

      g_string_append_len (sink->header, (const char *) data, header_part);
      if (sink->header->len > 32)
        return set_damaged (error, sink->file->path, _("bad object header"));
      if (nul == NULL)
        return TRUE;

      expected = g_strdup_printf ("blob %" G_GUINT64_FORMAT, sink->file->size);
      if (!g_str_equal (sink->header->str, expected))
        return set_damaged (error, sink->file->path, _("bad object header"));

      sink->header_pending = FALSE;
      data += header_part + 1;
      len -= header_part + 1;
    }

  if (len > sink->file->size - sink->written)
    return set_damaged (error, sink->file->path, _("longer than its size"));
  if (!write_all (sink->fd, data, len, sink->file->path, error))
    return FALSE;
  sink->written += len;
  return TRUE;
}

static gssize
pread_full (int     fd,
            void   *buf,
            gsize   len,
            guint64 offset)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = pread (fd, (guint8 *) buf + done, len - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

/* Inflates the zlib stream at offset in src_fd into sink, a chunk at a
 * time; the stream must end there, with exactly the blob's bytes. */
static gboolean
inflate_to_sink (int      src_fd,
                 guint64  offset,
                 Sink    *sink,
                 GError **error)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  g_autofree guint8 *in = g_malloc (CHUNK_SIZE);
  g_autofree guint8 *out = g_malloc (CHUNK_SIZE);
  gsize in_len = 0;
  gsize in_pos = 0;
  gboolean at_end = FALSE;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GConverterResult result;
      gsize bytes_read = 0;
      gsize bytes_written = 0;

      if (_forge_git_operation_cancelled (sink->co->op))
        return set_cancelled (error);

      if (in_pos == in_len && !at_end)
        {
          gssize n = pread_full (src_fd, in, CHUNK_SIZE, offset);

          if (n < 0)
            {
              g_autofree char *detail = g_strdup (g_strerror (errno));
              return set_damaged (error, sink->file->path, detail);
            }
          offset += n;
          in_len = n;
          in_pos = 0;
          at_end = (gsize) n < CHUNK_SIZE;
        }

      result = g_converter_convert (G_CONVERTER (decompressor), in + in_pos, in_len - in_pos,
                                    out, CHUNK_SIZE,
                                    at_end ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                    &bytes_read, &bytes_written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          /* Needs more than this chunk held: read on, unless the file
           * ended (a cut stream). */
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
              in_pos == in_len && !at_end)
            continue;
          return set_damaged (error, sink->file->path,
                              g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)
                                ? _("cut short") : local_error->message);
        }

      in_pos += bytes_read;
      if (bytes_written > 0 && !sink_take (sink, out, bytes_written, error))
        return FALSE;

      if (result == G_CONVERTER_FINISHED)
        break;
      /* zlib made no progress with input and room for output. */
      if (bytes_read == 0 && bytes_written == 0 && (in_pos < in_len || at_end))
        return set_damaged (error, sink->file->path, _("cut short"));
    }

  if (sink->header_pending || sink->written != sink->file->size)
    return set_damaged (error, sink->file->path, _("shorter than its size"));

  {
    guint8 digest[SHA1_SIZE];
    gsize digest_len = sizeof digest;

    g_checksum_get_digest (sink->sha1, digest, &digest_len);
    if (digest_len != SHA1_SIZE || memcmp (digest, sink->file->id.id, SHA1_SIZE) != 0)
      return set_damaged (error, sink->file->path, _("its content does not match its id"));
  }

  return TRUE;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

typedef enum
{
  LOOKUP_NOT_FOUND,
  LOOKUP_FOUND,
  LOOKUP_FAILED,
} Lookup;

/* Looks id up in one pack index (version 2: magic, version, fanout[256],
 * N names, N CRC-32, N 4-byte offsets whose top bit points into a table
 * of 8-byte ones, then the checksums), by pread, every field checked
 * against the file's size. */
static Lookup
find_in_idx (int            idx_fd,
             const git_oid *id,
             guint64       *offset_out)
{
  static const guint8 magic[4] = { 0xff, 't', 'O', 'c' };
  guint8 header[PACK_IDX_HEADER_SIZE];
  guint8 name[SHA1_SIZE];
  guint8 word[8];
  struct stat st;
  guint64 n, lo, hi, size, offsets_at, large_at;
  guint first = id->id[0];
  guint32 offset32;

  if (fstat (idx_fd, &st) != 0 || !S_ISREG (st.st_mode))
    return LOOKUP_FAILED;
  size = st.st_size;

  if (pread_full (idx_fd, header, sizeof header, 0) != sizeof header ||
      memcmp (header, magic, sizeof magic) != 0 || read_be32 (header + 4) != 2)
    return LOOKUP_FAILED;

  n = read_be32 (header + 8 + 255 * 4);
  /* The names, CRCs and offsets all fit, before the checksums. */
  if (size < PACK_IDX_HEADER_SIZE + PACK_IDX_TRAILER_SIZE ||
      n > (size - PACK_IDX_HEADER_SIZE - PACK_IDX_TRAILER_SIZE) / (SHA1_SIZE + 4 + 4))
    return LOOKUP_FAILED;

  lo = first == 0 ? 0 : read_be32 (header + 8 + (first - 1) * 4);
  hi = read_be32 (header + 8 + first * 4);
  if (lo > hi || hi > n)
    return LOOKUP_FAILED;

  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;
      int cmp;

      if (pread_full (idx_fd, name, SHA1_SIZE, PACK_IDX_HEADER_SIZE + mid * SHA1_SIZE) != SHA1_SIZE)
        return LOOKUP_FAILED;
      cmp = memcmp (id->id, name, SHA1_SIZE);
      if (cmp == 0)
        {
          lo = mid;
          break;
        }
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  if (lo >= hi)
    return LOOKUP_NOT_FOUND;

  offsets_at = PACK_IDX_HEADER_SIZE + n * (SHA1_SIZE + 4);
  if (pread_full (idx_fd, word, 4, offsets_at + lo * 4) != 4)
    return LOOKUP_FAILED;
  offset32 = read_be32 (word);

  if ((offset32 & 0x80000000u) == 0)
    {
      *offset_out = offset32;
      return LOOKUP_FOUND;
    }

  large_at = offsets_at + n * 4;
  if ((guint64) (offset32 & 0x7fffffffu) >= (size - PACK_IDX_TRAILER_SIZE - large_at) / 8 ||
      pread_full (idx_fd, word, 8, large_at + (guint64) (offset32 & 0x7fffffffu) * 8) != 8)
    return LOOKUP_FAILED;
  *offset_out = ((guint64) read_be32 (word) << 32) | read_be32 (word + 4);
  return LOOKUP_FOUND;
}

/* The pack holding id, open in *pack_fd, and the object's offset in
 * it. LOOKUP_FAILED when no pack has it and some index, or the pack it
 * names, could not be read. */
static Lookup
open_pack_with (const char    *objects_dir,
                const git_oid *id,
                int           *pack_fd,
                guint64       *offset)
{
  g_autofree char *pack_dir = g_build_filename (objects_dir, "pack", NULL);
  g_autoptr(GDir) dir = g_dir_open (pack_dir, 0, NULL);
  gboolean damaged = FALSE;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *idx_path = NULL;
      g_autofree char *pack_path = NULL;
      g_autofree char *stem = NULL;
      Lookup found;
      int idx_fd;

      if (!g_str_has_prefix (name, "pack-") || !g_str_has_suffix (name, ".idx"))
        continue;

      idx_path = g_build_filename (pack_dir, name, NULL);
      if ((idx_fd = open (idx_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        found = LOOKUP_FAILED;
      else
        {
          found = find_in_idx (idx_fd, id, offset);
          close (idx_fd);
        }
      damaged |= found == LOOKUP_FAILED;
      if (found != LOOKUP_FOUND)
        continue;

      stem = g_strndup (idx_path, strlen (idx_path) - strlen (".idx"));
      pack_path = g_strconcat (stem, ".pack", NULL);
      *pack_fd = open (pack_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      return *pack_fd >= 0 ? LOOKUP_FOUND : LOOKUP_FAILED;
    }

  return damaged ? LOOKUP_FAILED : LOOKUP_NOT_FOUND;
}

typedef enum
{
  STREAM_DONE,
  STREAM_FAILED,
  /* Not a plain blob where this file can read it (a delta, or not in a
   * pack or a loose object): libgit2 has to put it together. */
  STREAM_CANNOT,
} Stream;

static Stream
stream_from_pack (Sink     *sink,
                  int       pack_fd,
                  guint64   offset,
                  GError  **error)
{
  guint8 header[PACK_HEADER_SIZE];
  guint8 object[16];
  struct stat st;
  guint64 size;
  guint shift = 4;
  guint used = 1;
  guint type;
  gssize n;

  if (fstat (pack_fd, &st) != 0 || !S_ISREG (st.st_mode) ||
      pread_full (pack_fd, header, sizeof header, 0) != sizeof header ||
      memcmp (header, "PACK", 4) != 0 ||
      (read_be32 (header + 4) != 2 && read_be32 (header + 4) != 3) ||
      offset < PACK_HEADER_SIZE || offset >= (guint64) st.st_size - MIN ((guint64) st.st_size, PACK_TRAILER_SIZE))
    {
      set_damaged (error, sink->file->path, _("bad pack"));
      return STREAM_FAILED;
    }

  /* Type in bits 4-6 of the first byte, the size in 4 bits then 7 a
   * byte while the top bit is set. */
  n = pread_full (pack_fd, object, sizeof object, offset);
  if (n < 1)
    {
      set_damaged (error, sink->file->path, _("bad pack"));
      return STREAM_FAILED;
    }
  type = (object[0] >> 4) & 7;
  size = object[0] & 15;
  while (object[used - 1] & 0x80)
    {
      if (used >= (guint) n || shift > 57)
        {
          set_damaged (error, sink->file->path, _("bad object header"));
          return STREAM_FAILED;
        }
      size |= (guint64) (object[used] & 0x7f) << shift;
      shift += 7;
      used++;
    }

  if (type == PACK_OBJ_OFS_DELTA || type == PACK_OBJ_REF_DELTA)
    return STREAM_CANNOT;
  if (type != PACK_OBJ_BLOB || size != sink->file->size)
    {
      set_damaged (error, sink->file->path, _("bad object header"));
      return STREAM_FAILED;
    }

  {
    g_autofree char *object_header = g_strdup_printf ("blob %" G_GUINT64_FORMAT, size);

    /* The pack holds the content only; the id hashes the header too. */
    g_checksum_update (sink->sha1, (const guint8 *) object_header, strlen (object_header) + 1);
  }

  return inflate_to_sink (pack_fd, offset + used, sink, error) ? STREAM_DONE : STREAM_FAILED;
}

static Stream
stream_blob (Checkout  *co,
             OwnFile   *file,
             int        fd,
             GError   **error)
{
  g_autofree char *objects_dir = g_build_filename (git_repository_path (co->repo), "objects", NULL);
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autoptr(GString) header = g_string_new (NULL);
  Sink sink = {
    .co = co,
    .file = file,
    .fd = fd,
    .sha1 = sha1,
    .header = header,
  };
  guint64 offset = 0;
  int src_fd = -1;
  Lookup in_pack;
  Stream result;

  if ((in_pack = open_pack_with (objects_dir, &file->id, &src_fd, &offset)) == LOOKUP_FOUND)
    {
      result = stream_from_pack (&sink, src_fd, offset, error);
      close (src_fd);
      return result;
    }

  /* A loose object: objects/xx/<38 hex>, the zlib of header and content. */
  {
    char hex[GIT_OID_HEXSZ + 1];
    g_autofree char *loose = NULL;

    git_oid_tostr (hex, sizeof hex, &file->id);
    loose = g_strdup_printf ("%s/%.2s/%s", objects_dir, hex, hex + 2);
    if ((src_fd = open (loose, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
      {
        if (in_pack == LOOKUP_FAILED)
          {
            set_damaged (error, file->path, _("bad pack index"));
            return STREAM_FAILED;
          }
        return STREAM_CANNOT;
      }
  }

  sink.header_pending = TRUE;
  result = inflate_to_sink (src_fd, 0, &sink, error) ? STREAM_DONE : STREAM_FAILED;
  close (src_fd);
  return result;
}

/* What cannot be streamed, whole in memory through libgit2, up to
 * memory_bound: a delta, or a file .gitattributes converts. */
static gboolean
write_in_memory (Checkout         *co,
                 OwnFile          *file,
                 git_filter_list  *filters,
                 int               fd,
                 const char       *why,
                 GError          **error)
{
  g_autoptr(git_blob) blob = NULL;
  g_auto(git_buf) filtered = GIT_BUF_INIT;
  int rc;

  if (file->size > memory_bound)
    return set_too_big (error, file->path, file->size, why);

  if ((rc = git_blob_lookup (&blob, co->repo, &file->id)) != 0 ||
      (filters != NULL && (rc = git_filter_list_apply_to_blob (&filtered, filters, blob)) != 0))
    return _forge_git_set_error_from_libgit2 (error, co->op, rc, co->url);

  if (filters != NULL)
    return write_all (fd, filtered.ptr, filtered.size, file->path, error);
  return write_all (fd, git_blob_rawcontent (blob), git_blob_rawsize (blob), file->path, error);
}

static gboolean
write_own_file (Checkout  *co,
                OwnFile   *file,
                git_index *index,
                GError   **error)
{
  g_autoptr(git_filter_list) filters = NULL;
  git_index_entry entry = { 0 };
  struct stat st;
  gboolean ok;
  int rc;
  int fd;

  /* From the work tree's .gitattributes, which libgit2 has checked out
   * by now, and the git directory's: as libgit2's own checkout would. */
  if ((rc = git_filter_list_load (&filters, co->repo, NULL, file->path,
                                  GIT_FILTER_TO_WORKTREE, GIT_FILTER_DEFAULT)) != 0)
    return _forge_git_set_error_from_libgit2 (error, co->op, rc, co->url);

  if ((fd = create_file (co, file, error)) < 0)
    return FALSE;

  if (filters != NULL)
    ok = write_in_memory (co, file, filters, fd, _("its .gitattributes convert it"), error);
  else
    switch (stream_blob (co, file, fd, error))
      {
      case STREAM_DONE:
        ok = TRUE;
        break;
      case STREAM_CANNOT:
        ok = write_in_memory (co, file, NULL, fd, _("Git stores it as a delta"), error);
        break;
      case STREAM_FAILED:
      default:
        ok = FALSE;
        break;
      }

  if (ok && fstat (fd, &st) != 0)
    {
      int saved_errno = errno;
      g_autofree char *shown = dup_display_path (file->path);

      ok = _forge_git_set_error_from_errno (error, saved_errno,
                                            g_strdup_printf (_("Could not write “%s” in the checkout: %s."),
                                                             shown, g_strerror (saved_errno)));
    }
  close (fd);
  if (!ok)
    return FALSE;

  /* As libgit2 fills an entry from a stat (git_index_entry__init_from_
   * stat(), st_rdev for dev included), so that status compares equal
   * and never hashes the file again. */
  entry.ctime.seconds = (gint32) st.st_ctim.tv_sec;
  entry.mtime.seconds = (gint32) st.st_mtim.tv_sec;
  if (git_libgit2_features () & GIT_FEATURE_NSEC)
    {
      entry.ctime.nanoseconds = st.st_ctim.tv_nsec;
      entry.mtime.nanoseconds = st.st_mtim.tv_nsec;
    }
  entry.dev = st.st_rdev;
  entry.ino = st.st_ino;
  entry.mode = file->mode;
  entry.uid = st.st_uid;
  entry.gid = st.st_gid;
  entry.file_size = (guint32) st.st_size;
  git_oid_cpy (&entry.id, &file->id);
  entry.path = file->path;

  /* An update's index may still list files below a folder of the old
   * tree where this file now is: the pathspec kept libgit2 off them. */
  if ((rc = git_index_remove_directory (index, file->path, 0)) != 0 ||
      (rc = git_index_add (index, &entry)) != 0)
    return _forge_git_set_error_from_libgit2 (error, co->op, rc, co->url);

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The checkout                                                       */
/* ------------------------------------------------------------------ */

static gboolean
fail_walk (Checkout  *co,
           int        rc,
           GError   **error)
{
  if (co->walk_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&co->walk_error));
      return FALSE;
    }
  if (_forge_git_operation_cancelled (co->op))
    return set_cancelled (error);
  return _forge_git_set_error_from_libgit2 (error, co->op, rc, co->url);
}

gboolean
_forge_git_checkout (git_repository     *repo,
                     git_commit         *commit,
                     const char         *url,
                     ForgeGitOperation  *op,
                     GError            **error)
{
  g_autoptr(git_tree) tree = NULL;
  g_autoptr(git_odb) odb = NULL;
  g_autoptr(git_index) index = NULL;
  g_autoptr(GPtrArray) own = g_ptr_array_new_with_free_func (own_file_free);
  g_autoptr(GHashTable) own_by_path = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func (g_free);
  git_checkout_options checkout_opts = GIT_CHECKOUT_OPTIONS_INIT;
  Checkout co = {
    .repo = repo,
    .url = url,
    .op = op,
    .own = own,
    .own_by_path = own_by_path,
  };
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (git_repository_workdir (repo) != NULL, FALSE);

  co.work_tree = git_repository_workdir (repo);
  op->checkout_bytes = 0;
  op->checkout_extra = 0;
  op->checkout_steps = 0;

  if ((rc = git_commit_tree (&tree, commit)) != 0 ||
      (rc = git_repository_odb (&odb, repo)) != 0)
    return _forge_git_set_error_from_libgit2 (error, op, rc, url);
  co.odb = odb;

  if ((rc = git_tree_walk (tree, GIT_TREEWALK_PRE, size_walk_cb, &co)) != 0)
    return fail_walk (&co, rc, error);

  /* Before a byte is written: a cap on the workspace's size cancels
   * here, from the progress function. */
  op->checkout_bytes = co.bytes;
  _forge_git_operation_report_now (op, FORGE_GIT_PHASE_CHECKOUT, 0, co.files, co.bytes);
  if (_forge_git_operation_cancelled (op))
    return set_cancelled (error);

  _forge_git_operation_setup_checkout (op, &checkout_opts);
  /* Into an empty folder: whatever the baseline, everything is written. */
  checkout_opts.checkout_strategy = GIT_CHECKOUT_FORCE;

  if (own->len > 0)
    {
      if ((rc = build_pathspec (&co, &checkout_opts.paths, patterns)) != 0 ||
          (rc = git_tree_walk (tree, GIT_TREEWALK_PRE, verify_walk_cb, &co)) != 0)
        {
          ok = fail_walk (&co, rc, error);
          goto out;
        }
    }
  op->checkout_extra = own->len;

  if ((rc = git_checkout_tree (repo, (git_object *) commit, &checkout_opts)) != 0)
    {
      ok = _forge_git_set_error_from_libgit2 (error, op, rc, url);
      goto out;
    }

  if (own->len > 0)
    {
      if ((rc = git_repository_index (&index, repo)) != 0)
        {
          ok = _forge_git_set_error_from_libgit2 (error, op, rc, url);
          goto out;
        }

      for (guint i = 0; i < own->len; i++)
        {
          if (_forge_git_operation_cancelled (op))
            {
              ok = set_cancelled (error);
              goto out;
            }
          if (!write_own_file (&co, g_ptr_array_index (own, i), index, error))
            goto out;
          _forge_git_operation_report (op, FORGE_GIT_PHASE_CHECKOUT, op->checkout_steps + i + 1,
                                       op->checkout_steps + own->len, op->checkout_bytes);
        }

      if ((rc = git_index_write (index)) != 0)
        {
          ok = _forge_git_set_error_from_libgit2 (error, op, rc, url);
          goto out;
        }
    }

  ok = TRUE;

out:
  g_clear_pointer (&co.pathspec, git_pathspec_free);
  g_clear_error (&co.walk_error);
  return ok;
}
