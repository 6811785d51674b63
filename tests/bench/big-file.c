/* big-file.c
 *
 * Benchmark: cloning a repository that holds a file of 1 GiB of zeros (a
 * pack of about a megabyte) with forge_git_clone_or_update(), each clone
 * in a process of its own, which prints its wall time and its peak
 * resident memory (getrusage(), RUSAGE_SELF):
 *
 * - over HTTP (git-http-backend), the checkout streaming the file;
 * - over HTTP, with every file left to libgit2's own checkout (the
 *   stream threshold past any size), as before big files were streamed;
 * - from a file:// address: there libgit2 builds the pack itself, in the
 *   cloning process, and holds the blob whole to do it, whatever the
 *   checkout does.
 *
 * Then the peak of the children (RUSAGE_CHILDREN: the clones and the
 * server's git processes). Prints numbers; asserts only that each clone
 * succeeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "forge-git.h"
#include "forge-git-checkout-private.h"
#include "git-http-server.h"
#include "git-test-util.h"

#define BIG_SIZE (G_GUINT64_CONSTANT (1) << 30)

/* The child: one clone, then "<seconds> <peak MiB>" on stdout. */
static int
clone_once (const char *url,
            const char *ws,
            gboolean    libgit2_checkout)
{
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autoptr(GError) error = NULL;
  struct rusage usage;
  gint64 start;
  gboolean ok;

  if (libgit2_checkout)
    _forge_git_checkout_set_limits (G_MAXUINT64, G_MAXUINT64);

  start = g_get_monotonic_time ();
  ok = forge_git_clone_or_update (url, git_dir, work_tree, NULL, NULL, NULL, NULL, NULL, &error);
  if (!ok)
    {
      g_printerr ("The clone failed: %s\n", error->message);
      return 1;
    }

  getrusage (RUSAGE_SELF, &usage);
  g_print ("%.1f %ld\n", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
           usage.ru_maxrss / 1024);
  return 0;
}

static void
measure (const char *self,
         const char *label,
         const char *url,
         const char *ws,
         gboolean    libgit2_checkout)
{
  const char *argv[] = { self, libgit2_checkout ? "--clone-libgit2" : "--clone", url, ws, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  double seconds = 0;
  long peak = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error))
    g_error ("%s", error->message);
  if (!g_spawn_check_wait_status (status, NULL) || sscanf (out, "%lf %ld", &seconds, &peak) != 2)
    g_error ("%s: the clone failed", label);

  g_print ("%-40s %7.1f s  %7ld MiB\n", label, seconds, peak);
  forge_test_rm_rf (ws);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *root = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *srv = NULL;
  g_autofree char *bare = NULL;
  g_autofree char *big = NULL;
  g_autofree char *http_url = NULL;
  g_autofree char *file_url = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(ForgeTestGitServer) server = NULL;
  struct rusage children;
  int fd;

  if (argc == 4 && (g_str_equal (argv[1], "--clone") || g_str_equal (argv[1], "--clone-libgit2")))
    return clone_once (argv[2], argv[3], g_str_equal (argv[1], "--clone-libgit2"));

  forge_test_git_isolate ();
  root = g_dir_make_tmp ("forge-bench-big-file-XXXXXX", NULL);
  upstream = forge_test_make_upstream (root, "upstream");
  srv = g_build_filename (root, "srv", NULL);
  ws = g_build_filename (root, "ws", NULL);
  big = g_build_filename (upstream, "big.bin", NULL);

  /* Sparse: the zeros cost no disk upstream. */
  fd = open (big, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, BIG_SIZE), ==, 0);
  close (fd);
  forge_test_git (upstream, "add", "big.bin", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "a gigabyte of zeros", NULL);
  g_unlink (big);

  bare = forge_test_make_bare (upstream, srv, "big.git");
  server = forge_test_git_server_new (srv, NULL);
  http_url = forge_test_git_server_dup_url (server, "big.git");
  file_url = g_filename_to_uri (bare, NULL, NULL);

  g_print ("Cloning 1 GiB of zeros (forge_git_clone_or_update, one process each):\n");
  g_print ("%-40s %9s  %11s\n", "", "wall", "peak RSS");
  measure (argv[0], "HTTP, streamed", http_url, ws, FALSE);
  measure (argv[0], "HTTP, libgit2's checkout (before)", http_url, ws, TRUE);
  measure (argv[0], "file://, streamed", file_url, ws, FALSE);

  getrusage (RUSAGE_CHILDREN, &children);
  g_print ("Peak of all children (clones and git-http-backend): %ld MiB\n", children.ru_maxrss / 1024);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (root);
  return 0;
}
