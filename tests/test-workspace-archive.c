/* test-workspace-archive.c
 *
 * The work tree as a tar, checked by unpacking it with the system's tar:
 * what is in it, what is left out (.git, node_modules, links out of the
 * tree, a FIFO), long names, the size bound against a huge sparse file,
 * and a hash that follows the content.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "forge-util.h"
#include "forge-workspace-archive.h"
#include "watchdog.h"

static void
write_file (const char *root,
            const char *path,
            const char *contents,
            int         mode)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (full, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (full, mode), ==, 0);
}

static void
make_link (const char *root,
           const char *path,
           const char *target)
{
  g_autofree char *full = g_build_filename (root, path, NULL);

  g_assert_cmpint (symlink (target, full), ==, 0);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Every path under @root, with its kind and content or target, sorted. */
static char *
describe_tree (const char *root,
               const char *prefix)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *here = g_build_filename (root, prefix, NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  const char *name;

  dir = g_dir_open (here, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *rel = *prefix ? g_build_filename (prefix, names->pdata[i], NULL) : g_strdup (names->pdata[i]);
      g_autofree char *full = g_build_filename (root, rel, NULL);
      struct stat st;

      g_assert_cmpint (lstat (full, &st), ==, 0);
      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (full, NULL);
          g_string_append_printf (out, "L %s -> %s\n", rel, target);
        }
      else if (S_ISDIR (st.st_mode))
        {
          g_autofree char *sub = describe_tree (root, rel);
          g_string_append_printf (out, "D %s\n%s", rel, sub);
        }
      else if (S_ISREG (st.st_mode))
        {
          g_autofree char *contents = NULL;
          g_file_get_contents (full, &contents, NULL, NULL);
          g_string_append_printf (out, "F %s %o %s\n", rel, st.st_mode & 0777, contents);
        }
      else
        g_string_append_printf (out, "? %s\n", rel);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
make_fixture (void)
{
  g_autoptr(GError) error = NULL;
  char *root = g_dir_make_tmp ("forge-archive-XXXXXX", &error);
  g_autofree char *deep = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *fifo = NULL;

  g_assert_no_error (error);
  write_file (root, "package.json", "{\"name\":\"x\"}", 0644);
  write_file (root, "bin/run.sh", "#!/bin/sh\n", 0755);
  write_file (root, "src/index.js", "console.log(1)\n", 0644);
  write_file (root, "src/empty.txt", "", 0600);
  write_file (root, ".env.example", "A=1\n", 0644);
  write_file (root, ".git/config", "[core]\n", 0644);
  write_file (root, "node_modules/vite/index.js", "x", 0644);
  write_file (root, "packages/a/node_modules/b/c.js", "x", 0644);
  write_file (root, "packages/a/.git", "gitdir: ../../.git/modules/a\n", 0644);
  write_file (root, "packages/a/index.js", "a\n", 0644);
  {
    g_autofree char *empty_dir = g_build_filename (root, "empty-dir", NULL);

    g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  }

  /* Past ustar's 100 + 155 bytes: a pax header. */
  {
    g_autofree char *d = g_strnfill (90, 'd');
    g_autofree char *e = g_strnfill (90, 'e');
    g_autofree char *f = g_strnfill (90, 'f');
    g_autofree char *n = g_strnfill (120, 'n');

    deep = g_strdup_printf ("%s/%s/%s", d, e, f);
    long_name = g_strdup_printf ("%s/%s.txt", deep, n);
  }
  write_file (root, long_name, "long\n", 0644);

  /* Links: kept when they stay inside, through real folders. */
  make_link (root, "readme-link", "src/index.js");
  make_link (root, "src/up", "../package.json");
  make_link (root, "src/dir-link", "../bin");
  make_link (root, "out", "../../../../etc/passwd");
  make_link (root, "abs", "/etc/passwd");
  make_link (root, "src/escape", "../..");
  make_link (root, "self", ".");
  make_link (root, "through", "self/../..");
  make_link (root, "into-modules", "node_modules/vite/index.js");
  make_link (root, "dangling", "missing/../x");

  fifo = g_build_filename (root, "src/pipe", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);

  return root;
}

static char *
archive_to_file (const char                       *root,
                 ForgeWorkspaceArchiveCompression  compression,
                 guint64                           max_size,
                 char                            **sha256,
                 GError                          **error)
{
  g_autoptr(GFileIOStream) io = NULL;
  g_autoptr(GFile) file = g_file_new_tmp ("forge-archive-XXXXXX.tar", &io, NULL);
  ForgeTestWatchdog watchdog;
  gboolean ok;

  forge_test_watchdog_start (&watchdog, "archiving a tree with a FIFO");
  ok = forge_workspace_archive_write (root, g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                      compression, max_size, NULL, NULL, sha256, NULL, NULL, error);
  forge_test_watchdog_stop (&watchdog);
  g_io_stream_close (G_IO_STREAM (io), NULL, NULL);
  if (!ok)
    {
      g_file_delete (file, NULL, NULL);
      return NULL;
    }
  return g_file_get_path (file);
}

static char *
extract (const char *archive,
         gboolean    gzip)
{
  g_autoptr(GError) error = NULL;
  char *dest = g_dir_make_tmp ("forge-extract-XXXXXX", &error);
  const char *argv[] = { "tar", gzip ? "-xzf" : "-xf", archive, "-C", dest, NULL };
  int status = -1;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return dest;
}

static void
check_extracted (const char *dest)
{
  g_autofree char *tree = describe_tree (dest, "");

  g_test_message ("%s", tree);
  /* In, as they were. */
  g_assert_nonnull (strstr (tree, "F .env.example 644 A=1\n"));
  g_assert_nonnull (strstr (tree, "F bin/run.sh 755 #!/bin/sh\n"));
  g_assert_nonnull (strstr (tree, "F package.json 644 {\"name\":\"x\"}\n"));
  g_assert_nonnull (strstr (tree, "F src/index.js 644 console.log(1)\n"));
  g_assert_nonnull (strstr (tree, "F src/empty.txt 600 \n"));
  g_assert_nonnull (strstr (tree, "F packages/a/index.js 644 a\n"));
  g_assert_nonnull (strstr (tree, "D empty-dir\n"));
  g_assert_nonnull (strstr (tree, ".txt 644 long\n"));
  g_assert_nonnull (strstr (tree, "L readme-link -> src/index.js\n"));
  g_assert_nonnull (strstr (tree, "L src/up -> ../package.json\n"));
  g_assert_nonnull (strstr (tree, "L src/dir-link -> ../bin\n"));
  g_assert_nonnull (strstr (tree, "L self -> .\n"));

  /* Out. */
  g_assert_null (strstr (tree, ".git"));
  g_assert_null (strstr (tree, "node_modules"));
  g_assert_null (strstr (tree, " out "));
  g_assert_null (strstr (tree, "abs"));
  g_assert_null (strstr (tree, "escape"));
  g_assert_null (strstr (tree, "through"));
  g_assert_null (strstr (tree, "into-modules"));
  g_assert_null (strstr (tree, "dangling"));
  g_assert_null (strstr (tree, "pipe"));
  g_assert_null (strstr (tree, "? "));
}

static void
test_extract (void)
{
  g_autofree char *root = make_fixture ();
  g_autoptr(GError) error = NULL;
  g_autofree char *sha_plain = NULL;
  g_autofree char *sha_gzip = NULL;
  g_autofree char *sha_only = NULL;
  g_autofree char *plain = archive_to_file (root, FORGE_WORKSPACE_ARCHIVE_PLAIN,
                                            FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, &sha_plain, &error);
  g_autofree char *gzip = NULL;
  g_autofree char *dest_plain = NULL;
  g_autofree char *dest_gzip = NULL;
  g_autofree char *whole = NULL;
  g_autofree char *file_sha = NULL;
  gsize whole_len;
  guint64 size = 0;

  g_assert_no_error (error);
  gzip = archive_to_file (root, FORGE_WORKSPACE_ARCHIVE_GZIP, FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, &sha_gzip, &error);
  g_assert_no_error (error);

  dest_plain = extract (plain, FALSE);
  dest_gzip = extract (gzip, TRUE);
  check_extracted (dest_plain);
  check_extracted (dest_gzip);

  /* The hash is the plain tar's, however it is compressed, and can be
   * had without writing anything. */
  g_assert_cmpstr (sha_plain, ==, sha_gzip);
  g_file_get_contents (plain, &whole, &whole_len, &error);
  g_assert_no_error (error);
  file_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) whole, whole_len);
  g_assert_cmpstr (file_sha, ==, sha_plain);
  g_assert_true (forge_workspace_archive_write (root, NULL, FORGE_WORKSPACE_ARCHIVE_PLAIN,
                                                FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, NULL, NULL,
                                                &sha_only, &size, NULL, &error));
  g_assert_cmpstr (sha_only, ==, sha_plain);
  g_assert_cmpuint (size, ==, whole_len);
  g_clear_pointer (&sha_only, g_free);

  /* A change in a file is a change of hash. */
  write_file (root, "src/index.js", "console.log(2)\n", 0644);
  g_assert_true (forge_workspace_archive_write (root, NULL, FORGE_WORKSPACE_ARCHIVE_PLAIN,
                                                FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, NULL, NULL,
                                                &sha_only, NULL, NULL, &error));
  g_assert_cmpstr (sha_only, !=, sha_plain);

  g_unlink (plain);
  g_unlink (gzip);
  forge_remove_tree (dest_plain, NULL);
  forge_remove_tree (dest_gzip, NULL);
  forge_remove_tree (root, NULL);
}

static void
record_progress (guint64  done,
                 gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >=, *last);
  *last = done;
}

static void
test_bounds (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("forge-archive-XXXXXX", &error);
  g_autofree char *sparse = g_build_filename (root, "huge.bin", NULL);
  g_autofree char *big = g_strnfill (3 * 1024 * 1024, 'b');
  g_autofree char *result = NULL;
  guint64 progress = 0;
  guint64 size = 0;
  gint64 started;
  int fd;

  g_assert_no_error (error);
  write_file (root, "a.txt", "a", 0644);

  /* A sparse file of 64 GiB: refused from its size, at once. */
  fd = open (sparse, O_WRONLY | O_CREAT, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 64 * 1024 * 1024 * 1024), ==, 0);
  close (fd);

  started = g_get_monotonic_time ();
  result = archive_to_file (root, FORGE_WORKSPACE_ARCHIVE_GZIP, FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);
  g_unlink (sparse);

  /* A total bound: many files over it. */
  write_file (root, "b.bin", big, 0644);
  write_file (root, "c.bin", big, 0644);
  g_assert_false (forge_workspace_archive_write (root, NULL, FORGE_WORKSPACE_ARCHIVE_PLAIN, 5 * 1024 * 1024,
                                                 NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  /* Within it, with progress up to the end. */
  g_assert_true (forge_workspace_archive_write (root, NULL, FORGE_WORKSPACE_ARCHIVE_PLAIN, 7 * 1024 * 1024,
                                                record_progress, &progress, NULL, &size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (progress, ==, size);
  g_assert_cmpuint (size, >, 6 * 1024 * 1024);

  forge_remove_tree (root, NULL);
}

static void
test_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("forge-archive-XXXXXX", &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  write_file (root, "a.txt", "a", 0644);
  g_cancellable_cancel (cancellable);
  g_assert_false (forge_workspace_archive_write (root, NULL, FORGE_WORKSPACE_ARCHIVE_PLAIN,
                                                 FORGE_WORKSPACE_ARCHIVE_MAX_SIZE, NULL, NULL,
                                                 NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  forge_remove_tree (root, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/workspace-archive/extract", test_extract);
  g_test_add_func ("/workspace-archive/bounds", test_bounds);
  g_test_add_func ("/workspace-archive/cancel", test_cancel);

  return g_test_run ();
}
