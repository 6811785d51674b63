/* test-git.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <git2.h>

#include <libsoup/soup.h>

#include "forge-git.h"
#include "forge-git-checkout-private.h"
#include "git-http-server.h"
#include "git-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_repository, git_repository_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_index, git_index_free)

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
    /* Found by fuzzing: a password kept in a local address. */
    { " file://f:eil@", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "file://user:secret@/srv/git/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "file://user@/srv/git/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
    { "file://:8080/srv/git/repo", NULL, FORGE_GIT_ERROR_INVALID_URL },
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

  return forge_git_clone_or_update_ref (url, NULL, git_dir, work_tree, NULL, NULL, NULL,
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
                                 &oid, &updated, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (updated);
  g_assert_true (forge_test_file_has_content (sub_dir, "lib.txt", "sub v2\n"));
  g_assert_true (forge_test_file_has_content (deep_dir, "deep.txt", "nested v1\n"));
  assert_no_dotgit_below (work_tree);

  /* Switching to a branch where it is older takes it back. */
  g_clear_pointer (&oid, g_free);
  g_assert_true (forge_git_clone_or_update_ref (parent_url, "refs/heads/first", git_dir, work_tree, NULL,
                                                NULL, NULL, &oid, NULL, NULL, &error));
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

/* ------------------------------------------------------------------ */
/* Big files                                                          */
/* ------------------------------------------------------------------ */

#define KB (G_GUINT64_CONSTANT (1024))
#define MB (KB * 1024)

/* Thresholds small enough for small files: from 64 KiB up a file is
 * streamed, and what cannot be must fit in memory_bound. */
static void
set_small_limits (guint64 memory_bound)
{
  _forge_git_checkout_set_limits (64 * KB, memory_bound);
}

/* Bytes no delta or zlib shrinks, different for each seed. */
static void
write_random_file (const char *path,
                   gsize       size,
                   guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint32 *data = g_new (guint32, size / 4 + 1);
  g_autofree char *dir = g_path_get_dirname (path);

  for (gsize i = 0; i < size / 4 + 1; i++)
    data[i] = g_rand_int (rand);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, (const char *) data, size, NULL));
}

static void
assert_same_file (const char *expected,
                  const char *actual)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize a_len = 0;
  gsize b_len = 0;

  g_assert_true (g_file_get_contents (expected, &a, &a_len, NULL));
  g_assert_false (g_file_test (actual, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_get_contents (actual, &b, &b_len, NULL));
  g_assert_cmpmem (a, a_len, b, b_len);
}

static void
assert_executable (const char *path,
                   gboolean    executable)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint ((st.st_mode & S_IXUSR) != 0, ==, executable);
}

static void
assert_work_tree_clean (const char *ws)
{
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *changed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean dirty;

  dirty = forge_git_work_tree_is_dirty (git_dir, work_tree, &changed, &error);
  g_assert_no_error (error);
  if (dirty)
    g_test_message ("changed: %s", changed);
  g_assert_false (dirty);
}

/* The only pack of a git directory: its path without ".pack"/".idx". */
static char *
dup_only_pack (const char *git_dir)
{
  g_autofree char *pack_dir = g_build_filename (git_dir, "objects", "pack", NULL);
  g_autoptr(GDir) dir = g_dir_open (pack_dir, 0, NULL);
  char *found = NULL;
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".pack"))
      {
        g_assert_null (found);
        found = g_build_filename (pack_dir, name, NULL);
        found[strlen (found) - strlen (".pack")] = '\0';
      }
  g_assert_nonnull (found);
  return found;
}

/* The line `git verify-pack -v` prints for oid: "oid type size
 * size-in-pack offset [depth base]". */
static char **
dup_verify_pack_line (const char *pack,
                      const char *oid)
{
  g_autofree char *idx = g_strconcat (pack, ".idx", NULL);
  g_autofree char *out = forge_test_git_output (g_get_tmp_dir (), "verify-pack", "-v", idx, NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], oid))
      {
        g_auto(GStrv) fields = g_strsplit_set (lines[i], " ", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

        for (guint j = 0; fields[j] != NULL; j++)
          if (*fields[j] != '\0')
            g_ptr_array_add (kept, g_strdup (fields[j]));
        g_ptr_array_add (kept, NULL);
        return (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
      }
  g_error ("%s is not in %s", oid, idx);
  return NULL;
}

/* Names a pathspec would read as patterns, or trim, or split: each file
 * is bigger than what may be held in memory, so a name the checkout
 * could not leave out of libgit2's fails the clone. Small files whose
 * names those patterns would match, unescaped, stand next to them. */
static void
test_big_file_names (void)
{
  static const char * const big[] = {
    "with space.bin", "ünïcødé.bin", "!leading.bin", "trailing.bin ", "new\nline.bin",
    "d/we*ird[1].bin", "back\\slash.bin", "d/sub dir/#hash?.bin", "x.bin",
  };
  static const char * const small[] = {
    "leading.bin", "d/weXird1.bin", "d/weird1.bin", "with", "newline.bin", "trailing.bin",
  };
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autoptr(GError) error = NULL;

  set_small_limits (128 * KB);
  for (guint i = 0; i < G_N_ELEMENTS (big); i++)
    {
      g_autofree char *path = g_build_filename (upstream, big[i], NULL);

      write_random_file (path, 200 * KB, i + 1);
    }
  {
    g_autofree char *exec = g_build_filename (upstream, "x.bin", NULL);
    g_assert_cmpint (chmod (exec, 0755), ==, 0);
  }
  for (guint i = 0; i < G_N_ELEMENTS (small); i++)
    {
      g_autofree char *path = g_build_filename (upstream, small[i], NULL);

      g_assert_true (g_file_set_contents (path, small[i], -1, NULL));
    }
  forge_test_git (upstream, "add", "-A", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "odd names", NULL);

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (big); i++)
    {
      g_autofree char *expected = g_build_filename (upstream, big[i], NULL);
      g_autofree char *actual = g_build_filename (work_tree, big[i], NULL);

      assert_same_file (expected, actual);
      assert_executable (actual, g_str_equal (big[i], "x.bin"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (small); i++)
    g_assert_true (forge_test_file_has_content (work_tree, small[i], small[i]));
  assert_work_tree_clean (ws);

  _forge_git_checkout_set_limits (0, 0);
  forge_test_rm_rf (tmp);
}

/* What libgit2 reads whole whatever the checkout does (a symbolic
 * link's target, .gitignore and its kin) is refused past what a real one
 * holds, before anything is written. */
static void
test_big_file_read_whole (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *ws2 = g_build_filename (tmp, "ws2", NULL);
  g_autofree char *target = g_build_filename (tmp, "target", NULL);
  g_autofree char *sub = g_build_filename (upstream, "sub", NULL);
  g_autofree char *ignore = g_build_filename (sub, ".gitignore", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *cacheinfo = NULL;
  g_autoptr(GError) error = NULL;

  /* A "link" whose target is 100 KiB long. */
  write_random_file (target, 100 * KB, 41);
  oid = forge_test_git_output (upstream, "hash-object", "-w", target, NULL);
  g_strstrip (oid);
  cacheinfo = g_strdup_printf ("120000,%s,link", oid);
  forge_test_git (upstream, "update-index", "--add", "--cacheinfo", cacheinfo, NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "a long link", NULL);

  g_assert_false (update_workspace (url, ws, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "“link” could not be checked out: it is a symbolic link of 100.0\u00a0KiB"));
  g_assert_cmpuint (count_entries (ws), ==, 0);
  g_clear_error (&error);

  /* A .gitignore of 17 MiB, in a folder. */
  forge_test_git (upstream, "rm", "-q", "--cached", "link", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  {
    g_autofree char *zeros = g_malloc0 (17 * MB);

    g_assert_true (g_file_set_contents (ignore, zeros, 17 * MB, NULL));
  }
  forge_test_git (upstream, "add", "sub/.gitignore", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "a huge .gitignore", NULL);

  g_assert_false (update_workspace (url, ws2, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "“sub/.gitignore” (17.0\u00a0MiB) could not be checked out: Git reads it whole"));
  g_assert_cmpuint (count_entries (ws2), ==, 0);

  forge_test_rm_rf (tmp);
}

/* A loose object (objects/xx/…), not a pack: streamed all the same. */
static void
test_big_file_loose (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *expected = g_build_filename (upstream, "big.bin", NULL);
  g_autofree char *actual = g_build_filename (work_tree, "big.bin", NULL);
  g_autofree char *pack_dir = g_build_filename (git_dir, "objects", "pack", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *loose = NULL;
  g_autofree char *pack = NULL;
  g_autofree char *moved = g_build_filename (tmp, "moved.pack", NULL);
  g_autoptr(GError) error = NULL;

  set_small_limits (128 * KB);
  write_random_file (expected, 300 * KB, 7);
  forge_test_git (upstream, "add", "big.bin", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "big", NULL);
  oid = forge_test_git_rev_parse (upstream, "HEAD:big.bin");
  loose = g_strdup_printf ("%s/objects/%.2s/%s", git_dir, oid, oid + 2);

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  /* The clone's pack, taken out and unpacked into loose objects. */
  pack = dup_only_pack (git_dir);
  {
    g_autofree char *pack_file = g_strconcat (pack, ".pack", NULL);
    g_autofree char *idx_file = g_strconcat (pack, ".idx", NULL);
    const char *argv[] = { "sh", "-c", "git unpack-objects -q < \"$0\"", moved, NULL };
    int status = 0;

    g_assert_cmpint (g_rename (pack_file, moved), ==, 0);
    g_assert_cmpint (g_unlink (idx_file), ==, 0);
    g_assert_true (g_spawn_sync (git_dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_assert_true (g_file_test (loose, G_FILE_TEST_IS_REGULAR));

  g_assert_true (forge_git_clone_or_update_ref (url, NULL, git_dir, work_tree, NULL, NULL, NULL,
                                            NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  /* It was read loose: nothing fetched it into a pack again. */
  g_assert_cmpuint (forge_test_count_entries_with_prefix (pack_dir, "pack-"), ==, 0);
  assert_same_file (expected, actual);
  assert_work_tree_clean (ws);

  _forge_git_checkout_set_limits (0, 0);
  forge_test_rm_rf (tmp);
}

/* A blob stored as a delta cannot be inflated alone: libgit2 puts it
 * together in memory, up to the memory bound, and past it the clone
 * fails with one line naming the file. */
static void
test_big_file_delta (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *root = g_build_filename (tmp, "srv", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *a = g_build_filename (upstream, "a.bin", NULL);
  g_autofree char *b = g_build_filename (upstream, "b.bin", NULL);
  g_autofree char *bare = NULL;
  g_autoptr(ForgeTestGitServer) server = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *ws2 = g_build_filename (tmp, "ws2", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *pack = NULL;
  g_autofree char *delta_name = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  /* Two files alike but for their first bytes, packed with deltas. */
  write_random_file (a, 200 * KB, 11);
  {
    g_autofree char *contents = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (a, &contents, &len, NULL));
    memcpy (contents, "not quite the same", strlen ("not quite the same"));
    g_assert_true (g_file_set_contents (b, contents, len, NULL));
  }
  forge_test_git (upstream, "add", "a.bin", "b.bin", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "alike", NULL);
  forge_test_git (upstream, "repack", "-q", "-adf", "--window=10", NULL);
  bare = forge_test_make_bare (upstream, root, "delta.git");
  server = forge_test_git_server_new (root, NULL);
  url = forge_test_git_server_dup_url (server, "delta.git");

  set_small_limits (1 * MB);
  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  /* One of them reached the clone as a delta of the other. */
  pack = dup_only_pack (git_dir);
  for (guint i = 0; i < 2 && delta_name == NULL; i++)
    {
      const char *name = i == 0 ? "a.bin" : "b.bin";
      g_autofree char *rev = g_strconcat ("HEAD:", name, NULL);
      g_autofree char *oid = forge_test_git_rev_parse (upstream, rev);
      g_auto(GStrv) fields = dup_verify_pack_line (pack, oid);

      g_assert_cmpstr (fields[1], ==, "blob");
      if (g_strv_length (fields) >= 7)
        delta_name = g_strdup (name);
    }
  g_assert_nonnull (delta_name);
  g_test_message ("%s is a delta", delta_name);

  {
    g_autofree char *a_out = g_build_filename (work_tree, "a.bin", NULL);
    g_autofree char *b_out = g_build_filename (work_tree, "b.bin", NULL);

    assert_same_file (a, a_out);
    assert_same_file (b, b_out);
  }
  assert_work_tree_clean (ws);

  /* Below its size, the delta is refused. */
  set_small_limits (100 * KB);
  g_assert_false (update_workspace (url, ws2, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG);
  g_test_message ("%s", error->message);
  /* g_format_size() puts a no-break space before the unit. */
  expected = g_strdup_printf ("“%s” (200.0\u00a0KiB) could not be checked out: Git stores it as a delta, which needs it whole in memory, and only files up to 100.0\u00a0KiB are checked out that way.",
                              delta_name);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_null (strchr (error->message, '\n'));
  /* Nothing half-written: no work tree, no git directory, no staging. */
  g_assert_cmpuint (count_entries (ws2), ==, 0);

  _forge_git_checkout_set_limits (0, 0);
  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

/* A file .gitattributes converts is converted whole in memory, as
 * libgit2 would, up to the bound. */
static void
test_big_file_filtered (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *ws2 = g_build_filename (tmp, "ws2", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autoptr(GString) lf = g_string_new (NULL);
  g_autoptr(GString) crlf = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; lf->len < 200 * KB; i++)
    {
      g_string_append_printf (lf, "line %u\n", i);
      g_string_append_printf (crlf, "line %u\r\n", i);
    }
  forge_test_git_commit_file (upstream, ".gitattributes", "*.txt text eol=crlf\n");
  forge_test_git_commit_file (upstream, "notes.txt", lf->str);

  set_small_limits (1 * MB);
  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (forge_test_file_has_content (work_tree, "notes.txt", crlf->str));
  assert_work_tree_clean (ws);

  set_small_limits (100 * KB);
  g_assert_false (update_workspace (url, ws2, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“notes.txt”"));
  g_assert_nonnull (strstr (error->message, "its .gitattributes convert it"));

  _forge_git_checkout_set_limits (0, 0);
  forge_test_rm_rf (tmp);
}

static void
flip_byte (const char *path,
           goffset     offset)
{
  guint8 byte = 0;
  int fd;

  g_assert_cmpint (chmod (path, 0644), ==, 0);
  fd = open (path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, offset), ==, 1);
  byte ^= 0x5a;
  g_assert_cmpint (pwrite (fd, &byte, 1, offset), ==, 1);
  close (fd);
}

/* Where the .idx keeps oid's 4-byte offset (version 2, small packs). */
static goffset
idx_offset_position (const char *idx,
                     const char *oid)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  git_oid id;
  guint32 n;

  g_assert_cmpint (git_oid_fromstr (&id, oid), ==, 0);
  g_assert_true (g_file_get_contents (idx, &data, &len, NULL));
  n = GUINT32_FROM_BE (*(guint32 *) (data + 8 + 255 * 4));
  for (guint32 i = 0; i < n; i++)
    if (memcmp (data + 8 + 1024 + i * 20, id.id, 20) == 0)
      return 8 + 1024 + (goffset) n * 24 + i * 4;
  g_error ("%s is not in %s", oid, idx);
  return -1;
}

/* The clone's own pack, damaged: the update fails in one line and the
 * work tree stays as it was. */
static void
test_big_file_damaged (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *upstream = forge_test_make_upstream (tmp, "upstream");
  g_autofree char *url = g_filename_to_uri (upstream, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *expected = g_build_filename (upstream, "big.bin", NULL);
  g_autofree char *actual = g_build_filename (work_tree, "big.bin", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *pack = NULL;
  g_autofree char *pack_file = NULL;
  g_autofree char *idx_file = NULL;
  g_auto(GStrv) fields = NULL;
  goffset data_at;
  g_autoptr(GError) error = NULL;

  set_small_limits (128 * KB);
  write_random_file (expected, 300 * KB, 23);
  forge_test_git (upstream, "add", "big.bin", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "big", NULL);
  oid = forge_test_git_rev_parse (upstream, "HEAD:big.bin");

  g_assert_true (update_workspace (url, ws, NULL, &error));
  g_assert_no_error (error);

  pack = dup_only_pack (git_dir);
  pack_file = g_strconcat (pack, ".pack", NULL);
  idx_file = g_strconcat (pack, ".idx", NULL);
  fields = dup_verify_pack_line (pack, oid);
  /* Half-way through the object's zlib stream. */
  data_at = g_ascii_strtoll (fields[4], NULL, 10) + g_ascii_strtoll (fields[3], NULL, 10) / 2;

  flip_byte (pack_file, data_at);
  g_assert_false (forge_git_clone_or_update_ref (url, NULL, git_dir, work_tree, NULL, NULL, NULL,
                                             NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "“big.bin” could not be checked out: its data in the clone is damaged ("));
  g_assert_null (strchr (error->message, '\n'));
  assert_same_file (expected, actual);
  g_assert_cmpuint (forge_test_count_entries_with_prefix (ws, "git.partial-"), ==, 0);
  g_clear_error (&error);
  flip_byte (pack_file, data_at);

  /* An offset past the pack's end in the index. */
  flip_byte (idx_file, idx_offset_position (idx_file, oid));
  g_assert_false (forge_git_clone_or_update_ref (url, NULL, git_dir, work_tree, NULL, NULL, NULL,
                                             NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_null (strchr (error->message, '\n'));
  assert_same_file (expected, actual);
  g_assert_cmpuint (forge_test_count_entries_with_prefix (ws, "git.partial-"), ==, 0);

  _forge_git_checkout_set_limits (0, 0);
  forge_test_rm_rf (tmp);
}

typedef struct
{
  /* The bytes of the first CHECKOUT report, and the last. */
  guint64       first_bytes;
  guint64       last_bytes;
  guint         checkout_reports;
  /* Cancelled at the first CHECKOUT report, as a disk cap would. */
  GCancellable *cancel_on_checkout;
} CheckoutSize;

static void
checkout_size_cb (ForgeGitPhase phase,
                  guint64       current,
                  guint64       total,
                  guint64       bytes,
                  gpointer      user_data)
{
  CheckoutSize *size = user_data;

  if (phase != FORGE_GIT_PHASE_CHECKOUT)
    return;
  if (size->checkout_reports++ == 0)
    size->first_bytes = bytes;
  size->last_bytes = bytes;
  if (size->cancel_on_checkout != NULL)
    g_cancellable_cancel (size->cancel_on_checkout);
}

/* The sum of the blob sizes of repo's HEAD, as git counts them. */
static guint64
tree_size (const char *repo)
{
  g_autofree char *out = forge_test_git_output (repo, "ls-tree", "-r", "-l", "HEAD", NULL);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint64 total = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (lines[i], " \t", -1);
      g_autoptr(GPtrArray) kept = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (kept, fields[j]);
      /* "mode type oid size path"; a submodule's size is "-". */
      if (kept->len >= 4 && g_str_equal (g_ptr_array_index (kept, 1), "blob"))
        total += g_ascii_strtoull (g_ptr_array_index (kept, 3), NULL, 10);
    }
  return total;
}

/* What the checkout writes is reported before it writes anything, the
 * submodules' files added as they come; cancelling then leaves nothing. */
static void
test_checkout_size_first (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-git-XXXXXX", NULL);
  g_autofree char *sub = forge_test_make_upstream (tmp, "sub");
  g_autofree char *sub_url = g_filename_to_uri (sub, NULL, NULL);
  g_autofree char *parent = forge_test_make_upstream (tmp, "parent");
  g_autofree char *parent_url = g_filename_to_uri (parent, NULL, NULL);
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *ws2 = g_build_filename (tmp, "ws2", NULL);
  g_autofree char *git_dir = NULL;
  g_autofree char *work_tree = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CheckoutSize size = { 0 };
  guint64 parent_size;
  guint64 sub_size;

  {
    g_autofree char *lib = g_build_filename (sub, "lib.bin", NULL);
    g_autofree char *data = g_build_filename (parent, "data.bin", NULL);

    write_random_file (lib, 300 * KB, 31);
    write_random_file (data, 700 * KB, 32);
  }
  forge_test_git (sub, "add", "lib.bin", NULL);
  forge_test_git (sub, "commit", "-q", "-m", "lib", NULL);
  forge_test_git (parent, "add", "data.bin", NULL);
  forge_test_git (parent, "commit", "-q", "-m", "data", NULL);
  add_submodule (parent, sub_url, "vendor/sub");
  parent_size = tree_size (parent);
  sub_size = tree_size (sub);

  git_dir = g_build_filename (ws, "git", NULL);
  work_tree = g_build_filename (ws, "repo", NULL);
  g_assert_true (forge_git_clone_or_update (parent_url, git_dir, work_tree, NULL, checkout_size_cb, &size,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size.first_bytes, ==, parent_size);
  g_assert_cmpuint (size.last_bytes, ==, parent_size + sub_size);

  /* A cap that cancels at the first report: the clone fails, and no
   * file was written. */
  memset (&size, 0, sizeof size);
  size.cancel_on_checkout = cancellable;
  g_free (git_dir);
  g_free (work_tree);
  git_dir = g_build_filename (ws2, "git", NULL);
  work_tree = g_build_filename (ws2, "repo", NULL);
  g_assert_false (forge_git_clone_or_update (parent_url, git_dir, work_tree, NULL, checkout_size_cb, &size,
                                             NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (size.checkout_reports, ==, 1);
  g_assert_cmpuint (size.first_bytes, ==, parent_size);
  g_assert_cmpuint (count_entries (ws2), ==, 0);

  forge_test_rm_rf (tmp);
}

/* 1 GiB of zeros (a pack of about a megabyte), an executable file past
 * the threshold and a small one, cloned over HTTP with the real API in
 * a child whose heap is limited to 256 MiB: libgit2's own checkout
 * would need the whole gigabyte. Over HTTP: for file:// addresses
 * libgit2 builds the pack itself, in memory, whatever the checkout. */
#define BIG_SIZE (1024 * MB)
#define BIG_TOOL_SIZE (40 * MB)
#define BIG_MARK_AT (512 * MB)
#define BIG_MARK "changed upstream"
#define BIG_HEAP_LIMIT (256 * MB)

/* The parent's folder, which the child finds by the parent's pid. */
static char *
dup_big_file_dir (pid_t pid)
{
  g_autofree char *name = g_strdup_printf ("forge-git-big-%d", (int) pid);

  return g_build_filename (g_get_tmp_dir (), name, NULL);
}

/* A sparse file: zeros in no time and no room. */
static void
make_zero_file (const char *path,
                guint64     size)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  close (fd);
}

static void
write_at (const char *path,
          guint64     offset,
          const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, text, strlen (text), offset), ==, (gssize) strlen (text));
  close (fd);
}

/* size bytes, all zero but mark (if not NULL) at mark_at; read in
 * chunks, the way the checkout wrote them. */
static void
assert_zeros_but (const char *path,
                  guint64     size,
                  guint64     mark_at,
                  const char *mark)
{
  g_autofree guint8 *chunk = g_malloc (MB);
  g_autofree guint8 *zeros = g_malloc0 (MB);
  struct stat st;
  guint64 done = 0;
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  g_assert_cmpuint (st.st_size, ==, size);
  while (done < size)
    {
      gssize n = read (fd, chunk, MB);

      g_assert_cmpint (n, >, 0);
      if (mark != NULL && mark_at >= done && mark_at < done + n)
        {
          g_assert_cmpuint (mark_at - done + strlen (mark), <=, (guint64) n);
          g_assert_cmpmem (chunk + (mark_at - done), strlen (mark), mark, strlen (mark));
          memset (chunk + (mark_at - done), 0, strlen (mark));
        }
      g_assert_true (memcmp (chunk, zeros, n) == 0);
      done += n;
    }
  close (fd);
}

/* The index entry holds the file's stat: status never reads 1 GiB
 * again to see it is unchanged. */
static void
assert_index_has_stat (const char *git_dir,
                       const char *work_tree,
                       const char *path)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_index) index = NULL;
  g_autofree char *file = g_build_filename (work_tree, path, NULL);
  const git_index_entry *entry;
  struct stat st;

  g_assert_cmpint (git_repository_open_bare (&repo, git_dir), ==, 0);
  g_assert_cmpint (git_repository_index (&index, repo), ==, 0);
  entry = git_index_get_bypath (index, path, 0);
  g_assert_nonnull (entry);
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpuint (entry->ino, ==, (guint32) st.st_ino);
  g_assert_cmpuint (entry->file_size, ==, (guint32) st.st_size);
  g_assert_cmpuint (entry->mtime.seconds, ==, (guint32) st.st_mtim.tv_sec);
}

static void
big_file_child (void)
{
  g_autofree char *tmp = dup_big_file_dir (getppid ());
  g_autofree char *url_file = g_build_filename (tmp, "url", NULL);
  g_autofree char *url = NULL;
  g_autofree char *ws = g_build_filename (tmp, "ws", NULL);
  g_autofree char *git_dir = g_build_filename (ws, "git", NULL);
  g_autofree char *work_tree = g_build_filename (ws, "repo", NULL);
  g_autofree char *big = g_build_filename (work_tree, "big.bin", NULL);
  g_autofree char *tool = g_build_filename (work_tree, "tool.bin", NULL);
  g_autofree char *oid = NULL;
  g_autofree char *peak_file = g_build_filename (tmp, "peak-rss-mib", NULL);
  g_autofree char *peak = NULL;
  g_autoptr(GError) error = NULL;
  gboolean updated = FALSE;
  struct rusage usage;
  gboolean ok;

  g_assert_true (g_file_get_contents (url_file, &url, NULL, NULL));

  if (g_getenv ("FORGE_TEST_SANITIZED") == NULL)
    {
      struct rlimit limit = { BIG_HEAP_LIMIT, BIG_HEAP_LIMIT };

      g_assert_cmpint (setrlimit (RLIMIT_DATA, &limit), ==, 0);
    }
  else
    g_test_message ("Heap not limited: under ASan the shadow memory and the quarantine of freed buffers take more than the limit, whatever the checkout does");

  ok = forge_git_clone_or_update_ref (url, "refs/heads/first", git_dir, work_tree, NULL,
                                      NULL, NULL, &oid, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  assert_zeros_but (big, BIG_SIZE, 0, NULL);
  assert_executable (big, FALSE);
  assert_zeros_but (tool, BIG_TOOL_SIZE, 0, "#!/bin/sh\n");
  assert_executable (tool, TRUE);
  g_assert_true (forge_test_file_has_content (work_tree, "small.txt", "small\n"));
  assert_work_tree_clean (ws);
  assert_index_has_stat (git_dir, work_tree, "big.bin");

  /* A pull to the commit that changed the big file. */
  g_clear_pointer (&oid, g_free);
  ok = forge_git_pull (url, "refs/heads/main", git_dir, work_tree, NULL, NULL, NULL,
                       &oid, &updated, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (updated);
  assert_zeros_but (big, BIG_SIZE, BIG_MARK_AT, BIG_MARK);
  assert_executable (tool, TRUE);
  assert_work_tree_clean (ws);

  /* For the parent's log: the child's own output is not shown. */
  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  peak = g_strdup_printf ("%ld", usage.ru_maxrss / 1024);
  g_assert_true (g_file_set_contents (peak_file, peak, -1, NULL));
}

static void
test_big_file_streamed (void)
{
  g_autofree char *tmp = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *root = NULL;
  g_autofree char *bare = NULL;
  g_autofree char *url = NULL;
  g_autofree char *url_file = NULL;
  g_autofree char *big = NULL;
  g_autofree char *tool = NULL;
  g_autoptr(ForgeTestGitServer) server = NULL;

  if (g_test_subprocess ())
    {
      big_file_child ();
      return;
    }

  tmp = dup_big_file_dir (getpid ());
  forge_test_rm_rf (tmp);
  g_assert_cmpint (g_mkdir (tmp, 0700), ==, 0);
  upstream = forge_test_make_upstream (tmp, "upstream");
  root = g_build_filename (tmp, "srv", NULL);
  url_file = g_build_filename (tmp, "url", NULL);
  big = g_build_filename (upstream, "big.bin", NULL);
  tool = g_build_filename (upstream, "tool.bin", NULL);

  make_zero_file (big, BIG_SIZE);
  make_zero_file (tool, BIG_TOOL_SIZE);
  write_at (tool, 0, "#!/bin/sh\n");
  g_assert_cmpint (chmod (tool, 0755), ==, 0);
  forge_test_git_commit_file (upstream, "small.txt", "small\n");
  forge_test_git (upstream, "add", "big.bin", "tool.bin", NULL);
  forge_test_git (upstream, "commit", "-q", "-m", "a gigabyte of zeros", NULL);
  forge_test_git (upstream, "branch", "first", NULL);
  write_at (big, BIG_MARK_AT, BIG_MARK);
  forge_test_git (upstream, "commit", "-q", "-a", "-m", "changed", NULL);
  g_assert_cmpint (g_unlink (big), ==, 0);
  g_assert_cmpint (g_unlink (tool), ==, 0);

  bare = forge_test_make_bare (upstream, root, "big.git");
  server = forge_test_git_server_new (root, NULL);
  url = forge_test_git_server_dup_url (server, "big.git");
  g_assert_true (g_file_set_contents (url_file, url, -1, NULL));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  {
    g_autofree char *peak_file = g_build_filename (tmp, "peak-rss-mib", NULL);
    g_autofree char *peak = NULL;

    if (g_file_get_contents (peak_file, &peak, NULL, NULL))
      g_test_message ("The clone's peak resident memory: %s MiB", peak);
  }
  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
  g_test_trap_assert_passed ();
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
  g_test_add_func ("/git/checkout-size-first", test_checkout_size_first);
  g_test_add_func ("/git/big-file/names", test_big_file_names);
  g_test_add_func ("/git/big-file/loose", test_big_file_loose);
  g_test_add_func ("/git/big-file/read-whole", test_big_file_read_whole);
  g_test_add_func ("/git/big-file/delta", test_big_file_delta);
  g_test_add_func ("/git/big-file/filtered", test_big_file_filtered);
  g_test_add_func ("/git/big-file/damaged", test_big_file_damaged);
  g_test_add_func ("/git/big-file/streamed", test_big_file_streamed);

  return g_test_run ();
}
