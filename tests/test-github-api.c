/* test-github-api.c
 *
 * The GitHub half of accounts against a stand-in on loopback
 * (support/forge-github-standin.c): which host and API an environment
 * means, the REST client (a token checked with /user, pages followed
 * through Link and never to another origin, branches, rate limits, 404,
 * no network, hostile answers), and the OAuth device flow (pending,
 * slow_down, expired, denied, cancelled, no client id). Every log line
 * is kept and searched for the tokens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "forge-github-client.h"
#include "forge-github-device-flow.h"
#include "forge-github-host.h"
#include "forge-github-standin.h"

#define GOOD_TOKEN  "ghp_g00d_t0ken_of_octo_for_the_tests_0001"
#define OTHER_TOKEN "ghp_0ther_t0ken_of_someone_else_000000002"
#define WRONG_TOKEN "ghp_wr0ng_t0ken_that_must_never_leak_0003"
#define NEW_TOKEN   "gho_dev1ce_fl0w_t0ken_for_octo_00000004"
#define CLIENT_ID   "Iv1.f0rgepreviewtest"
/* Newest first, as /user/repos?sort=pushed answers. */
#define T0 1714564800  /* 2024-05-01T12:00:00Z */

/* ---- everything logged, to look for secrets in ---- */

static GMutex   log_lock;
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    {
      g_string_append_printf (log_text, "%s=", fields[i].key);
      if (fields[i].length < 0)
        g_string_append (log_text, fields[i].value);
      else
        g_string_append_len (log_text, fields[i].value, fields[i].length);
      g_string_append_c (log_text, '\n');
    }
  g_mutex_unlock (&log_lock);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
assert_no_secret (const char *text)
{
  g_assert_nonnull (text);
  g_assert_null (strstr (text, GOOD_TOKEN));
  g_assert_null (strstr (text, OTHER_TOKEN));
  g_assert_null (strstr (text, WRONG_TOKEN));
  g_assert_null (strstr (text, NEW_TOKEN));
  g_assert_null (strstr (text, "dc-"));   /* the stand-in's device codes */
}

/* ---- waiting for async results ---- */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
keep_waking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the default main context until the result arrives (or fails the
 * test after 30 s instead of hanging). */
static GAsyncResult *
await_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, keep_waking, NULL);

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
  return g_steal_pointer (slot);
}

/* ---- fixture: a stand-in with two users ---- */

typedef struct
{
  ForgeGithubStandin *standin;
  ForgeGithubHost    *host;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  ForgeGithubStandin *standin = forge_github_standin_new ();

  forge_github_standin_add_user (standin, "octo", "Octo Cat", GOOD_TOKEN);
  forge_github_standin_add_user (standin, "other", NULL, OTHER_TOKEN);

  /* Five of octo's: three pages at two a page. */
  forge_github_standin_add_repository (standin, "octo", "site", FALSE, "The landing page", T0);
  forge_github_standin_add_repository (standin, "octo", "blog", TRUE, NULL, T0 - 3600);
  forge_github_standin_add_repository (standin, "octo", "menu", FALSE, "Café menu", T0 - 7200);
  forge_github_standin_add_repository (standin, "octo", "docs", FALSE, "Documentation", T0 - 86400);
  forge_github_standin_add_repository (standin, "octo", "old-thing", FALSE, "Archived SITE", T0 - 10 * 86400);
  forge_github_standin_add_repository (standin, "other", "secret", TRUE, "Not octo's", T0);

  forge_github_standin_add_branch (standin, "octo", "site", "develop");
  forge_github_standin_add_branch (standin, "octo", "site", "feature/login");
  forge_github_standin_add_branch (standin, "octo", "site", "fix-typo");
  forge_github_standin_add_branch (standin, "octo", "site", "release-1.0");

  fixture->standin = standin;
  fixture->host = forge_github_host_new (NULL, forge_github_standin_get_base (standin), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->host);
  g_clear_pointer (&fixture->standin, forge_github_standin_free);

  /* Nothing left for the next test's main loop. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_mutex_lock (&log_lock);
  assert_no_secret (log_text->str);
  g_mutex_unlock (&log_lock);
}

/* ---- synchronous wrappers ---- */

static ForgeGithubUser *
get_user (ForgeGithubClient  *client,
          GError            **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_client_get_user_async (client, NULL, got_result, &result);
  done = await_result (&result);
  return forge_github_client_get_user_finish (client, done, error);
}

static GPtrArray *
list_repositories (ForgeGithubClient  *client,
                   const char         *page_url,
                   guint               per_page,
                   char              **next,
                   GError            **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_client_list_repositories_async (client, page_url, per_page, NULL, got_result, &result);
  done = await_result (&result);
  return forge_github_client_list_repositories_finish (client, done, next, error);
}

static GPtrArray *
list_branches (ForgeGithubClient  *client,
               const char         *owner,
               const char         *repo,
               const char         *page_url,
               guint               per_page,
               char              **next,
               GError            **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_client_list_branches_async (client, owner, repo, page_url, per_page, NULL, got_result, &result);
  done = await_result (&result);
  return forge_github_client_list_branches_finish (client, done, next, error);
}

static ForgeGithubRepository *
get_repository (ForgeGithubClient  *client,
                const char         *owner,
                const char         *repo,
                GError            **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_client_get_repository_async (client, owner, repo, NULL, got_result, &result);
  done = await_result (&result);
  return forge_github_client_get_repository_finish (client, done, error);
}

static void
assert_error_is_clean (const GError *error)
{
  g_assert_nonnull (error);
  assert_no_secret (error->message);
  /* One line, for a label. */
  g_assert_null (strchr (error->message, '\n'));
}

/* ---- hosts ---- */

static void
test_host_default (void)
{
  g_autoptr(ForgeGithubHost) host = forge_github_host_new_default ();
  g_autoptr(ForgeGithubHost) from_empty = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (forge_github_host_get_name (host), ==, "github.com");
  g_assert_cmpstr (forge_github_host_get_api_url (host), ==, "https://api.github.com");
  g_assert_cmpstr (forge_github_host_get_web_url (host), ==, "https://github.com");
  g_assert_cmpstr (forge_github_host_get_device_code_url (host), ==, "https://github.com/login/device/code");
  g_assert_cmpstr (forge_github_host_get_access_token_url (host), ==, "https://github.com/login/oauth/access_token");
  g_assert_true (forge_github_host_is_github_com (host));

  /* An empty environment is github.com too. */
  from_empty = forge_github_host_new_from_environment (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_api_url (from_empty), ==, "https://api.github.com");
}

static void
test_host_enterprise (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubHost) ghe = forge_github_host_new ("GHE.Example.com", NULL, &error);
  g_autoptr(ForgeGithubHost) with_scheme = NULL;
  g_autoptr(ForgeGithubHost) cloud = NULL;
  g_autofree char *api = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (ghe), ==, "ghe.example.com");
  g_assert_cmpstr (forge_github_host_get_api_url (ghe), ==, "https://ghe.example.com/api/v3");
  g_assert_cmpstr (forge_github_host_get_web_url (ghe), ==, "https://ghe.example.com");
  g_assert_cmpstr (forge_github_host_get_device_code_url (ghe), ==, "https://ghe.example.com/login/device/code");
  g_assert_cmpstr (forge_github_host_get_access_token_url (ghe), ==, "https://ghe.example.com/login/oauth/access_token");
  g_assert_false (forge_github_host_is_github_com (ghe));
  g_object_get (ghe, "api-url", &api, NULL);
  g_assert_cmpstr (api, ==, "https://ghe.example.com/api/v3");

  /* The API is only under /api/v3: the token goes nowhere else there. */
  g_assert_true (forge_github_host_owns_api_url (ghe, "https://ghe.example.com/api/v3/user/repos?page=2"));
  g_assert_false (forge_github_host_owns_api_url (ghe, "https://ghe.example.com/login"));
  g_assert_false (forge_github_host_owns_api_url (ghe, "https://ghe.example.com/api/v30/user"));
  g_assert_false (forge_github_host_owns_api_url (ghe, "http://ghe.example.com/api/v3/user"));
  g_assert_false (forge_github_host_owns_api_url (ghe, "https://ghe.example.com:8443/api/v3/user"));
  g_assert_false (forge_github_host_owns_api_url (ghe, "https://evil.example.com/api/v3/user"));

  with_scheme = forge_github_host_new ("https://ghe.example.com/", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (with_scheme), ==, "ghe.example.com");

  /* GitHub Enterprise Cloud with data residency. */
  cloud = forge_github_host_new ("acme.ghe.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_api_url (cloud), ==, "https://api.acme.ghe.com");
  g_assert_cmpstr (forge_github_host_get_web_url (cloud), ==, "https://acme.ghe.com");
}

static ForgeGithubHost *
host_from (const char *gh_host,
           const char *api_url,
           GError    **error)
{
  g_auto(GStrv) envp = NULL;

  envp = g_environ_setenv (envp, "HOME", "/nonexistent", TRUE);
  if (gh_host != NULL)
    envp = g_environ_setenv (envp, "GH_HOST", gh_host, TRUE);
  if (api_url != NULL)
    envp = g_environ_setenv (envp, "GITHUB_API_URL", api_url, TRUE);
  return forge_github_host_new_from_environment ((const char * const *) envp, error);
}

static void
test_host_environment (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubHost) gh_host = host_from ("ghe.example.com", NULL, &error);
  g_autoptr(ForgeGithubHost) api_only = NULL;
  g_autoptr(ForgeGithubHost) both = NULL;
  g_autoptr(ForgeGithubHost) dotcom = NULL;
  g_autoptr(ForgeGithubHost) empty = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (gh_host), ==, "ghe.example.com");
  g_assert_cmpstr (forge_github_host_get_api_url (gh_host), ==, "https://ghe.example.com/api/v3");

  /* GITHUB_API_URL alone says the host too (as Actions sets it). */
  api_only = host_from (NULL, "https://ghe.example.com/api/v3/", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (api_only), ==, "ghe.example.com");
  g_assert_cmpstr (forge_github_host_get_api_url (api_only), ==, "https://ghe.example.com/api/v3");
  g_assert_cmpstr (forge_github_host_get_web_url (api_only), ==, "https://ghe.example.com");

  both = host_from ("ghe.example.com", "https://api-proxy.example.com/github", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (both), ==, "ghe.example.com");
  g_assert_cmpstr (forge_github_host_get_api_url (both), ==, "https://api-proxy.example.com/github");
  g_assert_cmpstr (forge_github_host_get_web_url (both), ==, "https://ghe.example.com");

  dotcom = host_from (NULL, "https://api.github.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (dotcom), ==, "github.com");
  g_assert_cmpstr (forge_github_host_get_web_url (dotcom), ==, "https://github.com");

  /* Empty counts as unset. */
  empty = host_from ("", "", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (empty), ==, "github.com");
}

static void
assert_refused (ForgeGithubHost *host,
                GError          *error)
{
  g_assert_null (host);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST);
  assert_error_is_clean (error);
}

static void
test_host_http_refused (void)
{
  GError *error = NULL;
  ForgeGithubHost *host;

  host = forge_github_host_new (NULL, "http://api.example.com", &error);
  assert_refused (host, error);
  g_assert_nonnull (strstr (error->message, "api.example.com"));
  g_assert_nonnull (strstr (error->message, "https"));
  g_clear_error (&error);

  host = forge_github_host_new ("http://ghe.example.com", NULL, &error);
  assert_refused (host, error);
  g_clear_error (&error);

  host = host_from (NULL, "http://10.0.0.1/api/v3", &error);
  assert_refused (host, error);
  g_clear_error (&error);

  host = host_from (NULL, "ftp://ghe.example.com/api/v3", &error);
  assert_refused (host, error);
  g_clear_error (&error);

  /* A token pasted into the address is refused and not repeated. */
  host = host_from (NULL, "https://x:" WRONG_TOKEN "@ghe.example.com/api/v3", &error);
  assert_refused (host, error);
  g_clear_error (&error);

  host = host_from (WRONG_TOKEN "@ghe.example.com", NULL, &error);
  assert_refused (host, error);
  g_clear_error (&error);

  host = forge_github_host_new ("not a host!", NULL, &error);
  assert_refused (host, error);
  g_clear_error (&error);

  /* An API address's host is checked as a name is: this one was taken,
   * and its refusal (over http) quoted it on two lines (found by
   * fuzzing). */
  host = host_from (NULL, "http://127.0\n0.1:8080/api/v3", &error);
  assert_refused (host, error);
  g_clear_error (&error);

  host = host_from (NULL, "https://ghe example.com/api/v3", &error);
  assert_refused (host, error);
  g_clear_error (&error);
}

static void
test_host_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubHost) ipv4 = forge_github_host_new (NULL, "http://127.0.0.1:8080/", &error);
  g_autoptr(ForgeGithubHost) localhost = NULL;
  g_autoptr(ForgeGithubHost) ipv6 = NULL;
  g_autoptr(ForgeGithubHost) gh_host = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (ipv4), ==, "127.0.0.1:8080");
  g_assert_cmpstr (forge_github_host_get_api_url (ipv4), ==, "http://127.0.0.1:8080");
  g_assert_cmpstr (forge_github_host_get_web_url (ipv4), ==, "http://127.0.0.1:8080");
  g_assert_cmpstr (forge_github_host_get_device_code_url (ipv4), ==, "http://127.0.0.1:8080/login/device/code");
  g_assert_cmpstr (forge_github_host_get_access_token_url (ipv4), ==, "http://127.0.0.1:8080/login/oauth/access_token");
  g_assert_true (forge_github_host_owns_api_url (ipv4, "http://127.0.0.1:8080/user/repos?page=3"));
  g_assert_false (forge_github_host_owns_api_url (ipv4, "http://127.0.0.1:8081/user/repos?page=3"));

  localhost = forge_github_host_new (NULL, "http://LocalHost:9", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (localhost), ==, "localhost:9");

  ipv6 = forge_github_host_new (NULL, "http://[::1]:9/api/v3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_name (ipv6), ==, "[::1]:9");
  g_assert_cmpstr (forge_github_host_get_web_url (ipv6), ==, "http://[::1]:9");

  /* GH_HOST on this computer: an Enterprise-style stand-in over http. */
  gh_host = host_from ("127.0.0.1:8080", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_host_get_api_url (gh_host), ==, "http://127.0.0.1:8080/api/v3");
  g_assert_cmpstr (forge_github_host_get_device_code_url (gh_host), ==, "http://127.0.0.1:8080/login/device/code");
}

/* ---- the client ---- */

static void
test_user_good_token (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *avatar = g_strdup_printf ("%s/avatars/octo", forge_github_standin_get_base (fixture->standin));
  g_autofree char *login = NULL;

  g_assert_true (forge_github_client_has_token (client));
  user = get_user (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_user_get_login (user), ==, "octo");
  g_assert_cmpstr (forge_github_user_get_name (user), ==, "Octo Cat");
  g_assert_cmpstr (forge_github_user_get_avatar_url (user), ==, avatar);
  g_assert_true (g_str_has_suffix (forge_github_user_get_html_url (user), "/octo"));
  g_object_get (user, "login", &login, NULL);
  g_assert_cmpstr (login, ==, "octo");

  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/user"), ==, 1);
  g_assert_cmpuint (forge_github_standin_count_authorization (fixture->standin, GOOD_TOKEN), ==, 1);
  g_assert_cmpuint (forge_github_standin_count_foreign_authorization (fixture->standin), ==, 0);
}

static void
test_user_wrong_token (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, WRONG_TOKEN);
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = get_user (client, &error);
  g_assert_null (user);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "GitHub refused the token: reconnect in Preferences");
  g_assert_cmpuint (forge_github_standin_count_authorization (fixture->standin, WRONG_TOKEN), ==, 1);
}

static void
test_user_no_token (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, NULL);
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(GPtrArray) repositories = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (forge_github_client_has_token (client));
  user = get_user (client, &error);
  g_assert_null (user);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED);
  assert_error_is_clean (error);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_clear_error (&error);

  repositories = list_repositories (client, NULL, 2, NULL, &error);
  g_assert_null (repositories);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED);

  /* Nothing to ask without an account. */
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, NULL), ==, 0);
}

static void
test_repositories_pagination (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  const char *expected[] = { "octo/site", "octo/blog", "octo/menu", "octo/docs", "octo/old-thing" };
  g_autofree char *next = NULL;
  ForgeGithubRepository *site, *blog;
  g_autofree char *clone_url = NULL;
  guint pages = 0;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *page_url = g_steal_pointer (&next);
      g_autoptr(GPtrArray) page = list_repositories (client, page_url, 2, &next, &error);

      g_assert_no_error (error);
      g_assert_nonnull (page);
      g_assert_cmpuint (page->len, ==, pages < 2 ? 2 : 1);
      if (next != NULL)
        g_assert_true (forge_github_host_owns_api_url (fixture->host, next));
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (all, g_object_ref (g_ptr_array_index (page, i)));
      pages++;
      g_assert_cmpuint (pages, <=, 3);
    }
  while (next != NULL);

  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (all->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (forge_github_repository_get_full_name (g_ptr_array_index (all, i)), ==, expected[i]);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/user/repos"), ==, 3);
  g_assert_cmpuint (forge_github_standin_count_authorization (fixture->standin, GOOD_TOKEN), ==, 3);

  site = g_ptr_array_index (all, 0);
  clone_url = g_strdup_printf ("%s/octo/site.git", forge_github_standin_get_base (fixture->standin));
  g_assert_cmpstr (forge_github_repository_get_owner (site), ==, "octo");
  g_assert_cmpstr (forge_github_repository_get_name (site), ==, "site");
  g_assert_false (forge_github_repository_get_private (site));
  g_assert_cmpstr (forge_github_repository_get_default_branch (site), ==, "main");
  g_assert_cmpint (g_date_time_to_unix (forge_github_repository_get_pushed_at (site)), ==, T0);
  g_assert_cmpstr (forge_github_repository_get_clone_url (site), ==, clone_url);
  g_assert_true (g_str_has_suffix (forge_github_repository_get_html_url (site), "/octo/site"));
  g_assert_cmpstr (forge_github_repository_get_description (site), ==, "The landing page");

  blog = g_ptr_array_index (all, 1);
  g_assert_true (forge_github_repository_get_private (blog));
  g_assert_null (forge_github_repository_get_description (blog));
}

static void
test_repositories_next_elsewhere (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(ForgeGithubStandin) elsewhere = forge_github_standin_new ();
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *next = NULL;
  g_autofree char *foreign = NULL;

  forge_github_standin_set_next_base (fixture->standin, forge_github_standin_get_base (elsewhere));

  page = list_repositories (client, NULL, 2, &next, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  /* The link was there, but to another origin: no next page. */
  g_assert_null (next);

  /* Nor when a caller hands such a URL in. */
  foreign = g_strdup_printf ("%s/user/repos?per_page=2&page=2", forge_github_standin_get_base (elsewhere));
  refused = list_repositories (client, foreign, 0, &next, &error);
  g_assert_null (refused);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST);
  assert_error_is_clean (error);

  g_assert_cmpuint (forge_github_standin_count_requests (elsewhere, NULL), ==, 0);
  g_assert_cmpuint (forge_github_standin_count_authorization (elsewhere, NULL), ==, 0);
}

static void
test_repositories_matches (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  struct { const char *query; const char *matching; } cases[] = {
    { NULL, "octo/site octo/blog octo/menu octo/docs octo/old-thing" },
    { "   ", "octo/site octo/blog octo/menu octo/docs octo/old-thing" },
    { "SITE", "octo/site octo/old-thing" },        /* a name, and a description */
    { "landing", "octo/site" },
    { "CAFÉ", "octo/menu" },                       /* Unicode case folding */
    { "octo/d", "octo/docs" },
    { "zzz", "" },
  };

  all = list_repositories (client, NULL, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 5);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GString) matching = g_string_new (NULL);

      for (guint i = 0; i < all->len; i++)
        {
          ForgeGithubRepository *repository = g_ptr_array_index (all, i);

          if (forge_github_repository_matches (repository, cases[c].query))
            g_string_append_printf (matching, "%s%s", matching->len > 0 ? " " : "",
                                    forge_github_repository_get_full_name (repository));
        }
      g_assert_cmpstr (matching->str, ==, cases[c].matching);
    }
}

static void
test_branches_pagination (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *next = NULL;
  g_autofree char *expected_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA1, "octo/site:develop", -1);
  guint pages = 0;

  do
    {
      g_autofree char *page_url = g_steal_pointer (&next);
      g_autoptr(GPtrArray) page = list_branches (client, "octo", "site", page_url, 2, &next, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < page->len; i++)
        {
          ForgeGithubBranch *branch = g_ptr_array_index (page, i);

          g_string_append_printf (names, "%s ", forge_github_branch_get_name (branch));
          g_assert_cmpuint (strlen (forge_github_branch_get_sha (branch)), ==, 40);
          if (strcmp (forge_github_branch_get_name (branch), "develop") == 0)
            g_assert_cmpstr (forge_github_branch_get_sha (branch), ==, expected_sha);
        }
      pages++;
      g_assert_cmpuint (pages, <=, 3);
    }
  while (next != NULL);

  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpstr (names->str, ==, "main develop feature/login fix-typo release-1.0 ");
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/repos/octo/site/branches"), ==, 3);

  /* A name that is no name is not sent at all. */
  none = list_branches (client, "..", "site", NULL, 2, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, NULL), ==, 3);
}

static void
test_get_repository (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(ForgeGithubClient) anonymous = forge_github_client_new (fixture->host, NULL);
  g_autoptr(ForgeGithubRepository) site = NULL;
  g_autoptr(ForgeGithubRepository) blog = NULL;
  g_autoptr(ForgeGithubRepository) hidden = NULL;
  g_autoptr(ForgeGithubRepository) secret = NULL;
  g_autoptr(ForgeGithubRepository) missing = NULL;
  g_autoptr(GError) error = NULL;

  site = get_repository (client, "octo", "site", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_repository_get_full_name (site), ==, "octo/site");
  g_assert_cmpstr (forge_github_repository_get_default_branch (site), ==, "main");

  blog = get_repository (client, "octo", "blog", &error);
  g_assert_no_error (error);
  g_assert_true (forge_github_repository_get_private (blog));

  /* Public repositories need no account; private ones 404 without. */
  g_clear_object (&site);
  site = get_repository (anonymous, "octo", "site", &error);
  g_assert_no_error (error);
  hidden = get_repository (anonymous, "octo", "blog", &error);
  g_assert_null (hidden);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  secret = get_repository (client, "other", "secret", &error);
  g_assert_null (secret);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "GitHub has no repository other/secret, or your account cannot see it");
  g_clear_error (&error);

  missing = get_repository (client, "octo", "nothing-here", &error);
  g_assert_null (missing);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  assert_error_is_clean (error);
}

static void
test_rate_limited (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  /* Whole minutes ahead, so that the expected string is stable. */
  gint64 reset = (g_get_real_time () / G_USEC_PER_SEC / 60 + 75) * 60;
  g_autoptr(GDateTime) reset_time = g_date_time_new_from_unix_local (reset);
  g_autofree char *hhmm = g_date_time_format (reset_time, "%H:%M");
  g_autofree char *expected = g_strdup_printf ("GitHub rate limit reached, resets at %s", hhmm);

  forge_github_standin_set_rate_limited (fixture->standin, reset);

  user = get_user (client, &error);
  g_assert_null (user);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_RATE_LIMITED);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  page = list_repositories (client, NULL, 2, NULL, &error);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_RATE_LIMITED);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GPtrArray) branches = NULL;
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(ForgeGithubHost) wrong_base = NULL;
  g_autoptr(ForgeGithubClient) wrong_client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_strdup_printf ("%s/not-the-api", forge_github_standin_get_base (fixture->standin));

  branches = list_branches (client, "octo", "nothing-here", NULL, 2, NULL, &error);
  g_assert_null (branches);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "octo/nothing-here"));
  g_clear_error (&error);

  /* A wrong API base: 404 on /user. */
  wrong_base = forge_github_host_new (NULL, base, &error);
  g_assert_no_error (error);
  wrong_client = forge_github_client_new (wrong_base, GOOD_TOKEN);
  user = get_user (wrong_client, &error);
  g_assert_null (user);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND);
  assert_error_is_clean (error);
}

static void
test_network_failure (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubHost) host = NULL;
  g_autoptr(ForgeGithubClient) client = NULL;
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autofree char *api = NULL;
  g_autofree char *prefix = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  api = g_strdup_printf ("http://127.0.0.1:%u", port);
  host = forge_github_host_new (NULL, api, &error);
  g_assert_no_error (error);
  client = forge_github_client_new (host, GOOD_TOKEN);

  user = get_user (client, &error);
  g_assert_null (user);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NETWORK);
  prefix = g_strdup_printf ("Could not reach GitHub at 127.0.0.1:%u: ", port);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_true (g_str_has_suffix (error->message, ". Check your connection."));
  assert_error_is_clean (error);
}

static void
assert_protocol_error (Fixture    *fixture,
                       const char *path,
                       GBytes     *body)
{
  g_autoptr(ForgeGithubClient) client = forge_github_client_new (fixture->host, GOOD_TOKEN);
  g_autoptr(GError) error = NULL;

  forge_github_standin_override (fixture->standin, path, SOUP_STATUS_OK, body);

  if (strcmp (path, "/user") == 0)
    {
      g_autoptr(ForgeGithubUser) user = get_user (client, &error);

      g_assert_null (user);
    }
  else if (strcmp (path, "/user/repos") == 0)
    {
      g_autoptr(GPtrArray) page = list_repositories (client, NULL, 2, NULL, &error);

      g_assert_null (page);
    }
  else
    {
      g_autoptr(GPtrArray) page = list_branches (client, "octo", "site", NULL, 2, NULL, &error);

      g_assert_null (page);
    }

  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_PROTOCOL);
  assert_error_is_clean (error);
  g_assert_true (g_str_has_prefix (error->message, "GitHub sent an answer Forge Preview cannot read"));

  forge_github_standin_override (fixture->standin, path, 0, NULL);
}

static void
assert_protocol_error_text (Fixture    *fixture,
                            const char *path,
                            const char *text)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  assert_protocol_error (fixture, path, body);
}

static void
test_hostile (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GBytes) deep_body = NULL;
  g_autoptr(GBytes) huge_body = NULL;
  gsize huge_size = 5 * 1024 * 1024;
  char *huge = g_malloc (huge_size);

  /* Wrong types where strings, booleans, arrays and objects belong. */
  assert_protocol_error_text (fixture, "/user", "{\"login\": 42}");
  assert_protocol_error_text (fixture, "/user", "[\"octo\"]");
  assert_protocol_error_text (fixture, "/user", "{\"login\": \"octo\", \"name\": {\"x\": 1}}");
  assert_protocol_error_text (fixture, "/user", "not json at all");
  assert_protocol_error_text (fixture, "/user", "");
  assert_protocol_error_text (fixture, "/user/repos", "{\"full_name\": \"octo/site\"}");
  assert_protocol_error_text (fixture, "/user/repos", "[{\"full_name\": [\"octo/site\"]}]");
  assert_protocol_error_text (fixture, "/user/repos", "[42]");
  assert_protocol_error_text (fixture, "/user/repos",
                              "[{\"full_name\": \"o/r\", \"name\": \"r\", \"owner\": {\"login\": \"o\"}, "
                              "\"private\": \"no\", \"clone_url\": \"https://x/o/r.git\", \"html_url\": \"https://x/o/r\"}]");
  /* Addresses git or a browser would be handed. */
  assert_protocol_error_text (fixture, "/user/repos",
                              "[{\"full_name\": \"o/r\", \"name\": \"r\", \"owner\": {\"login\": \"o\"}, "
                              "\"private\": false, \"clone_url\": \"file:///etc/passwd\", \"html_url\": \"https://x/o/r\"}]");
  assert_protocol_error_text (fixture, "/user/repos",
                              "[{\"full_name\": \"o/r\", \"name\": \"r\", \"owner\": {\"login\": \"o\"}, "
                              "\"private\": false, \"clone_url\": \"http://evil.example.com/o/r.git\", \"html_url\": \"https://x/o/r\"}]");
  assert_protocol_error_text (fixture, "/repos/octo/site/branches",
                              "[{\"name\": \"main\", \"commit\": {\"sha\": \"--upload-pack=evil\"}}]");
  assert_protocol_error_text (fixture, "/repos/octo/site/branches", "[{\"name\": 7, \"commit\": {}}]");

  /* Nested past any answer GitHub gives: refused before parsing. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  deep_body = g_bytes_new (deep->str, deep->len);
  assert_protocol_error (fixture, "/user/repos", deep_body);

  /* Larger than 4 MiB. */
  memset (huge, ' ', huge_size);
  huge[0] = '[';
  huge[huge_size - 1] = ']';
  huge_body = g_bytes_new_take (huge, huge_size);
  assert_protocol_error (fixture, "/user/repos", huge_body);
}

/* ---- the device flow ---- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *counter = user_data;

  (*counter)++;
}

static void
set_script (Fixture                     *fixture,
            guint                        pending,
            gboolean                     slow_down,
            guint                        slow_down_interval,
            ForgeGithubStandinDeviceEnd  end)
{
  ForgeGithubStandinDeviceScript script = {
    .client_id = CLIENT_ID,
    .interval = 1,
    .expires_in = 900,
    .pending = pending,
    .slow_down = slow_down,
    .slow_down_interval = slow_down_interval,
    .end = end,
    .token = NEW_TOKEN,
  };

  forge_github_standin_set_device_script (fixture->standin, &script);
}

static gboolean
start_flow (ForgeGithubDeviceFlow  *flow,
            GError                **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_device_flow_start_async (flow, NULL, NULL, got_result, &result);
  done = await_result (&result);
  return forge_github_device_flow_start_finish (flow, done, error);
}

static char *
poll_flow (ForgeGithubDeviceFlow  *flow,
           GCancellable           *cancellable,
           GError                **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  forge_github_device_flow_poll_async (flow, cancellable, got_result, &result);
  done = await_result (&result);
  return forge_github_device_flow_poll_finish (flow, done, error);
}

static void
test_device_flow_happy (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(ForgeGithubClient) client = NULL;
  g_autoptr(ForgeGithubUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gaps = NULL;
  g_autofree char *token = NULL;
  g_autofree char *verification_uri = g_strdup_printf ("%s/login/device", forge_github_standin_get_base (fixture->standin));
  g_autofree char *user_code = NULL;
  guint user_code_notifies = 0, interval_notifies = 0;

  /* The token GitHub will hand out signs octo in. */
  forge_github_standin_add_user (fixture->standin, "octo", "Octo Cat", NEW_TOKEN);
  g_signal_connect (flow, "notify::user-code", G_CALLBACK (count_notify), &user_code_notifies);
  g_signal_connect (flow, "notify::interval", G_CALLBACK (count_notify), &interval_notifies);
  set_script (fixture, 2, FALSE, 0, FORGE_GITHUB_STANDIN_GRANT);

  g_assert_null (forge_github_device_flow_get_user_code (flow));
  g_assert_true (start_flow (flow, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (user_code_notifies, ==, 1);
  g_assert_cmpuint (interval_notifies, ==, 1);
  g_object_get (flow, "user-code", &user_code, NULL);
  g_assert_cmpstr (user_code, ==, FORGE_GITHUB_STANDIN_USER_CODE);
  g_assert_cmpstr (forge_github_device_flow_get_verification_uri (flow), ==, verification_uri);
  g_assert_cmpuint (forge_github_device_flow_get_interval (flow), ==, 1);
  g_assert_cmpuint (forge_github_device_flow_get_expires_in (flow), ==, 900);
  g_assert_cmpstr (forge_github_device_flow_get_client_id (flow), ==, CLIENT_ID);

  token = poll_flow (flow, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, NEW_TOKEN);

  /* Pending twice, then the token; each poll an interval after the last. */
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/device/code"), ==, 1);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token"), ==, 3);
  gaps = forge_github_standin_dup_poll_gaps_ms (fixture->standin);
  g_assert_cmpuint (gaps->len, ==, 3);
  for (guint i = 0; i < gaps->len; i++)
    g_assert_cmpuint (g_array_index (gaps, guint, i), >=, 950);
  /* The device flow never carries a token. */
  g_assert_cmpuint (forge_github_standin_count_authorization (fixture->standin, NULL), ==, 0);

  /* The token is octo's. */
  client = forge_github_client_new (fixture->host, token);
  user = get_user (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_github_user_get_login (user), ==, "octo");
}

static void
test_device_flow_slow_down (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gaps = NULL;
  g_autofree char *token = NULL;
  guint interval_notifies = 0;

  /* The server names the new interval: 2 s. */
  set_script (fixture, 1, TRUE, 2, FORGE_GITHUB_STANDIN_GRANT);
  g_assert_true (start_flow (flow, &error));
  g_signal_connect (flow, "notify::interval", G_CALLBACK (count_notify), &interval_notifies);

  token = poll_flow (flow, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, NEW_TOKEN);
  g_assert_cmpuint (forge_github_device_flow_get_interval (flow), ==, 2);
  g_assert_cmpuint (interval_notifies, ==, 1);

  /* pending, slow_down, token: the last one waited the new interval. */
  gaps = forge_github_standin_dup_poll_gaps_ms (fixture->standin);
  g_assert_cmpuint (gaps->len, ==, 3);
  g_assert_cmpuint (g_array_index (gaps, guint, 0), >=, 950);
  g_assert_cmpuint (g_array_index (gaps, guint, 1), >=, 950);
  g_assert_cmpuint (g_array_index (gaps, guint, 2), >=, 1950);
}

static void
cancel_on_notify (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_device_flow_slow_down_adds_five (Fixture       *fixture,
                                      gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  /* No interval named: RFC 8628's 5 s more. Cancelled as soon as it
   * says so, rather than waiting 6 s. */
  set_script (fixture, 0, TRUE, 0, FORGE_GITHUB_STANDIN_GRANT);
  g_assert_true (start_flow (flow, &error));
  g_signal_connect (flow, "notify::interval", G_CALLBACK (cancel_on_notify), cancellable);

  token = poll_flow (flow, cancellable, &error);
  g_assert_null (token);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (forge_github_device_flow_get_interval (flow), ==, 6);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token"), ==, 1);
}

static void
test_device_flow_expired (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *again = NULL;

  set_script (fixture, 1, FALSE, 0, FORGE_GITHUB_STANDIN_EXPIRE);
  g_assert_true (start_flow (flow, &error));

  token = poll_flow (flow, NULL, &error);
  g_assert_null (token);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED);
  g_assert_cmpstr (error->message, ==, "The code expired: start again");
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token"), ==, 2);
  g_clear_error (&error);

  /* An expired code is not polled again. */
  again = poll_flow (flow, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_EXPIRED);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token"), ==, 2);
}

static void
test_device_flow_denied (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  set_script (fixture, 0, FALSE, 0, FORGE_GITHUB_STANDIN_DENY);
  g_assert_true (start_flow (flow, &error));

  token = poll_flow (flow, NULL, &error);
  g_assert_null (token);
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_DENIED);
  assert_error_is_clean (error);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_device_flow_cancelled (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  gboolean waited = FALSE;
  gint64 started;
  guint polls;

  set_script (fixture, 1000, FALSE, 0, FORGE_GITHUB_STANDIN_GRANT);
  g_assert_true (start_flow (flow, &error));

  /* Between the first poll (1 s) and the second (2 s). */
  g_timeout_add (1500, cancel_later, cancellable);
  started = g_get_monotonic_time ();
  token = poll_flow (flow, cancellable, &error);
  g_assert_null (token);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* At once, not at the next poll. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 1900 * 1000);

  /* And nothing polls after. */
  polls = forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token");
  g_assert_cmpuint (polls, ==, 1);
  g_timeout_add (1500, set_flag, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, "/login/oauth/access_token"), ==, polls);
}

static void
test_device_flow_no_client_id (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, "");
  g_autoptr(ForgeGithubDeviceFlow) wrong = forge_github_device_flow_new (fixture->host, "Iv1.not-this-app");
  g_autoptr(GError) error = NULL;

  /* This build is configured without one (meson's default). */
  g_assert_nonnull (forge_github_default_client_id ());
  g_assert_cmpstr (forge_github_default_client_id (), ==, GITHUB_CLIENT_ID);

  g_assert_false (start_flow (flow, &error));
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NO_CLIENT_ID);
  g_assert_cmpstr (error->message, ==,
                   "Signing in with GitHub is not set up in this build: use a personal access token instead.");
  g_assert_cmpuint (forge_github_standin_count_requests (fixture->standin, NULL), ==, 0);
  g_clear_error (&error);

  /* A client id GitHub does not know. */
  set_script (fixture, 0, FALSE, 0, FORGE_GITHUB_STANDIN_GRANT);
  g_assert_false (start_flow (wrong, &error));
  g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED);
  assert_error_is_clean (error);
  g_assert_null (forge_github_device_flow_get_user_code (wrong));
}

static void
test_device_flow_hostile (Fixture       *fixture,
                          gconstpointer  user_data)
{
  const char *answers[] = {
    "{\"device_code\": \"d\", \"user_code\": \"U\", \"verification_uri\": \"javascript:alert(1)\", \"interval\": 1}",
    "{\"device_code\": \"d\", \"user_code\": \"U\", \"verification_uri\": \"https://x/login/device\", \"interval\": \"1\"}",
    "{\"device_code\": 5, \"user_code\": \"U\", \"verification_uri\": \"https://x/login/device\"}",
    "[]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(ForgeGithubDeviceFlow) flow = forge_github_device_flow_new (fixture->host, CLIENT_ID);
      g_autoptr(GBytes) body = g_bytes_new_static (answers[i], strlen (answers[i]));
      g_autoptr(GError) error = NULL;

      forge_github_standin_override (fixture->standin, "/login/device/code", SOUP_STATUS_OK, body);
      g_assert_false (start_flow (flow, &error));
      g_assert_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_PROTOCOL);
      assert_error_is_clean (error);
      g_assert_null (forge_github_device_flow_get_user_code (flow));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Everything any test logs, debug included, is searched for the
   * tokens (fixture_tear_down). */
  log_text = g_string_new (NULL);
  g_log_set_debug_enabled (TRUE);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/github/host/default", test_host_default);
  g_test_add_func ("/github/host/enterprise", test_host_enterprise);
  g_test_add_func ("/github/host/environment", test_host_environment);
  g_test_add_func ("/github/host/http-refused", test_host_http_refused);
  g_test_add_func ("/github/host/loopback", test_host_loopback);
  g_test_add_func ("/github/client/network-failure", test_network_failure);

#define ADD(path, func) \
  g_test_add ("/github/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("client/user-good-token", test_user_good_token);
  ADD ("client/user-wrong-token", test_user_wrong_token);
  ADD ("client/user-no-token", test_user_no_token);
  ADD ("client/repositories-pagination", test_repositories_pagination);
  ADD ("client/repositories-next-elsewhere", test_repositories_next_elsewhere);
  ADD ("client/repositories-matches", test_repositories_matches);
  ADD ("client/branches-pagination", test_branches_pagination);
  ADD ("client/get-repository", test_get_repository);
  ADD ("client/rate-limited", test_rate_limited);
  ADD ("client/not-found", test_not_found);
  ADD ("client/hostile", test_hostile);
  ADD ("device-flow/happy", test_device_flow_happy);
  ADD ("device-flow/slow-down", test_device_flow_slow_down);
  ADD ("device-flow/slow-down-adds-five", test_device_flow_slow_down_adds_five);
  ADD ("device-flow/expired", test_device_flow_expired);
  ADD ("device-flow/denied", test_device_flow_denied);
  ADD ("device-flow/cancelled", test_device_flow_cancelled);
  ADD ("device-flow/no-client-id", test_device_flow_no_client_id);
  ADD ("device-flow/hostile", test_device_flow_hostile);

#undef ADD

  return g_test_run ();
}
