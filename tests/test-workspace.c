/* test-workspace.c
 *
 * ForgeWorkspace as the local backend gives it: the host's clone, read
 * only through no-follow, bounded calls, whatever a sandbox left in it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "forge-local-provider.h"
#include "forge-local-workspace.h"
#include "forge-util.h"
#include "watchdog.h"

typedef struct
{
  char           *root;        /* the clone */
  char           *outside;     /* a host folder the workspace must not reach */
  ForgeWorkspace *workspace;
} Fixture;

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
make_symlink (const char *dir,
              const char *target,
              const char *name)
{
  g_autofree char *link = g_build_filename (dir, name, NULL);

  g_assert_cmpint (symlink (target, link), ==, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->root = g_dir_make_tmp ("forge-workspace-XXXXXX", NULL);
  fixture->outside = g_dir_make_tmp ("forge-host-XXXXXX", NULL);
  write_file (fixture->outside, "id_rsa", "{\"secret\": true}");
  write_file (fixture->outside, "folder/inside-secret", "x");

  write_file (fixture->root, "package.json", "{\"scripts\": {\"dev\": \"vite\"}}");
  write_file (fixture->root, "package-lock.json", "{\"lockfileVersion\": 3}");
  write_file (fixture->root, "src/main.js", "console.log(1);\n");
  write_file (fixture->root, "node_modules/.bin/placeholder", "");

  fixture->workspace = FORGE_WORKSPACE (forge_local_workspace_new (fixture->root));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->workspace);
  forge_remove_tree (fixture->root, NULL);
  forge_remove_tree (fixture->outside, NULL);
  g_free (fixture->root);
  g_free (fixture->outside);
}

static void
test_reads (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *head = NULL;
  g_autofree char *sum = NULL;
  gsize length = 0;

  g_assert_cmpstr (forge_local_workspace_get_root (FORGE_LOCAL_WORKSPACE (fixture->workspace)), ==, fixture->root);

  g_assert_true (forge_workspace_read_file (fixture->workspace, "src/main.js", 1024, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "console.log(1);\n");
  g_assert_cmpuint (length, ==, 16);

  bytes = forge_workspace_read_bytes (fixture->workspace, "package-lock.json", 1024, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "{\"lockfileVersion\": 3}", 22);

  /* A bounded read refuses a larger file; a head read cuts it. */
  g_clear_pointer (&contents, g_free);
  g_assert_false (forge_workspace_read_file (fixture->workspace, "package-lock.json", 8, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_assert_null (contents);
  g_clear_error (&error);
  head = forge_workspace_read_head (fixture->workspace, "package-lock.json", 8, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (head, ==, "{\"lockfi");
  g_clear_pointer (&head, g_free);
  head = forge_workspace_read_head (fixture->workspace, "package-lock.json", 4096, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (head, ==, "{\"lockfileVersion\": 3}");

  g_assert_false (forge_workspace_read_file (fixture->workspace, "missing.json", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (forge_workspace_read_file (fixture->workspace, "../escape", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH);
  g_clear_error (&error);
  g_assert_false (forge_workspace_read_file (fixture->workspace, "src", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);

  sum = forge_workspace_checksum_file (fixture->workspace, "src/main.js", 1024, &error);
  g_assert_no_error (error);
  {
    g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "console.log(1);\n", -1);
    g_assert_cmpstr (sum, ==, expected);
  }
}

static void
test_tests (Fixture       *fixture,
            gconstpointer  data)
{
  make_symlink (fixture->root, "src", "linked-src");

  g_assert_true (forge_workspace_test (fixture->workspace, "", FORGE_REPO_TEST_IS_DIR));
  g_assert_true (forge_workspace_test (fixture->workspace, "node_modules", FORGE_REPO_TEST_IS_DIR));
  g_assert_false (forge_workspace_test (fixture->workspace, "node_modules", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_true (forge_workspace_test (fixture->workspace, "package.json", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_false (forge_workspace_test (fixture->workspace, "missing", FORGE_REPO_TEST_IS_REGULAR | FORGE_REPO_TEST_IS_DIR));
  /* A symlink is one only when asked for: never followed to a folder. */
  g_assert_true (forge_workspace_test (fixture->workspace, "linked-src", FORGE_REPO_TEST_IS_SYMLINK));
  g_assert_false (forge_workspace_test (fixture->workspace, "linked-src", FORGE_REPO_TEST_IS_DIR));
  g_assert_false (forge_workspace_test (fixture->workspace, "linked-src/main.js", FORGE_REPO_TEST_IS_REGULAR));
}

static void
test_list_dir (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) root = NULL;
  g_auto(GStrv) src = NULL;
  g_auto(GStrv) capped = NULL;

  make_symlink (fixture->root, fixture->outside, "host");

  /* Sorted; a symlink is listed, as a name. */
  root = forge_workspace_list_dir (fixture->workspace, "", FORGE_WORKSPACE_LIST_MAX_ENTRIES, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (root, ((const char * const[]) { "host", "node_modules", "package-lock.json", "package.json", "src", NULL }));
  src = forge_workspace_list_dir (fixture->workspace, "src", FORGE_WORKSPACE_LIST_MAX_ENTRIES, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (src, ((const char * const[]) { "main.js", NULL }));

  /* Bounded: a folder with more entries than asked for is refused. */
  capped = forge_workspace_list_dir (fixture->workspace, "", 4, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_assert_null (capped);
  g_clear_error (&error);

  g_assert_null (forge_workspace_list_dir (fixture->workspace, "package.json", 16, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_assert_null (forge_workspace_list_dir (fixture->workspace, "..", 16, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH);
}

/* What a sandbox can leave behind: package.json a link to a host file,
 * node_modules a link to a host folder, a FIFO for a lockfile. None is
 * read, hashed, listed or taken for what it points at. */
static void
test_symlink_outside_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (fixture->outside, "id_rsa", NULL);
  g_autofree char *fifo = g_build_filename (fixture->root, "yarn.lock", NULL);
  g_autofree char *node_modules = g_build_filename (fixture->root, "node_modules", NULL);
  g_autofree char *package = g_build_filename (fixture->root, "package.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *head = NULL;
  g_autofree char *sum = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GBytes) bytes = NULL;
  ForgeTestWatchdog watchdog;

  forge_test_watchdog_start (&watchdog, "Reading a hostile workspace");

  g_assert_cmpint (g_unlink (package), ==, 0);
  make_symlink (fixture->root, secret, "package.json");
  g_assert_true (forge_remove_tree (node_modules, NULL));
  make_symlink (fixture->root, fixture->outside, "node_modules");
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  g_assert_false (forge_workspace_read_file (fixture->workspace, "package.json", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (contents);
  g_clear_error (&error);
  bytes = forge_workspace_read_bytes (fixture->workspace, "package.json", 1024, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (bytes);
  g_clear_error (&error);
  head = forge_workspace_read_head (fixture->workspace, "package.json", 1024, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (head);
  g_clear_error (&error);
  sum = forge_workspace_dup_install_fingerprint (fixture->workspace, NULL, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (sum);
  g_clear_error (&error);

  /* Through a linked folder, at any depth. */
  g_assert_false (forge_workspace_read_file (fixture->workspace, "node_modules/id_rsa", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_clear_error (&error);
  g_assert_false (forge_workspace_test (fixture->workspace, "node_modules", FORGE_REPO_TEST_IS_DIR));
  g_assert_false (forge_workspace_test (fixture->workspace, "node_modules/id_rsa", FORGE_REPO_TEST_IS_REGULAR));
  names = forge_workspace_list_dir (fixture->workspace, "node_modules", 16, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (names);
  g_clear_error (&error);
  names = forge_workspace_list_dir (fixture->workspace, "node_modules/folder", 16, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (names);
  g_clear_error (&error);

  /* A FIFO neither blocks nor is read, even for its first bytes. */
  sum = forge_workspace_dup_install_fingerprint (fixture->workspace, "yarn.lock", &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_assert_null (sum);
  g_clear_error (&error);
  head = forge_workspace_read_head (fixture->workspace, "yarn.lock", 1024, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_assert_null (head);

  forge_test_watchdog_stop (&watchdog);
}

/* The install is reusable while its input is the same: the lockfile
 * when there is one, package.json otherwise. */
static void
test_install_fingerprint (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lock_sum = NULL;
  g_autofree char *manifest_sum = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *expected_lock = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "{\"lockfileVersion\": 3}", -1);
  g_autofree char *expected_manifest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "{\"scripts\": {\"dev\": \"vite\"}}", -1);

  lock_sum = forge_workspace_dup_install_fingerprint (fixture->workspace, "package-lock.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lock_sum, ==, expected_lock);
  manifest_sum = forge_workspace_dup_install_fingerprint (fixture->workspace, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (manifest_sum, ==, expected_manifest);

  write_file (fixture->root, "package-lock.json", "{\"lockfileVersion\": 2}");
  changed = forge_workspace_dup_install_fingerprint (fixture->workspace, "package-lock.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (changed, !=, lock_sum);
}

/* The local provider's workspace is the clone it binds, read in place. */
static void
test_local_provider_workspace (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(ForgeLocalProvider) provider = forge_local_provider_new ();
  g_autoptr(ForgeWorkspace) workspace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace_dir = g_path_get_dirname (fixture->root);
  ForgeSandboxRequest request = {
    .project_id = "0b9f3c0e-6a43-4c55-9d0a-3b0f1b2a7c11",
    .workspace_dir = workspace_dir,
    .repo_dir = fixture->root,
    .timeout_seconds = 60,
  };

  workspace = forge_sandbox_provider_open_workspace (FORGE_SANDBOX_PROVIDER (provider), &request, &error);
  g_assert_no_error (error);
  g_assert_true (FORGE_IS_LOCAL_WORKSPACE (workspace));
  g_assert_cmpstr (forge_local_workspace_get_root (FORGE_LOCAL_WORKSPACE (workspace)), ==, fixture->root);
  g_assert_true (forge_workspace_test (workspace, "src/main.js", FORGE_REPO_TEST_IS_REGULAR));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/forge/workspace/reads", test_reads);
  ADD ("/forge/workspace/tests", test_tests);
  ADD ("/forge/workspace/list-dir", test_list_dir);
  ADD ("/forge/workspace/symlink-outside-refused", test_symlink_outside_refused);
  ADD ("/forge/workspace/install-fingerprint", test_install_fingerprint);
  ADD ("/forge/workspace/local-provider", test_local_provider_workspace);
#undef ADD

  return g_test_run ();
}
