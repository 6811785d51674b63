/* test-bad-input.c
 *
 * Hostile and broken input on the real headless binary: addresses, then
 * repositories built here. Each bad one ends in one line on stderr and
 * exit status 1, saying what happened; each odd but valid one previews.
 * All cases share one state folder, and a good repository still previews
 * at the end. The log shows each case and its outcome, then the table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "e2e-util.h"
#include "forge-util.h"
#include "git-test-util.h"
#include "headless-util.h"

/* Shared by every case: the state they leave must not break the next. */
static char *root;
static GString *outcomes;

typedef struct _Case Case;

/* Builds the case's repository (or address) under @parent: its URL. */
typedef char *(*MakeFunc)  (const Case *c,
                            const char *parent);
/* Checks a preview that came up: @repo_dir is its clone's work tree. */
typedef void  (*CheckFunc) (JsonObject *preview,
                            const char *repo_dir);

struct _Case
{
  const char *name;
  const char *url;       /* the address ("%s" stands for root), or NULL */
  MakeFunc    make;
  const char *expect;    /* in the one-line error; NULL: it previews */
  CheckFunc   check;
};

static void
record (const char *name,
        const char *outcome)
{
  g_test_message ("bad-input: %s → %s", name, outcome);
  g_string_append_printf (outcomes, "  %-34s → %s\n", name, outcome);
}

/* {{{ Repositories */

#define STATIC_INDEX "index.html", "<!doctype html><title>ok</title><p>still fine</p>\n"

static char *
file_url (char *repo)
{
  char *url = g_strconcat ("file://", repo, NULL);

  g_free (repo);
  return url;
}

static char *
make_not_a_repository (const Case *c,
                       const char *parent)
{
  char *dir = g_build_filename (parent, "plain-folder", NULL);
  g_autofree char *index = g_build_filename (dir, "index.html", NULL);

  g_mkdir_with_parents (dir, 0700);
  g_assert_true (g_file_set_contents (index, "<p>no git here</p>\n", -1, NULL));
  return file_url (dir);
}

static char *
make_unreachable_port (const Case *c,
                       const char *parent)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A port that was free a moment ago and that nothing listens on. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_strdup_printf ("http://127.0.0.1:%u/owner/repo.git", port);
}

static char *
make_too_long (const Case *c,
               const char *parent)
{
  g_autofree char *path = g_strnfill (10000 - strlen ("https://github.com/"), 'a');

  return g_strconcat ("https://github.com/", path, NULL);
}

static char *
make_package_json (const Case *c,
                   const char *parent,
                   const char *contents)
{
  g_autofree char *name = g_strdelimit (g_strdup (c->name), " ./", '-');

  return file_url (forge_test_repo_with_files (parent, name, "package.json", contents, NULL));
}

static char *
make_malformed (const Case *c,
                const char *parent)
{
  return make_package_json (c, parent, "{ \"name\": \"broken\",\n  \"scripts\": { \"dev\": ");
}

static char *
make_empty_package_json (const Case *c,
                         const char *parent)
{
  return make_package_json (c, parent, "");
}

static char *
make_huge_package_json (const Case *c,
                        const char *parent)
{
  gsize size = 20 * 1024 * 1024;
  g_autoptr(GString) json = g_string_sized_new (size + 128);

  g_string_append (json, "{ \"name\": \"huge\", \"scripts\": { \"dev\": \"node server.js\" }, \"x\": \"");
  while (json->len < size)
    g_string_append (json, "padding padding padding padding ");
  g_string_append (json, "\" }\n");
  return make_package_json (c, parent, json->str);
}

static char *
make_deep_package_json (const Case *c,
                        const char *parent)
{
  guint depth = 100000;
  g_autoptr(GString) json = g_string_new ("{ \"name\": \"deep\", \"x\": ");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (json, ']');
  g_string_append (json, " }\n");
  return make_package_json (c, parent, json->str);
}

static char *
make_dev_empty (const Case *c,
                const char *parent)
{
  return make_package_json (c, parent, "{ \"name\": \"blank\", \"scripts\": { \"dev\": \"\" } }\n");
}

static char *
make_dev_whitespace (const Case *c,
                     const char *parent)
{
  return make_package_json (c, parent, "{ \"name\": \"blank\", \"scripts\": { \"dev\": \" \\t  \" } }\n");
}

static char *
make_no_commits (const Case *c,
                 const char *parent)
{
  char *repo = g_build_filename (parent, "no-commits", NULL);

  g_mkdir_with_parents (repo, 0700);
  forge_test_git (repo, "init", "-q", "-b", "main", NULL);
  return file_url (repo);
}

static char *
make_empty_tree (const Case *c,
                 const char *parent)
{
  char *repo = make_no_commits (c, parent);
  const char *dir = repo + strlen ("file://");

  forge_test_git (dir, "commit", "-q", "--allow-empty", "-m", "nothing", NULL);
  return repo;
}

#define MANY_FILES 3000

static char *
make_many_files (const Case *c,
                 const char *parent)
{
  char *repo = g_build_filename (parent, "many-files", NULL);
  g_autofree char *pages = g_build_filename (repo, "pages", NULL);
  g_autofree char *index = g_build_filename (repo, "index.html", NULL);

  g_mkdir_with_parents (pages, 0700);
  for (guint i = 0; i < MANY_FILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%04u.html", i);
      g_autofree char *path = g_build_filename (pages, name, NULL);
      g_autofree char *body = g_strdup_printf ("<p>page %u</p>\n", i);

      g_assert_true (g_file_set_contents (path, body, -1, NULL));
    }
  g_assert_true (g_file_set_contents (index, "<p>many</p>\n", -1, NULL));
  forge_test_git (repo, "init", "-q", "-b", "main", NULL);
  forge_test_git (repo, "add", "-A", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "many files", NULL);
  return file_url (repo);
}

static void
check_many_files (JsonObject *preview,
                  const char *repo_dir)
{
  g_autofree char *url = g_strdup_printf ("%spages/p%04u.html", json_object_get_string_member (preview, "url"), MANY_FILES - 1);
  g_autofree char *body = NULL;

  g_assert_cmpuint (forge_test_http_get (url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "page 2999"));
}

static char *
make_odd_names (const Case *c,
                const char *parent)
{
  return file_url (forge_test_repo_with_files (parent, "odd-names",
                                               STATIC_INDEX,
                                               "with space.html", "<p>space</p>\n",
                                               "ünïcödé-名前.html", "<p>unicode</p>\n",
                                               "new\nline.html", "<p>newline</p>\n",
                                               NULL));
}

static void
check_odd_names (JsonObject *preview,
                 const char *repo_dir)
{
  const char *url = json_object_get_string_member (preview, "url");
  static const struct { const char *path; const char *file; const char *body; } files[] = {
    { "with%20space.html", "with space.html", "space" },
    { "%C3%BCn%C3%AFc%C3%B6d%C3%A9-%E5%90%8D%E5%89%8D.html", "ünïcödé-名前.html", "unicode" },
    { "new%0Aline.html", "new\nline.html", "newline" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (repo_dir, files[i].file, NULL);
      g_autofree char *full = g_strconcat (url, files[i].path, NULL);
      g_autofree char *body = NULL;

      /* Checked out under its own name, and served. */
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (forge_test_http_get (full, &body), ==, 200);
      g_assert_nonnull (strstr (body, files[i].body));
    }
}

static char *
make_git_symlink (const Case *c,
                  const char *parent)
{
  char *repo = forge_test_repo_with_files (parent, "git-symlink", STATIC_INDEX, NULL);
  g_autofree char *dot_git = g_build_filename (repo, ".git", NULL);
  g_autofree char *elsewhere = g_build_filename (parent, "git-symlink-store.git", NULL);

  /* The user's own checkout, its git directory kept elsewhere. */
  g_assert_cmpint (g_rename (dot_git, elsewhere), ==, 0);
  g_assert_cmpint (symlink (elsewhere, dot_git), ==, 0);
  return file_url (repo);
}

static void
check_no_git_in_work_tree (JsonObject *preview,
                           const char *repo_dir)
{
  g_autofree char *dot_git = g_build_filename (repo_dir, ".git", NULL);
  g_autofree char *index = g_build_filename (repo_dir, "index.html", NULL);

  g_assert_false (g_file_test (dot_git, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (index, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), NULL), ==, 200);
}

static char *
make_submodules (const Case *c,
                 const char *parent)
{
  g_autofree char *sub = forge_test_repo_with_files (parent, "a-submodule", "sub.html", "<p>sub</p>\n", NULL);
  g_autofree char *sub_url = g_strconcat ("file://", sub, NULL);
  g_autofree char *head = forge_test_git_rev_parse (sub, "HEAD");
  g_autofree char *cacheinfo = g_strdup_printf ("160000,%s,vendor/gone", head);
  char *repo = forge_test_repo_with_files (parent, "with-submodules", STATIC_INDEX, NULL);

  /* One that a clone could initialise, one whose host is unreachable. */
  forge_test_git (repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub_url, "vendor/sub", NULL);
  forge_test_git (repo, "config", "-f", ".gitmodules", "submodule.gone.path", "vendor/gone", NULL);
  forge_test_git (repo, "config", "-f", ".gitmodules", "submodule.gone.url", "https://no-such-host.invalid/gone.git", NULL);
  forge_test_git (repo, "update-index", "--add", "--cacheinfo", cacheinfo, NULL);
  forge_test_git (repo, "add", ".gitmodules", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "submodules", NULL);
  return file_url (repo);
}

static void
check_submodules (JsonObject *preview,
                  const char *repo_dir)
{
  g_autofree char *sub_file = g_build_filename (repo_dir, "vendor", "sub", "sub.html", NULL);
  g_autofree char *sub_git = g_build_filename (repo_dir, "vendor", "sub", ".git", NULL);
  g_autofree char *gone = g_build_filename (repo_dir, "vendor", "gone", NULL);
  g_autoptr(GDir) gone_dir = NULL;

  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), NULL), ==, 200);
  /* The local one is checked out (the parent is local too), with no .git
   * link in the work tree; the unreachable one stays an empty folder and
   * the preview runs without it. */
  g_assert_true (forge_test_file_has_content (repo_dir, "vendor/sub/sub.html", "<p>sub</p>\n"));
  g_assert_false (g_file_test (sub_git, G_FILE_TEST_EXISTS));
  gone_dir = g_dir_open (gone, 0, NULL);
  g_assert_true (gone_dir == NULL || g_dir_read_name (gone_dir) == NULL);
  g_test_message ("submodule vendor/sub %s", g_file_test (sub_file, G_FILE_TEST_EXISTS) ? "initialised" : "not initialised");
}

static char *
make_old_lockfile (const Case *c,
                   const char *parent)
{
  /* npm 6's lockfile (version 1): today's npm reads and upgrades it. */
  return file_url (forge_test_repo_with_files (parent, "old-lockfile",
                                               "package.json",
                                               "{ \"name\": \"old-lock\", \"version\": \"1.0.0\",\n"
                                               "  \"scripts\": { \"dev\": \"node server.js\" },\n"
                                               "  \"dependencies\": { \"left-pad\": \"1.3.0\" } }\n",
                                               "package-lock.json",
                                               "{\n  \"name\": \"old-lock\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 1,\n"
                                               "  \"requires\": true,\n  \"dependencies\": {\n    \"left-pad\": {\n"
                                               "      \"version\": \"1.3.0\",\n"
                                               "      \"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\",\n"
                                               "      \"integrity\": \"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/aVx2HrNcqQGsdot8ghrjyrvMCoEA==\"\n"
                                               "    }\n  }\n}\n",
                                               "server.js",
                                               "const pad = require('left-pad');\n"
                                               "require('http').createServer((q, s) => s.end(pad('old-lock', 12)))"
                                               ".listen(+process.env.PORT, process.env.HOST);\n",
                                               NULL));
}

static void
check_old_lockfile (JsonObject *preview,
                    const char *repo_dir)
{
  g_autofree char *body = NULL;

  g_assert_cmpstr (json_object_get_string_member (preview, "package_manager"), ==, "npm");
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "    old-lock");
}

/* }}} */

static void
assert_not_run (void)
{
  g_autofree char *pwned = g_build_filename (root, "pwned", NULL);

  /* The address is text, never a command. */
  g_assert_false (g_file_test (pwned, G_FILE_TEST_EXISTS));
}

static char *
repo_dir_of (JsonObject *preview)
{
  return g_build_filename (root, "cache", "forge-preview", "projects",
                           json_object_get_string_member (preview, "project_id"), "repo", NULL);
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *parent = g_build_filename (root, "repos", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (parent, 0700);
  if (c->make != NULL)
    url = c->make (c, parent);
  else
    {
      g_auto(GStrv) parts = g_strsplit (c->url, "%s", -1);

      url = g_strjoinv (root, parts);
    }

  process = forge_test_headless_spawn (NULL, url, NULL, &error);
  g_assert_no_error (error);

  if (c->expect != NULL)
    {
      g_autofree char *message = forge_test_headless_expect_failure (process);
      g_autofree char *outcome = NULL;

      g_strchomp (message);
      outcome = g_strdup_printf ("exit 1: %s", message + strlen ("forge-preview: "));
      record (c->name, outcome);
      g_assert_nonnull (strstr (message, c->expect));
    }
  else
    {
      g_autoptr(GDataInputStream) stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      g_autoptr(JsonObject) preview = NULL;
      g_autofree char *repo_dir = NULL;
      g_autofree char *outcome = NULL;
      JsonObject *event;

      while (preview == NULL && (event = forge_test_headless_read_event (stream)) != NULL)
        {
          g_autoptr(JsonObject) owned = event;
          const char *type = json_object_get_string_member (event, "type");

          if (g_str_equal (type, "preview"))
            preview = json_object_ref (event);
          else if (g_str_equal (type, "error"))
            g_error ("%s: the run failed: %s", c->name, json_object_get_string_member (event, "message"));
        }
      g_assert_nonnull (preview);

      repo_dir = repo_dir_of (preview);
      if (c->check != NULL)
        c->check (preview, repo_dir);
      outcome = g_strdup_printf ("preview (%s)", json_object_get_string_member (preview, "framework"));
      record (c->name, outcome);

      g_subprocess_send_signal (process, SIGTERM);
      g_assert_true (g_subprocess_wait (process, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
    }

  /* Nothing of it keeps running. */
  g_assert_true (forge_test_wait_no_processes (root, 5000));
  assert_not_run ();
}

/* After all of the above, in the same state: a good repository previews. */
static void
test_still_works (void)
{
  g_autofree char *parent = g_build_filename (root, "repos", NULL);
  g_autofree char *repo = forge_test_repo_from_fixture (parent, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = forge_test_headless_spawn (NULL, url, NULL, &error);
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autofree char *body = NULL;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  preview = forge_test_headless_read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  record ("a good repository, afterwards", "preview (static)");

  forge_test_headless_stop (process, SIGTERM);
  g_assert_true (forge_test_wait_no_processes (root, 5000));

  g_test_message ("Bad input, case → outcome:\n%s", outcomes->str);
}

static const Case cases[] = {
  /* Addresses */
  { "empty address", "", NULL, "Enter the address of a Git repository" },
  { "only spaces", "   \t ", NULL, "Enter the address of a Git repository" },
  { "spaces inside", "owner name/repo name", NULL, "not a Git repository address" },
  { "unicode shorthand", "ünïcödé/répö", NULL, "not a Git repository address" },
  { "unicode host", "https://例え.invalid/ö/ü.git", NULL, "例え.invalid" },
  { "ftp://", "ftp://example.org/repo.git", NULL, "not a Git repository address" },
  { "javascript:", "javascript:alert(document.cookie)", NULL, "not a Git repository address" },
  { "file: to a non-repository", NULL, make_not_a_repository, "There is no Git repository at" },
  { "file: to nothing", "file://%s/nothing-here", NULL, "There is no Git repository at" },
  { "$(…)", "$(touch %s/pwned)", NULL, "not a Git repository address" },
  { "backticks", "`touch %s/pwned`", NULL, "not a Git repository address" },
  { "semicolon", "owner/repo;touch %s/pwned", NULL, "not a Git repository address" },
  { "$(…) in a URL path", "https://example.invalid/$(touch%20%s/pwned).git", NULL, "example.invalid" },
  { "10 000 characters", NULL, make_too_long, "too long" },
  { "host that does not resolve", "https://no-such-host.invalid/owner/repo.git", NULL, "Could not find the host" },
  { "nothing listening", NULL, make_unreachable_port, "Could not reach 127.0.0.1" },
  /* Repositories */
  { "malformed package.json", NULL, make_malformed, "package.json is not valid JSON" },
  { "empty package.json", NULL, make_empty_package_json, "package.json is not valid JSON" },
  { "20 MB package.json", NULL, make_huge_package_json, "package.json is larger than" },
  { "package.json nested 100 000 deep", NULL, make_deep_package_json, "nests objects and arrays more than 64 deep" },
  { "scripts.dev empty", NULL, make_dev_empty, "The “dev” script in package.json is empty" },
  { "scripts.dev only whitespace", NULL, make_dev_whitespace, "The “dev” script in package.json is empty" },
  { "no commits", NULL, make_no_commits, "is empty: push a commit" },
  { "empty repository (empty tree)", NULL, make_empty_tree, "no index.html" },
  { "3000 files", NULL, make_many_files, NULL, check_many_files },
  { "names with spaces, unicode, newline", NULL, make_odd_names, NULL, check_odd_names },
  { ".git as a symlink", NULL, make_git_symlink, NULL, check_no_git_in_work_tree },
  { "submodules (local, unreachable)", NULL, make_submodules, NULL, check_submodules },
  { "lockfile of npm 6 (v1)", NULL, make_old_lockfile, NULL, check_old_lockfile },
};

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  root = g_dir_make_tmp ("forge-bad-input-XXXXXX", NULL);
  forge_test_isolate_xdg (root);
  outcomes = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/forge/bad-input/%02u", i);

      g_test_add_data_func (path, &cases[i], run_case);
    }
  g_test_add_func ("/forge/bad-input/still-works", test_still_works);

  ret = g_test_run ();

  forge_remove_tree (root, NULL);
  g_clear_pointer (&root, g_free);
  g_string_free (outcomes, TRUE);
  return ret;
}
