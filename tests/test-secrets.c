/* test-secrets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "forge-git.h"
#include "forge-secrets.h"
#include "git-http-server.h"
#include "git-test-util.h"
#include "keyring-util.h"

static char *skip_reason;

static gboolean
maybe_skip (void)
{
  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return TRUE;
    }
  return FALSE;
}

static void
test_store_lookup_clear (void)
{
  const char *token = "ghp_ForgeTestToken0123456789abcdef";
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  char *found;

  if (maybe_skip ())
    return;

  found = forge_secrets_lookup_token ("github.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (forge_secrets_store_token ("github.com", token, NULL, &error));
  g_assert_no_error (error);

  found = forge_secrets_lookup_token ("github.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);
  forge_secrets_free_token (found);

  found = forge_secrets_lookup_token ("gitlab.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* Storing again replaces it. */
  g_assert_true (forge_secrets_store_token ("github.com", "second-token", NULL, &error));
  g_assert_no_error (error);
  found = forge_secrets_lookup_token ("github.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "second-token");
  forge_secrets_free_token (found);

  /* gnome-keyring encrypts the login keyring with its password. */
  data = g_build_filename (forge_test_keyring_dir (), "data", NULL);
  g_assert_false (forge_test_tree_contains (data, token));
  g_assert_false (forge_test_tree_contains (data, "second-token"));

  g_assert_true (forge_secrets_clear_token ("github.com", NULL, &error));
  g_assert_no_error (error);
  found = forge_secrets_lookup_token ("github.com", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* Clearing nothing is fine. */
  g_assert_true (forge_secrets_clear_token ("github.com", NULL, &error));
  g_assert_no_error (error);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  if (maybe_skip ())
    return;

  g_cancellable_cancel (cancellable);
  g_assert_false (forge_secrets_store_token ("example.org", "t", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Without a Secret Service, lookups mean "no token" and stores fail with
 * a clear message. Runs in a child pointed at a bus that isn't there. */
static void
test_no_service (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      char *found;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/forge-test-bus", TRUE);

      found = forge_secrets_lookup_token ("github.com", NULL, &error);
      g_assert_no_error (error);
      g_assert_null (found);

      g_assert_false (forge_secrets_store_token ("github.com", "tok", NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strstr (error->message, "tok "));
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* {{{ Asynchronous */

static void
got_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* Runs the default main context until the call started before answers. */
static GAsyncResult *
wait_for_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (result);
}

static char *
lookup_async (const char    *host,
              GCancellable  *cancellable,
              GError       **error)
{
  GAsyncResult *pending = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  forge_secrets_lookup_token_async (host, cancellable, got_result_cb, &pending);
  result = wait_for_result (&pending);

  return forge_secrets_lookup_token_finish (result, error);
}

static gboolean
store_async (const char    *host,
             const char    *token,
             GCancellable  *cancellable,
             GError       **error)
{
  GAsyncResult *pending = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  forge_secrets_store_token_async (host, token, cancellable, got_result_cb, &pending);
  result = wait_for_result (&pending);

  return forge_secrets_store_token_finish (result, error);
}

static gboolean
clear_async (const char    *host,
             GCancellable  *cancellable,
             GError       **error)
{
  GAsyncResult *pending = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  forge_secrets_clear_token_async (host, cancellable, got_result_cb, &pending);
  result = wait_for_result (&pending);

  return forge_secrets_clear_token_finish (result, error);
}

static void
test_async_store_lookup_clear (void)
{
  const char *token = "glpat-AsyncForgeTestToken-4b9e";
  g_autoptr(GError) error = NULL;
  char *found;

  if (maybe_skip ())
    return;

  found = lookup_async ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (store_async ("gitlab.example.org", token, NULL, &error));
  g_assert_no_error (error);

  found = lookup_async ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);
  forge_secrets_free_token (found);

  /* The same item as the blocking calls, which the workflow uses. */
  found = forge_secrets_lookup_token ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);
  forge_secrets_free_token (found);

  found = lookup_async ("other.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (store_async ("gitlab.example.org", "replaced-token", NULL, &error));
  g_assert_no_error (error);
  found = lookup_async ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "replaced-token");
  forge_secrets_free_token (found);

  g_assert_true (clear_async ("gitlab.example.org", NULL, &error));
  g_assert_no_error (error);
  found = lookup_async ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
  found = forge_secrets_lookup_token ("gitlab.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* Clearing nothing is fine. */
  g_assert_true (clear_async ("gitlab.example.org", NULL, &error));
  g_assert_no_error (error);
}

/* The E2B API key has a schema of its own: a Git host named like the
 * E2B domain never gets it, and the key never answers for a token. */
static void
test_e2b_key_kept_apart (void)
{
  const char *key = "e2b_ForgeTestKey_0c1d2e3f";
  GAsyncResult *pending = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *found;

  if (maybe_skip ())
    return;

  forge_secrets_store_e2b_key_async ("e2b.app", key, NULL, got_result_cb, &pending);
  result = wait_for_result (&pending);
  g_assert_true (forge_secrets_store_e2b_key_finish (result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  forge_secrets_lookup_e2b_key_async ("e2b.app", NULL, got_result_cb, &pending);
  result = wait_for_result (&pending);
  found = forge_secrets_lookup_e2b_key_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  forge_secrets_free_token (found);
  g_clear_object (&result);

  /* The blocking lookup the provider uses on worker threads. */
  found = forge_secrets_lookup_e2b_key ("e2b.app", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  forge_secrets_free_token (found);

  /* Not a Git token, under either name. */
  g_assert_null (forge_secrets_lookup_token ("e2b.app", NULL, &error));
  g_assert_no_error (error);
  g_assert_null (forge_secrets_lookup_token ("api.e2b.app", NULL, &error));
  g_assert_no_error (error);

  /* And a Git token for that host is not the key. */
  g_assert_true (forge_secrets_store_token ("e2b.app", "git-token-not-a-key", NULL, &error));
  found = forge_secrets_lookup_e2b_key ("e2b.app", NULL, &error);
  g_assert_cmpstr (found, ==, key);
  forge_secrets_free_token (found);
  g_assert_true (forge_secrets_clear_token ("e2b.app", NULL, &error));

  forge_secrets_clear_e2b_key_async ("e2b.app", NULL, got_result_cb, &pending);
  result = wait_for_result (&pending);
  g_assert_true (forge_secrets_clear_e2b_key_finish (result, &error));
  g_assert_no_error (error);
  g_assert_null (forge_secrets_lookup_e2b_key ("e2b.app", NULL, &error));
  g_assert_no_error (error);
}

static void
test_async_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  char *found;

  if (maybe_skip ())
    return;

  g_cancellable_cancel (cancellable);

  g_assert_false (store_async ("cancelled.example.org", "t", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  found = lookup_async ("cancelled.example.org", cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (found);
  g_clear_error (&error);

  g_assert_false (clear_async ("cancelled.example.org", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Nothing was stored. */
  found = lookup_async ("cancelled.example.org", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (found);
}

static void
test_async_no_service (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      char *found;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/forge-test-bus", TRUE);

      found = lookup_async ("github.com", NULL, &error);
      g_assert_no_error (error);
      g_assert_null (found);

      g_assert_false (store_async ("github.com", "tok", NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);

      g_assert_false (clear_async ("github.com", NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* }}} */

/* The app's path: the token for the repository's host comes from the
 * keyring and opens a repository that needs it. */
static void
test_token_for_clone (void)
{
  const char *token = "keyring-token-7d1e0c55";
  g_autofree char *tmp = NULL;
  g_autofree char *root = NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *bare = NULL;
  g_autoptr(ForgeTestGitServer) server = NULL;
  g_autofree char *url = NULL;
  g_autofree char *host = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *git_dir = NULL;
  g_autofree char *oid = NULL;
  g_autofree char *upstream_oid = NULL;
  g_autoptr(GError) error = NULL;
  char *found;

  if (maybe_skip ())
    return;

  tmp = g_dir_make_tmp ("forge-secrets-XXXXXX", NULL);
  root = g_build_filename (tmp, "srv", NULL);
  upstream = forge_test_make_upstream (tmp, "upstream");
  bare = forge_test_make_bare (upstream, root, "owner/private.git");
  server = forge_test_git_server_new (root, token);
  url = forge_test_git_server_dup_url (server, "owner/private.git");
  dest = g_build_filename (tmp, "clone", NULL);
  upstream_oid = forge_test_git_rev_parse (upstream, "HEAD");
  host = forge_git_dup_host (url);
  g_assert_cmpstr (host, ==, "127.0.0.1");

  g_assert_true (forge_secrets_store_token (host, token, NULL, &error));
  g_assert_no_error (error);

  found = forge_secrets_lookup_token (host, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);

  git_dir = g_strconcat (dest, "-git", NULL);
  g_assert_true (forge_git_clone_or_update (url, git_dir, dest, found, NULL, NULL, &oid, NULL, &error));
  forge_secrets_free_token (found);
  g_assert_no_error (error);
  g_assert_cmpstr (oid, ==, upstream_oid);
  g_assert_false (forge_test_tree_contains (dest, token));
  g_assert_false (forge_test_tree_contains (git_dir, token));

  g_assert_true (forge_secrets_clear_token (host, NULL, &error));
  g_assert_no_error (error);

  g_clear_pointer (&server, forge_test_git_server_free);
  forge_test_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  g_test_add_func ("/secrets/no-service", test_no_service);
  g_test_add_func ("/secrets/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/secrets/cancelled", test_cancelled);
  g_test_add_func ("/secrets/token-for-clone", test_token_for_clone);
  g_test_add_func ("/secrets/async/no-service", test_async_no_service);
  g_test_add_func ("/secrets/async/store-lookup-clear", test_async_store_lookup_clear);
  g_test_add_func ("/secrets/async/cancelled", test_async_cancelled);
  g_test_add_func ("/secrets/e2b-key-kept-apart", test_e2b_key_kept_apart);

  if (!g_test_subprocess ())
    skip_reason = forge_test_start_keyring ();

  ret = g_test_run ();

  secret_service_disconnect ();
  forge_test_stop_keyring ();
  g_free (skip_reason);

  return ret;
}
