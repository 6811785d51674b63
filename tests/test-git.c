/* test-git.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <git2.h>

#include <libsoup/soup.h>

#include "forge-git.h"
#include "git-http-server.h"
#include "git-test-util.h"

/* ------------------------------------------------------------------ */

/* The app's layout in small: dest is the work tree, "<dest>-git" its git
 * directory. */
static char *
git_dir_for (const char *dest)
{
  return g_strconcat (dest, "-git", NULL);
}

static gboolean
clone_or_update (const char            *url,
                 const char            *dest,
                 const char            *token,
                 ForgeGitProgressFunc   progress,
                 gpointer               user_data,
                 char                 **head_oid,
                 GCancellable          *cancellable,
                 GError               **error)
{
  g_autofree char *git_dir = git_dir_for (dest);

  return forge_git_clone_or_update (url, git_dir, dest, token, progress, user_data,
                                    head_oid, cancellable, error);
}

static void
test_normalize_url (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *tmp_uri = g_filename_to_uri (tmp, NULL, NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *cwd_uri = g_filename_to_uri (cwd, NULL, NULL);
  g_autofree char *home_uri = g_filename_to_uri (g_get_home_dir (), NULL, NULL);
  struct { const char *in; const char *out; int code; } cases[] = {
    { "gnome/gnome-text-editor", "https://github.com/gnome/gnome-text-editor.git", -1 },
    { "  vitejs/vite.git \n", "https://github.com/vitejs/vite.git", -1 },
    { "owner/my_repo.js", "https://github.com/owner/my_repo.js.git", -1 },
    { "https://github.com/owner/repo/", "https://github.com/owner/repo", -1 },
    { "https://gitlab.com/group/sub/repo.git", "https://gitlab.com/group/sub/repo.git", -1 },
    { "http://127.0.0.1:8080/repo.git", "http://127.0.0.1:8080/repo.git", -1 },
    { "git://example.org/repo.git", "git://example.org/repo.git", -1 },
    { "ssh://git@example.org/owner/repo.git", "ssh://git@example.org/owner/repo.git", -1 },
    { "git@github.com:owner/repo.git", "git@github.com:owner/repo.git", -1 },
    { "https://alice@bitbucket.org/alice/repo.git", "https://bitbucket.org/alice/repo.git", -1 },
    /* Rebuilt without the user, the path loses its dot segments, and then
     * its trailing slash, as any other (found by fuzzing). */
    { "https://alice@example.com/o/r/.", "https://example.com/o/r", -1 },
    { "file:///srv/git/repo", "file:///srv/git/repo", -1 },
    { "file:///srv/git/repo/", "file:///srv/git/repo", -1 },
    /* The root folder, not "file:" (found by fuzzing). */
    { "/", "file:///", -1 },
    { "//", "file:///", -1 },
    { "file:///", "file:///", -1 },
    { tmp, tmp_uri, -1 },
    { ".", cwd_uri, -1 },
    { "~", home_uri, -1 },
    { "/nonexistent/forge-preview-test", NULL, FORGE_GIT_ERROR_NOT_FOUND },
    { "https://user:ghp_secret@github.com/owner/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "https://x-access-token@github.com/o/r", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "   ", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "hello", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "hello world/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "a/b/c", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "own_er/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "~nobody/x", NULL, FORGE_GIT_ERROR_INVALID_URL },
    /* Links a page offers, in scp form but no SSH address; a host alias
     * with no dot still is one. */
    { "javascript:alert(1)", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "JavaScript:void(0)", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "data:text/html,<p>", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "myserver:repos/site.git", "myserver:repos/site.git", -1 },
    { "../..", NULL, -2 },   /* depends on cwd: just must not crash */
    { "ftp://example.org/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "https://", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "https:///path", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "file://otherhost/srv", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "http://[::1]:3000/o/r", "http://[::1]:3000/o/r", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = forge_git_normalize_url (cases[i].in, &error);

      g_test_message ("normalize “%s” → %s (%s)", cases[i].in, url,
                      error ? error->message : "ok");

      if (cases[i].code == -2)
        continue;

      if (cases[i].code == -1)
        {
          g_autofree char *again = NULL;

          g_assert_no_error (error);
          g_assert_cmpstr (url, ==, cases[i].out);
          /* Sessions normalise once and find projects by the result:
           * normalising it again must not make another project. */
          again = forge_git_normalize_url (url, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (again, ==, url);
        }
      else
        {
          g_assert_error (error, FORGE_GIT_ERROR, cases[i].code);
          g_assert_null (url);
          /* one line */
          g_assert_null (strchr (error->message, '\n'));
          if (strstr (cases[i].in, "secret") != NULL)
            g_assert_null (strstr (error->message, "secret"));
          /* Pasted credentials get pointed at the right place. */
          if (cases[i].code == FORGE_GIT_ERROR_INVALID_URL)
            g_assert_cmpint (strstr (error->message, "Preferences") != NULL, ==,
                             strchr (cases[i].in, '@') != NULL);
        }
    }

  g_rmdir (tmp);
}

/* Addresses that were taken and normalised to something the next
 * normalisation refused or changed (found by fuzzing). GUri takes
 * whatever lies between "@" and the path for the host: "https://gith@@/"
 * became "https://@", no address at all. */
static void
test_normalize_url_malformed (void)
{
  const char *inputs[] = {
    "https://gith@@/",
    "https://user@@github.com/o/r",
    "https://git hub.com/o/r",
    "https://exa<mple>.com/o/r",
    "git://ex\\ample.org/r.git",
    /* A form feed was kept, as part of an SSH address, until the next
     * normalisation stripped it. */
    "htrt:htr//\f/",
    "git@github.com:o/\vr",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = forge_git_normalize_url (inputs[i], &error);

      g_test_message ("normalize “%s” → %s", inputs[i], url);
      g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL);
      g_assert_null (url);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_host_owner_repo (void)
{
  struct { const char *url; const char *host; const char *owner; const char *repo; } cases[] = {
    { "https://github.com/owner/repo.git", "github.com", "owner", "repo" },
    { "https://GitHub.com/Owner/Repo", "github.com", "Owner", "Repo" },
    { "https://gitlab.com/group/project/-/tree/main", "gitlab.com", "group", "project" },
    { "http://127.0.0.1:8080/repo.git", "127.0.0.1", NULL, NULL },
    { "http://127.0.0.1:8080/a/b.git", "127.0.0.1", "a", "b" },
    { "ssh://git@example.org/owner/repo.git", "example.org", "owner", "repo" },
    { "git@github.com:owner/repo.git", "github.com", "owner", "repo" },
    { "file:///srv/git/repo", NULL, NULL, NULL },
    { "not a url", NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = forge_git_dup_host (cases[i].url);
      g_autofree char *owner = NULL;
      g_autofree char *repo = NULL;
      gboolean ok = forge_git_parse_owner_repo (cases[i].url, &owner, &repo);

      g_assert_cmpstr (host, ==, cases[i].host);
      g_assert_cmpint (ok, ==, cases[i].owner != NULL);
      g_assert_cmpstr (owner, ==, cases[i].owner);
      g_assert_cmpstr (repo, ==, cases[i].repo);
    }
}

static void
test_error_mapping (void)
{
  /* Messages as libgit2 1.5 words them (several observed in the tests
   * below on this machine). */
  struct { int rc; int klass; const char *message; ForgeGitError code; } cases[] = {
    { GIT_ERROR, GIT_ERROR_NET, "failed to resolve address for nonexistent.invalid: Name or service not known", FORGE_GIT_ERROR_HOST_NOT_FOUND },
    { GIT_ERROR, GIT_ERROR_NET, "failed to resolve address for example.org: Temporary failure in name resolution", FORGE_GIT_ERROR_NETWORK },
    { GIT_ERROR, GIT_ERROR_OS, "failed to connect to 127.0.0.1: Connection refused", FORGE_GIT_ERROR_NETWORK },
    { GIT_ERROR, GIT_ERROR_OS, "failed to connect to 10.0.0.1: Connection timed out", FORGE_GIT_ERROR_NETWORK },
    { GIT_ERROR, GIT_ERROR_HTTP, "unexpected http status code: 404", FORGE_GIT_ERROR_NOT_FOUND },
    { GIT_ERROR, GIT_ERROR_REPOSITORY, "could not find repository from '/tmp/srv'", FORGE_GIT_ERROR_NOT_FOUND },
    { -12, GIT_ERROR_NET, "unknown scheme for URL 'foo://example.org/repo'", FORGE_GIT_ERROR_INVALID_URL },
    { GIT_ERROR, GIT_ERROR_HTTP, "unexpected http status code: 401", FORGE_GIT_ERROR_AUTH_REQUIRED },
    { GIT_ERROR, GIT_ERROR_HTTP, "unexpected http status code: 403", FORGE_GIT_ERROR_AUTH_REQUIRED },
    { GIT_ERROR, GIT_ERROR_HTTP, "too many redirects or authentication replays", FORGE_GIT_ERROR_AUTH_REQUIRED },
    { GIT_ERROR, GIT_ERROR_NET, "remote authentication required but no callback set", FORGE_GIT_ERROR_AUTH_REQUIRED },
    { GIT_EAUTH, GIT_ERROR_HTTP, "authentication failed", FORGE_GIT_ERROR_AUTH_REQUIRED },
    { GIT_ENOTFOUND, GIT_ERROR_OS, "failed to resolve path '/nope': No such file or directory", FORGE_GIT_ERROR_NOT_FOUND },
    { GIT_ENOTFOUND, GIT_ERROR_REPOSITORY, "could not find repository at '/tmp/x'", FORGE_GIT_ERROR_NOT_FOUND },
    { GIT_ERROR, GIT_ERROR_NET, "ERROR: Repository not found.", FORGE_GIT_ERROR_NOT_FOUND },
    { GIT_ERROR, GIT_ERROR_OS, "could not write to '/x/pack': No space left on device", FORGE_GIT_ERROR_DISK_FULL },
    { GIT_ERROR, GIT_ERROR_INVALID, "unsupported URL protocol", FORGE_GIT_ERROR_INVALID_URL },
    { GIT_ERROR, GIT_ERROR_NET, "malformed URL", FORGE_GIT_ERROR_INVALID_URL },
    { GIT_EUSER, GIT_ERROR_CALLBACK, "user cancelled", FORGE_GIT_ERROR_CANCELLED },
    { GIT_ERROR, GIT_ERROR_SSL, "SSL error: certificate verify failed", FORGE_GIT_ERROR_NETWORK },
    { GIT_ERROR, GIT_ERROR_NET, "early EOF", FORGE_GIT_ERROR_NETWORK },
    { GIT_ERROR, GIT_ERROR_ODB, "object not found - no match for id", FORGE_GIT_ERROR_FAILED },
    { GIT_ERROR, GIT_ERROR_NONE, NULL, FORGE_GIT_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].message);
      g_assert_cmpint (forge_git_classify_error (cases[i].rc, cases[i].klass, cases[i].message),
                       ==, cases[i].code);
    }

  /* Messages: one line, naming the repository or host. */
  for (int code = FORGE_GIT_ERROR_FAILED; code <= FORGE_GIT_ERROR_CANCELLED; code++)
    {
      g_autofree char *message = forge_git_dup_error_message (code, "https://github.com/o/r.git", FALSE, "boom");

      g_assert_nonnull (message);
      g_assert_null (strchr (message, '\n'));
    }

  {
    g_autofree char *m1 = forge_git_dup_error_message (FORGE_GIT_ERROR_AUTH_REQUIRED, "https://github.com/o/r.git", FALSE, NULL);
    g_autofree char *m2 = forge_git_dup_error_message (FORGE_GIT_ERROR_HOST_NOT_FOUND, "https://nonexistent.invalid/x/y", FALSE, NULL);

    g_assert_cmpstr (m1, ==, "“o/r” is private or does not exist: check the address, or add a token in Preferences → Accounts and try again.");
    g_assert_cmpstr (m2, ==, "Could not find the host “nonexistent.invalid”. Check the address and your connection.");
  }

  {
    g_autofree char *m = forge_git_dup_error_message (FORGE_GIT_ERROR_AUTH_REQUIRED, "https://github.com/o/r.git", TRUE, NULL);
    g_autofree char *ssh = forge_git_dup_error_message (FORGE_GIT_ERROR_AUTH_REQUIRED, "git@github.com:o/r.git", FALSE, NULL);

    g_assert_cmpstr (m, ==, "The token for github.com was refused for “o/r”: update it in Preferences → Accounts, then try again.");
    g_assert_nonnull (strstr (ssh, "https://"));
  }
}

/* ------------------------------------------------------------------ */

typedef struct
{
  guint calls[3];
  guint64 last_current[3];
  guint64 last_total[3];
  GCancellable *cancel_on_receive;
} Progress;

static void
progress_cb (ForgeGitPhase phase,
             guint64       current,
             guint64       total,
             guint64       bytes,
             gpointer      user_data)
{
  Progress *p = user_data;

  g_assert_cmpint (phase, <=, FORGE_GIT_PHASE_CHECKOUT);
  g_assert_cmpuint (current, <=, total);
  p->calls[phase]++;
  p->last_current[phase] = current;
  p->last_total[phase] = total;

  if (p->cancel_on_receive != NULL && phase == FORGE_GIT_PHASE_RECEIVING)
    g_cancellable_cancel (p->cancel_on_receive);
}

static void
test_clone_file_and_update (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *dest = g_build_filename (tmp, "work", "clone", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *oid2 = NULL;
  g_autofree char *upstream_oid = NULL;
  g_autofree char *config = NULL;
  g_autofree char *git_dir = git_dir_for (dest);
  g_autofree char *config_path = g_build_filename (git_dir, "config", NULL);
  g_autofree char *dotgit = g_build_filename (dest, ".git", NULL);
  g_autofree char *nm_file = g_build_filename (dest, "node_modules", "pkg", "index.js", NULL);
  g_autofree char *nm_dir = g_path_get_dirname (nm_file);
  g_autofree char *new_file = g_build_filename (dest, "second.txt", NULL);
  g_autofree char *parent = g_path_get_dirname (dest);
  g_autoptr(GError) error = NULL;
  Progress progress = { 0 };
  const char *token = "file-token-SHOULD-NOT-APPEAR";

  g_assert_true (clone_or_update (url, dest, token, progress_cb, &progress,
                                            &oid, NULL, &error));
  g_assert_no_error (error);

  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_cmpuint (progress.calls[FORGE_GIT_PHASE_CHECKOUT], >, 0);
  g_assert_cmpuint (progress.last_current[FORGE_GIT_PHASE_CHECKOUT], ==,
                    progress.last_total[FORGE_GIT_PHASE_CHECKOUT]);
  g_assert_true (forge_test_file_has_content (dest, "README.md", "# Test\n"));

  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  g_assert_nonnull (strstr (config, url));
  g_assert_null (strstr (config, token));
  g_assert_false (forge_test_tree_contains (dest, token));
  g_assert_false (forge_test_tree_contains (git_dir, token));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (parent, "clone-git.partial-"), ==, 0);
  /* The git directory is not in the work tree, nor linked from it. */
  g_assert_false (g_file_test (dotgit, G_FILE_TEST_EXISTS));
  g_assert_null (strstr (config, "worktree"));

  /* The dev server setup adds node_modules/; an update must keep it. */
  g_assert_cmpint (g_mkdir_with_parents (nm_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (nm_file, "module.exports = 1;\n", -1, NULL));

  forge_test_git_commit_file (upstream, "second.txt", "two\n");
  g_free (upstream_oid);
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_assert_cmpstr (upstream_oid, !=, oid);

  memset (&progress, 0, sizeof progress);
  g_assert_true (clone_or_update (url, dest, NULL, progress_cb, &progress,
                                            &oid2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid2, ==, upstream_oid);
  g_assert_true (g_file_test (nm_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (new_file, G_FILE_TEST_IS_REGULAR));

  {
    g_autofree char *local_head = forge_test_git_rev_parse (git_dir, "HEAD");
    g_assert_cmpstr (local_head, ==, upstream_oid);
  }

  /* A force-push upstream and a local edit: the workspace follows
   * upstream (hard reset), untracked files still stay. */
  g_assert_true (g_file_set_contents (new_file, "local edit\n", -1, NULL));
  forge_test_git (upstream, "commit", "-q", "--amend", "-m", "rewritten", NULL);
  g_free (upstream_oid);
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_clear_pointer (&oid2, g_free);
  g_assert_true (clone_or_update (url, dest, NULL, NULL, NULL, &oid2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid2, ==, upstream_oid);
  g_assert_true (forge_test_file_has_content (dest, "second.txt", "two\n"));
  g_assert_true (g_file_test (nm_file, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (dotgit, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (parent, "clone-git.partial-"), ==, 0);

  forge_test_rm_rf (tmp);
}

/* Thousands of files would mean thousands of checkout callbacks; the UI
 * gets at most ~10 reports a second (plus phase starts and ends). */
static void
test_progress_throttled (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *src = g_build_filename (upstream, "src", NULL);
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autoptr(GError) error = NULL;
  Progress progress = { 0 };
  guint total_calls;
  gint64 start, elapsed_ms;

  g_assert_cmpint (g_mkdir (src, 0755), ==, 0);
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%04u.js", i);
      g_autofree char *path = g_build_filename (src, name, NULL);
      g_autofree char *contents = g_strdup_printf ("export default %u;\n", i);

      g_assert_true (g_file_set_contents (path, contents, -1, NULL));
    }
  forge_test_git (upstream, "add", "src", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "many files", NULL);

  start = g_get_monotonic_time ();
  g_assert_true (clone_or_update (url, dest, NULL, progress_cb, &progress, NULL, NULL, &error));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_no_error (error);

  total_calls = progress.calls[0] + progress.calls[1] + progress.calls[2];
  g_test_message ("%u progress reports in %" G_GINT64_FORMAT " ms", total_calls, elapsed_ms);
  g_assert_cmpuint (progress.calls[FORGE_GIT_PHASE_CHECKOUT], >, 0);
  g_assert_cmpuint (progress.last_current[FORGE_GIT_PHASE_CHECKOUT], ==, progress.last_total[FORGE_GIT_PHASE_CHECKOUT]);
  g_assert_cmpuint (progress.last_total[FORGE_GIT_PHASE_CHECKOUT], >=, 3000);
  g_assert_cmpuint (total_calls, <=, elapsed_ms / 100 + 1 + 2 * 3 + 3);

  forge_test_rm_rf (tmp);
}

static void
test_dest_holds_other_things (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *other = forge_test_make_upstream (tmp, "other");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *other_url = g_filename_to_uri (other, NULL, NULL);
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autofree char *junk = g_build_filename (tmp, "junk", NULL);
  g_autofree char *junk_git = git_dir_for (junk);
  g_autofree char *junk_file = g_build_filename (junk_git, "file", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (clone_or_update (other_url, dest, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* A clone of another repository is not overwritten. */
  g_assert_false (clone_or_update (url, dest, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED);
  g_clear_error (&error);

  /* A clone interrupted by a crash is cleaned away; an empty dest is
   * fine to clone into. */
  {
    g_autofree char *dest2 = g_build_filename (tmp, "clone2", NULL);
    g_autofree char *stale = g_build_filename (tmp, "clone2-git.partial-AbC123", NULL);
    g_autofree char *stale_file = g_build_filename (stale, "half", NULL);

    g_assert_cmpint (g_mkdir (stale, 0755), ==, 0);
    g_assert_true (g_file_set_contents (stale_file, "x", -1, NULL));
    g_assert_cmpint (g_mkdir (dest2, 0755), ==, 0);
    g_assert_true (clone_or_update (url, dest2, NULL, NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
    g_assert_true (forge_test_file_has_content (dest2, "README.md", "# Test\n"));
  }

  /* Nor is a git directory that is not a clone. */
  g_assert_cmpint (g_mkdir (junk_git, 0755), ==, 0);
  g_assert_true (g_file_set_contents (junk_file, "x", -1, NULL));
  g_assert_false (clone_or_update (url, junk, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED);
  g_assert_true (g_file_test (junk_file, G_FILE_TEST_EXISTS));

  forge_test_rm_rf (tmp);
}

static void
test_empty_repository (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = g_build_filename (tmp, "empty", NULL);
  g_autofree char *url = NULL;
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (upstream, 0755), ==, 0);
  forge_test_git (upstream, "init", "-q", NULL);
  url = g_filename_to_uri (upstream, NULL, NULL);

  g_assert_false (clone_or_update (url, dest, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (tmp, "clone-git.partial-"), ==, 0);

  forge_test_rm_rf (tmp);
}

static void
test_clone_http (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *bare = forge_test_make_bare (upstream, root, "repo.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (root, NULL);
  g_autofree char *url = forge_test_git_server_dup_url (server, "repo.git");
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_autoptr(GError) error = NULL;
  Progress progress = { 0 };

  g_assert_true (clone_or_update (url, dest, NULL, progress_cb, &progress, &oid, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_cmpuint (progress.calls[FORGE_GIT_PHASE_RECEIVING], >, 0);
  g_assert_cmpuint (progress.calls[FORGE_GIT_PHASE_CHECKOUT], >, 0);
  g_assert_true (forge_test_file_has_content (dest, "README.md", "# Test\n"));
  g_assert_cmpuint (forge_test_git_server_get_unauthorized_count (server), ==, 0);

  /* Update over HTTP */
  forge_test_git_commit_file (upstream, "second.txt", "two\n");
  forge_test_git_push_bare (upstream, bare);
  g_free (upstream_oid);
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_clear_pointer (&oid, g_free);
  g_assert_true (clone_or_update (url, dest, NULL, NULL, NULL, &oid, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

static void
test_cancel (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *bare = forge_test_make_bare (upstream, root, "repo.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (root, NULL);
  g_autofree char *url = forge_test_git_server_dup_url (server, "repo.git");
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Progress progress = { .cancel_on_receive = cancellable };

  g_assert_false (clone_or_update (url, dest, NULL, progress_cb, &progress, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (tmp, "clone-git.partial-"), ==, 0);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

static void
assert_clone_fails (const char    *url,
                    const char    *token,
                    ForgeGitError  code)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *oid = NULL;
  g_autofree char *expected = NULL;

  g_assert_false (clone_or_update (url, dest, token, NULL, NULL, &oid, NULL, &error));
  g_test_message ("%s → %s", url, error ? error->message : "(no error)");
  g_assert_error (error, FORGE_GIT_ERROR, (int) code);
  g_assert_null (oid);
  g_assert_null (strchr (error->message, '\n'));
  expected = forge_git_dup_error_message (code, url, token != NULL, NULL);
  g_assert_cmpstr (error->message, ==, expected);
  if (token != NULL)
    g_assert_null (strstr (error->message, token));
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (tmp, "clone-git.partial-"), ==, 0);

  forge_test_rm_rf (tmp);
}

static void
test_errors (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autoptr(ForgeTestGitServer) server = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *refused = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_assert_cmpint (g_mkdir (root, 0755), ==, 0);
  server = forge_test_git_server_new (root, NULL);
  missing = forge_test_git_server_dup_url (server, "missing.git");

  assert_clone_fails (missing, NULL, FORGE_GIT_ERROR_NOT_FOUND);
  assert_clone_fails ("file:///nonexistent/forge-preview/repo", NULL, FORGE_GIT_ERROR_NOT_FOUND);
  /* A folder that is not a repository */
  {
    g_autofree char *uri = g_filename_to_uri (root, NULL, NULL);
    assert_clone_fails (uri, NULL, FORGE_GIT_ERROR_NOT_FOUND);
  }
  assert_clone_fails ("foo://example.org/repo", NULL, FORGE_GIT_ERROR_INVALID_URL);

  /* A port nobody listens on: bind to learn a free one, then close it. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  refused = g_strdup_printf ("http://127.0.0.1:%u/repo.git", port);
  assert_clone_fails (refused, NULL, FORGE_GIT_ERROR_NETWORK);

  /* .invalid never resolves (RFC 6761); without DNS at all the resolver
   * fails the same way ("failed to resolve address"). */
  assert_clone_fails ("https://nonexistent.invalid/x/y", NULL, FORGE_GIT_ERROR_HOST_NOT_FOUND);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

static void
test_auth (void)
{
  const char *token = "tok-4f9c2e1d8b7a6350";
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *bare = forge_test_make_bare (upstream, root, "owner/private.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (root, token);
  g_autofree char *url = forge_test_git_server_dup_url (server, "owner/private.git");
  g_autofree char *dest = g_build_filename (tmp, "clone", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  g_autoptr(GError) error = NULL;
  guint before;

  assert_clone_fails (url, NULL, FORGE_GIT_ERROR_AUTH_REQUIRED);

  before = forge_test_git_server_get_unauthorized_count (server);
  assert_clone_fails (url, "wrong-token", FORGE_GIT_ERROR_AUTH_REQUIRED);
  /* One refusal without credentials, one for the wrong token: no loop
   * (libgit2 alone would retry until its replay limit). */
  g_assert_cmpuint (forge_test_git_server_get_unauthorized_count (server) - before, ==, 2);

  g_assert_true (clone_or_update (url, dest, token, NULL, NULL, &oid, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_false (forge_test_tree_contains (dest, token));
  {
    g_autofree char *git_dir = git_dir_for (dest);
    g_assert_false (forge_test_tree_contains (git_dir, token));
  }

  /* Update with the token too */
  g_clear_pointer (&oid, g_free);
  g_assert_true (clone_or_update (url, dest, token, NULL, NULL, &oid, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_false (forge_test_tree_contains (dest, token));
  {
    g_autofree char *git_dir = git_dir_for (dest);
    g_assert_false (forge_test_tree_contains (git_dir, token));
  }

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

/* A server that sends every request elsewhere, on a thread of its own
 * (the clone blocks the test's thread). */
typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *target_base;   /* "http://127.0.0.1:PORT" */
  guint         port;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  guint         redirects;
} Redirector;

static void
redirect_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Redirector *redirector = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *location = g_strdup_printf ("%s%s%s%s", redirector->target_base, g_uri_get_path (uri),
                                               g_uri_get_query (uri) ? "?" : "",
                                               g_uri_get_query (uri) ? g_uri_get_query (uri) : "");

  g_atomic_int_inc (&redirector->redirects);
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static gpointer
redirector_thread (gpointer data)
{
  Redirector *redirector = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (redirector->context);
  redirector->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (redirector->server, NULL, redirect_handler, redirector, NULL);
  /* Both loopbacks: "localhost" may resolve to either. */
  g_assert_true (soup_server_listen_local (redirector->server, 0, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (redirector->server);
  redirector->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&redirector->mutex);
  redirector->ready = TRUE;
  g_cond_signal (&redirector->cond);
  g_mutex_unlock (&redirector->mutex);

  g_main_loop_run (redirector->loop);

  soup_server_disconnect (redirector->server);
  g_clear_object (&redirector->server);
  g_main_context_pop_thread_default (redirector->context);
  return NULL;
}

static Redirector *
redirector_new (const char *target_base)
{
  Redirector *redirector = g_new0 (Redirector, 1);

  redirector->context = g_main_context_new ();
  redirector->loop = g_main_loop_new (redirector->context, FALSE);
  redirector->target_base = g_strdup (target_base);
  g_mutex_init (&redirector->mutex);
  g_cond_init (&redirector->cond);
  redirector->thread = g_thread_new ("redirector", redirector_thread, redirector);

  g_mutex_lock (&redirector->mutex);
  while (!redirector->ready)
    g_cond_wait (&redirector->cond, &redirector->mutex);
  g_mutex_unlock (&redirector->mutex);

  return redirector;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
redirector_free (Redirector *redirector)
{
  g_main_context_invoke (redirector->context, quit_loop, redirector->loop);
  g_thread_join (redirector->thread);
  g_main_loop_unref (redirector->loop);
  g_main_context_unref (redirector->context);
  g_mutex_clear (&redirector->mutex);
  g_cond_clear (&redirector->cond);
  g_free (redirector->target_base);
  g_free (redirector);
}

static void
test_token_stays_with_its_host (void)
{
  const char *token = "tok-redirect-7d2e";
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *bare = forge_test_make_bare (upstream, root, "owner/private.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (root, token);
  g_autofree char *server_url = forge_test_git_server_dup_url (server, "");
  g_autoptr(GUri) server_uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *target_base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (server_uri));
  Redirector *redirector = redirector_new (target_base);
  g_autofree char *url = g_strdup_printf ("http://localhost:%u/owner/private.git", redirector->port);
  guint refused;

  /* The token belongs to "localhost"; the redirect leads to "127.0.0.1",
   * which accepts that very token: so a success would mean it leaked. */
  assert_clone_fails (url, token, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_assert_cmpuint (g_atomic_int_get (&redirector->redirects), >=, 1);
  refused = forge_test_git_server_get_unauthorized_count (server);
  g_assert_cmpuint (refused, >=, 1);

  redirector_free (redirector);
  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

/* ------------------------------------------------------------------ */
/* A work tree a sandbox has written to                               */
/* ------------------------------------------------------------------ */

/* The workspace layout of the app: ws/git, host only, and ws/repo, the
 * work tree a sandbox can write. */
static gboolean
update_workspace (const char  *url,
                  const char  *ws,
                  char       **oid,
                  GError     **error)
{
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);

  return forge_git_clone_or_update (url, git_dir, work_tree, NULL, NULL, NULL, oid, NULL, error);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
assert_file_is (const char *path,
                const char *contents)
{
  g_autofree char *text = NULL;

  g_assert_false (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, contents);
}

/* Symlinks where the tree has a directory or a file: an update must not
 * write (nor delete) through them. */
static void
test_update_ignores_symlinks (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work = g_build_filename (ws, "repo", NULL);
  g_autofree char *outside_dir = g_build_filename (tmp, "outside-dir", NULL);
  g_autofree char *outside_file = g_build_filename (tmp, "outside-file", NULL);
  g_autofree char *work_src = g_build_filename (work, "src", NULL);
  g_autofree char *work_index = g_build_filename (work, "index.js", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *upstream_oid = NULL;
  g_autoptr(GError) error = NULL;

  forge_test_git_commit_file (upstream, "src/a.js", "a1\n");
  forge_test_git_commit_file (upstream, "src/old.js", "old\n");
  forge_test_git_commit_file (upstream, "index.js", "index1\n");
  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  /* What a dev script can do inside the sandbox. */
  g_assert_cmpint (g_mkdir (outside_dir, 0755), ==, 0);
  {
    g_autofree char *keep = g_build_filename (outside_dir, "old.js", NULL);
    g_assert_true (g_file_set_contents (keep, "precious\n", -1, NULL));
  }
  g_assert_true (g_file_set_contents (outside_file, "precious\n", -1, NULL));
  forge_test_rm_rf (work_src);
  g_assert_cmpint (symlink (outside_dir, work_src), ==, 0);
  g_assert_cmpint (g_unlink (work_index), ==, 0);
  g_assert_cmpint (symlink (outside_file, work_index), ==, 0);

  /* Upstream changes both paths and deletes a file under src/. */
  forge_test_git_commit_file (upstream, "src/a.js", "a2\n");
  forge_test_git_commit_file (upstream, "index.js", "index2\n");
  forge_test_git (upstream, "rm", "-q", "src/old.js", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "drop old.js", NULL);
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");

  g_assert_true (update_workspace (url, ws, &oid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);

  /* Outside: untouched. */
  g_assert_cmpuint (count_entries (outside_dir), ==, 1);
  {
    g_autofree char *keep = g_build_filename (outside_dir, "old.js", NULL);
    assert_file_is (keep, "precious\n");
  }
  assert_file_is (outside_file, "precious\n");

  /* Inside: what upstream has. */
  g_assert_false (g_file_test (work_src, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (work_src, G_FILE_TEST_IS_DIR));
  {
    g_autofree char *a = g_build_filename (work_src, "a.js", NULL);
    g_autofree char *old = g_build_filename (work_src, "old.js", NULL);

    assert_file_is (a, "a2\n");
    g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  }
  assert_file_is (work_index, "index2\n");

  forge_test_rm_rf (tmp);
}

static void
append_hostile_config (const char *dotgit,
                       const char *outside)
{
  g_autofree char *config = g_build_filename (dotgit, "config", NULL);
  g_autofree char *text = NULL;
  g_autofree char *old = NULL;

  g_mkdir_with_parents (dotgit, 0755);
  g_file_get_contents (config, &old, NULL, NULL);
  text = g_strdup_printf ("%s\n[core]\n\tworktree = %s\n\thooksPath = %s\n"
                          "[include]\n\tpath = %s/included\n"
                          "[url \"https://evil.invalid/\"]\n\tinsteadOf = https://nothing.invalid/\n",
                          old != NULL ? old : "", outside, outside, outside);
  g_assert_true (g_file_set_contents (config, text, -1, NULL));
}

/* A sandbox can write repo/.git: the host must not read it. */
static void
test_update_ignores_planted_dotgit (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work = g_build_filename (ws, "repo", NULL);
  g_autofree char *dotgit = g_build_filename (work, ".git", NULL);
  g_autofree char *outside = g_build_filename (tmp, "outside", NULL);
  g_autofree char *git_config = g_build_filename (ws, "git", "config", NULL);
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);
  append_hostile_config (dotgit, outside);
  forge_test_git_commit_file (upstream, "second.txt", "two\n");

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (outside), ==, 0);
  g_assert_true (forge_test_file_has_content (work, "second.txt", "two\n"));
  g_assert_true (g_file_get_contents (git_config, &config, NULL, NULL));
  g_assert_null (strstr (config, "worktree"));
  g_assert_null (strstr (config, "hooksPath"));
  g_assert_null (strstr (config, "include"));
  g_assert_null (strstr (config, "insteadOf"));

  forge_test_rm_rf (tmp);
}

/* A workspace from before the git directory moved out of the work tree:
 * its .git was writable by sandboxes, so it is cloned afresh. */
static void
test_old_layout_is_recloned (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work = g_build_filename (ws, "repo", NULL);
  g_autofree char *dotgit = g_build_filename (work, ".git", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *outside = g_build_filename (tmp, "outside", NULL);
  g_autofree char *stray = g_build_filename (work, "stray.txt", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *upstream_oid = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (ws, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);
  forge_test_git (ws, "clone", "-q", url, "repo", NULL);
  append_hostile_config (dotgit, outside);
  g_assert_true (g_file_set_contents (stray, "x", -1, NULL));
  forge_test_git_commit_file (upstream, "second.txt", "two\n");
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");

  g_assert_true (update_workspace (url, ws, &oid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_false (g_file_test (dotgit, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (git_dir, G_FILE_TEST_IS_DIR));
  g_assert_true (forge_test_file_has_content (work, "second.txt", "two\n"));
  g_assert_cmpuint (count_entries (outside), ==, 0);

  forge_test_rm_rf (tmp);
}

/* Config nobody but us should have written: in the git directory itself
 * (recloned) and in ~/.gitconfig (never read). */
static void
test_foreign_config_is_ignored (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work = g_build_filename (ws, "repo", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *git_config = g_build_filename (git_dir, "config", NULL);
  g_autofree char *outside = g_build_filename (tmp, "outside", NULL);
  g_autofree char *global = g_build_filename (g_getenv ("HOME"), ".gitconfig", NULL);
  g_autofree char *global_text = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);
  append_hostile_config (git_dir, outside);
  forge_test_git_commit_file (upstream, "second.txt", "two\n");

  /* Would send the fetch elsewhere, were it read. */
  global_text = g_strdup_printf ("[url \"file://%s/nowhere\"]\n\tinsteadOf = %s\n", tmp, url);
  g_assert_true (g_file_set_contents (global, global_text, -1, NULL));
  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_cmpint (g_unlink (global), ==, 0);
  g_assert_no_error (error);

  g_assert_cmpuint (count_entries (outside), ==, 0);
  g_assert_true (forge_test_file_has_content (work, "second.txt", "two\n"));
  g_assert_true (g_file_get_contents (git_config, &config, NULL, NULL));
  g_assert_null (strstr (config, "worktree"));
  g_assert_null (strstr (config, "hooksPath"));

  forge_test_rm_rf (tmp);
}

/* ------------------------------------------------------------------ */
/* Submodules                                                         */
/* ------------------------------------------------------------------ */

/* git refuses file:// submodules unless told (CVE-2022-39253). */
static void
add_submodule (const char *repo,
               const char *url,
               const char *path)
{
  forge_test_git (repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", url, path, NULL);
  forge_test_git (repo, "commit", "-q", "-m", "add submodule", NULL);
}

/* A .gitmodules entry and a gitlink to commit, without cloning url. */
static void
add_gitlink (const char *repo,
             const char *name,
             const char *path,
             const char *url,
             const char *commit)
{
  g_autofree char *path_key = g_strdup_printf ("submodule.%s.path", name);
  g_autofree char *url_key = g_strdup_printf ("submodule.%s.url", name);
  g_autofree char *cacheinfo = g_strdup_printf ("160000,%s,%s", commit, path);

  forge_test_git (repo, "config", "-f", ".gitmodules", path_key, path, NULL);
  forge_test_git (repo, "config", "-f", ".gitmodules", url_key, url, NULL);
  forge_test_git (repo, "update-index", "--add", "--cacheinfo", cacheinfo, NULL);
  forge_test_git (repo, "add", ".gitmodules", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "gitlink", NULL);
}

static gboolean
clone_with_notes (const char  *url,
                  const char  *ws,
                  char      ***notes,
                  GError     **error)
{
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *oid = NULL;

  return forge_git_clone_or_update_ref_with_notes (url, NULL, git_dir, work_tree, NULL, NULL, NULL,
                                                   &oid, notes, NULL, error);
}

static void
assert_no_dotgit_below (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpstr (name, !=, ".git");
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        assert_no_dotgit_below (path);
    }
}

static void
test_submodules_local (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *nested = forge_test_make_upstream (tmp, "nested");
  g_autofree char *sub = forge_test_make_upstream (tmp, "sub");
  g_autofree char *parent = forge_test_make_upstream (tmp, "parent");
  g_autofree char *sub_url = g_filename_to_uri (sub, NULL, NULL);
  g_autofree char *parent_url = g_filename_to_uri (parent, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *sub_dir = g_build_filename (work_tree, "vendor", "sub", NULL);
  g_autofree char *deep_dir = g_build_filename (sub_dir, "deep", NULL);
  g_autofree char *parent_sub = g_build_filename (parent, "vendor", "sub", NULL);
  g_autofree char *oid = NULL;
  g_auto(GStrv) notes = NULL;
  g_autoptr(GError) error = NULL;
  gboolean updated = FALSE;

  /* sub holds nested at deep/, by a relative address (resolved against
   * sub's own); parent holds sub at vendor/sub: two levels. */
  forge_test_git_commit_file (nested, "deep.txt", "nested v1\n");
  forge_test_git_commit_file (sub, "lib.txt", "sub v1\n");
  add_submodule (sub, "../nested", "deep");
  add_submodule (parent, sub_url, "vendor/sub");
  forge_test_git (parent, "branch", "first", NULL);

  g_assert_true (clone_with_notes (parent_url, ws, &notes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (notes), ==, 0);
  g_assert_true (forge_test_file_has_content (sub_dir, "lib.txt", "sub v1\n"));
  g_assert_true (forge_test_file_has_content (deep_dir, "deep.txt", "nested v1\n"));
  /* Their git directories are the host's, beside the parent's. */
  assert_no_dotgit_below (work_tree);

  /* The parent moves its submodule on: a pull follows. */
  forge_test_git_commit_file (sub, "lib.txt", "sub v2\n");
  forge_test_git (parent_sub, "-c", "protocol.file.allow=always", "pull", "-q", "origin", "main", NULL);
  forge_test_git (parent, "commit", "-q", "-a", "-m", "sub v2", NULL);
  g_assert_true (forge_git_pull (parent_url, NULL, git_dir, work_tree, NULL, NULL, NULL,
                                 &oid, &updated, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (updated);
  g_assert_true (forge_test_file_has_content (sub_dir, "lib.txt", "sub v2\n"));
  g_assert_true (forge_test_file_has_content (deep_dir, "deep.txt", "nested v1\n"));
  assert_no_dotgit_below (work_tree);

  /* Switching to a branch where it is older takes it back. */
  g_clear_pointer (&oid, g_free);
  g_assert_true (forge_git_clone_or_update_ref (parent_url, "refs/heads/first", git_dir, work_tree, NULL,
                                                NULL, NULL, &oid, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (forge_test_file_has_content (sub_dir, "lib.txt", "sub v1\n"));
  g_assert_true (forge_test_file_has_content (deep_dir, "deep.txt", "nested v1\n"));

  forge_test_rm_rf (tmp);
}

static void
test_submodules_unreachable (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *parent = forge_test_make_upstream (tmp, "parent");
  g_autofree char *parent_url = g_filename_to_uri (parent, NULL, NULL);
  g_autofree char *head = forge_test_git_rev_parse (parent, "HEAD");
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_auto(GStrv) notes = NULL;
  g_autoptr(GError) error = NULL;

  /* Port 1: nothing listens there. */
  add_gitlink (parent, "gone", "vendor/gone", "http://127.0.0.1:1/gone.git", head);

  g_assert_true (clone_with_notes (parent_url, ws, &notes, &error));
  g_assert_no_error (error);
  g_assert_true (forge_test_file_has_content (work_tree, "README.md", "# Test\n"));
  g_assert_cmpuint (g_strv_length (notes), ==, 1);
  g_test_message ("%s", notes[0]);
  g_assert_nonnull (strstr (notes[0], "Submodule “vendor/gone” (http://127.0.0.1:1/gone.git) was not fetched"));
  g_assert_nonnull (strstr (notes[0], "its folder stays empty"));

  forge_test_rm_rf (tmp);
}

/* A repository from the network may use submodules from the network
 * (here by a relative address), never from this computer. */
static void
test_submodules_remote_parent (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *secret = forge_test_make_upstream (tmp, "secret");
  g_autofree char *secret_url = g_filename_to_uri (secret, NULL, NULL);
  g_autofree char *secret_head = NULL;
  g_autofree char *sub = forge_test_make_upstream (tmp, "sub");
  g_autofree char *sub_head = NULL;
  g_autofree char *parent = forge_test_make_upstream (tmp, "parent");
  g_autofree char *bare_sub = NULL;
  g_autofree char *bare_parent = NULL;
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (root, NULL);
  g_autofree char *url = NULL;
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *sub_dir = g_build_filename (work_tree, "vendor", "sub", NULL);
  g_autofree char *expected = NULL;
  g_auto(GStrv) notes = NULL;
  g_autoptr(GError) error = NULL;

  forge_test_git_commit_file (secret, "secret.txt", "LOCAL-SECRET-CONTENT\n");
  forge_test_git_commit_file (sub, "lib.txt", "served sub\n");
  secret_head = forge_test_git_rev_parse (secret, "HEAD");
  sub_head = forge_test_git_rev_parse (sub, "HEAD");
  bare_sub = forge_test_make_bare (sub, root, "sub.git");
  add_gitlink (parent, "sub", "vendor/sub", "../sub.git", sub_head);
  add_gitlink (parent, "secret", "vendor/secret", secret_url, secret_head);
  bare_parent = forge_test_make_bare (parent, root, "parent.git");
  url = forge_test_git_server_dup_url (server, "parent.git");

  g_assert_true (clone_with_notes (url, ws, &notes, &error));
  g_assert_no_error (error);
  g_assert_true (forge_test_file_has_content (sub_dir, "lib.txt", "served sub\n"));
  g_assert_cmpuint (g_strv_length (notes), ==, 1);
  g_test_message ("%s", notes[0]);
  expected = g_strdup_printf ("Submodule “vendor/secret” (%s) was refused: a repository from the network cannot use a submodule on this computer",
                              secret_url);
  g_assert_nonnull (strstr (notes[0], expected));
  /* Neither its files nor its objects. */
  g_assert_false (forge_test_tree_contains (ws, "LOCAL-SECRET-CONTENT"));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (work_tree, "secret.txt"), ==, 0);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

static void
test_submodules_path_escapes (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *sub = forge_test_make_upstream (tmp, "sub");
  g_autofree char *sub_url = g_filename_to_uri (sub, NULL, NULL);
  g_autofree char *sub_head = forge_test_git_rev_parse (sub, "HEAD");
  g_autofree char *parent = forge_test_make_upstream (tmp, "parent");
  g_autofree char *parent_url = g_filename_to_uri (parent, NULL, NULL);
  g_autofree char *outside = g_build_filename (tmp, "outside", NULL);
  g_autofree char *link = g_build_filename (parent, "link", NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_auto(GStrv) notes = NULL;
  g_autoptr(GError) error = NULL;

  /* "../outside" next to the work tree; "link/sub" through a symlink the
   * checkout puts in the work tree, pointing out of it. */
  g_assert_cmpint (g_mkdir (outside, 0755), ==, 0);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  forge_test_git (parent, "add", "link", NULL);
  forge_test_git (parent, "config", "-f", ".gitmodules", "submodule.up.path", "../outside", NULL);
  forge_test_git (parent, "config", "-f", ".gitmodules", "submodule.up.url", sub_url, NULL);
  forge_test_git (parent, "config", "-f", ".gitmodules", "submodule.via.path", "link/sub", NULL);
  forge_test_git (parent, "config", "-f", ".gitmodules", "submodule.via.url", sub_url, NULL);
  forge_test_git (parent, "add", ".gitmodules", NULL);
  forge_test_git (parent, "commit", "-q", "-m", "escaping submodules", NULL);
  g_test_message ("sub at %s", sub_head);

  g_assert_true (clone_with_notes (parent_url, ws, &notes, &error));
  g_assert_no_error (error);
  g_assert_true (forge_test_file_has_content (work_tree, "README.md", "# Test\n"));
  /* libgit2 itself drops "../outside" from .gitmodules (git does too);
   * the symlinked one gets its line. */
  g_assert_cmpuint (g_strv_length (notes), ==, 1);
  g_test_message ("%s", notes[0]);
  g_assert_cmpstr (notes[0], ==, "Submodule “link/sub” was refused: its path leaves the project’s folder.");
  g_assert_cmpuint (count_entries (outside), ==, 0);
  g_assert_false (forge_test_tree_contains (outside, "# Test"));

  forge_test_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  g_test_add_func ("/git/normalize-url", test_normalize_url);
  g_test_add_func ("/git/normalize-url/malformed", test_normalize_url_malformed);
  g_test_add_func ("/git/host-owner-repo", test_host_owner_repo);
  g_test_add_func ("/git/error-mapping", test_error_mapping);
  g_test_add_func ("/git/clone-file-and-update", test_clone_file_and_update);
  g_test_add_func ("/git/progress-throttled", test_progress_throttled);
  g_test_add_func ("/git/dest-holds-other-things", test_dest_holds_other_things);
  g_test_add_func ("/git/empty-repository", test_empty_repository);
  g_test_add_func ("/git/clone-http", test_clone_http);
  g_test_add_func ("/git/cancel", test_cancel);
  g_test_add_func ("/git/errors", test_errors);
  g_test_add_func ("/git/auth", test_auth);
  g_test_add_func ("/git/token-stays-with-its-host", test_token_stays_with_its_host);
  g_test_add_func ("/git/update-ignores-symlinks", test_update_ignores_symlinks);
  g_test_add_func ("/git/update-ignores-planted-dotgit", test_update_ignores_planted_dotgit);
  g_test_add_func ("/git/old-layout-is-recloned", test_old_layout_is_recloned);
  g_test_add_func ("/git/foreign-config-is-ignored", test_foreign_config_is_ignored);
  g_test_add_func ("/git/submodules/local", test_submodules_local);
  g_test_add_func ("/git/submodules/unreachable", test_submodules_unreachable);
  g_test_add_func ("/git/submodules/remote-parent", test_submodules_remote_parent);
  g_test_add_func ("/git/submodules/path-escapes", test_submodules_path_escapes);

  return g_test_run ();
}
