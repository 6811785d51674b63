/* test-sandbox-provider.c
 *
 * The provider registry and the local provider's own choices, without
 * running anything in a sandbox.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "forge-local-provider.h"
#include "forge-sandbox-providers.h"
#include "forge-util.h"

/* A provider that only has a name: enough for the registry. */
#define TEST_TYPE_NAMED_PROVIDER (test_named_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestNamedProvider, test_named_provider, TEST, NAMED_PROVIDER, GObject)

struct _TestNamedProvider
{
  GObject  parent_instance;
  char    *name;
};

static const char *
named_get_name (ForgeSandboxProvider *provider)
{
  return TEST_NAMED_PROVIDER (provider)->name;
}

static gboolean
named_is_available (ForgeSandboxProvider  *provider,
                    GError               **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, "never");
  return FALSE;
}

static ForgeSandbox *
named_create_sandbox (ForgeSandboxProvider       *provider,
                      const ForgeSandboxRequest  *request,
                      GError                    **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, "never");
  return NULL;
}

static ForgeSandbox *
named_reconnect (ForgeSandboxProvider  *provider,
                 const char            *sandbox_id,
                 GError               **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING, "never");
  return NULL;
}

static ForgeWorkspace *
named_open_workspace (ForgeSandboxProvider       *provider,
                      const ForgeSandboxRequest  *request,
                      GError                    **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, "never");
  return NULL;
}

static void
named_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = named_get_name;
  iface->is_available = named_is_available;
  iface->create_sandbox = named_create_sandbox;
  iface->reconnect = named_reconnect;
  iface->open_workspace = named_open_workspace;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNamedProvider, test_named_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER, named_iface_init))

static void
test_named_provider_finalize (GObject *object)
{
  g_free (TEST_NAMED_PROVIDER (object)->name);
  G_OBJECT_CLASS (test_named_provider_parent_class)->finalize (object);
}

static void
test_named_provider_class_init (TestNamedProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_named_provider_finalize;
}

static void
test_named_provider_init (TestNamedProvider *self)
{
}

static ForgeSandboxProvider *
named_provider_new (const char *name)
{
  TestNamedProvider *self = g_object_new (TEST_TYPE_NAMED_PROVIDER, NULL);

  self->name = g_strdup (name);
  return FORGE_SANDBOX_PROVIDER (self);
}

static void
test_registry (void)
{
  g_autoptr(ForgeSandboxProviders) providers = forge_sandbox_providers_new ();
  g_autoptr(ForgeSandboxProvider) local = NULL;
  g_autoptr(ForgeSandboxProvider) missing = NULL;
  g_autoptr(ForgeSandboxProvider) zeta = named_provider_new ("zeta");
  g_autoptr(ForgeSandboxProvider) alpha = named_provider_new ("alpha");
  g_autoptr(ForgeSandboxProvider) alpha2 = named_provider_new ("alpha");
  g_autoptr(ForgeSandboxProvider) found = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) more_names = NULL;

  /* "local" and "e2b" are there from the start (e2b even without a
   * key: it then says how to get one), and only they. */
  names = forge_sandbox_providers_dup_names (providers);
  g_assert_cmpstrv (names, ((const char * const[]) { "e2b", "local", NULL }));
  local = forge_sandbox_providers_lookup (providers, "local", &error);
  g_assert_no_error (error);
  g_assert_true (FORGE_IS_LOCAL_PROVIDER (local));
  g_assert_cmpstr (forge_sandbox_provider_get_name (local), ==, FORGE_LOCAL_PROVIDER_NAME);

  /* An unknown name says which ones exist, on one line. */
  missing = forge_sandbox_providers_lookup (providers, "nosuch", &error);
  g_assert_null (missing);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nosuch"));
  g_assert_nonnull (strstr (error->message, "local"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);
  g_assert_null (forge_sandbox_providers_lookup (providers, NULL, NULL));

  /* Added by name, listed sorted; a second provider of a name replaces
   * the first. */
  forge_sandbox_providers_add (providers, zeta);
  forge_sandbox_providers_add (providers, alpha);
  forge_sandbox_providers_add (providers, alpha2);
  more_names = forge_sandbox_providers_dup_names (providers);
  g_assert_cmpstrv (more_names, ((const char * const[]) { "alpha", "e2b", "local", "zeta", NULL }));
  found = forge_sandbox_providers_lookup (providers, "alpha", &error);
  g_assert_no_error (error);
  g_assert_true (found == alpha2);
  g_clear_object (&found);
  found = forge_sandbox_providers_lookup (providers, "zeta", &error);
  g_assert_true (found == zeta);

  /* Registries are not shared: a new one has the built-in ones only. */
  {
    g_autoptr(ForgeSandboxProviders) other = forge_sandbox_providers_new ();
    g_auto(GStrv) other_names = forge_sandbox_providers_dup_names (other);

    g_assert_cmpstrv (other_names, ((const char * const[]) { "e2b", "local", NULL }));
  }
}

static void
test_local_reconnect_fails (void)
{
  g_autoptr(ForgeLocalProvider) local = forge_local_provider_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (forge_sandbox_provider_reconnect (FORGE_SANDBOX_PROVIDER (local), "local-1", &error));
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING);
  g_assert_cmpstr (error->message, ==, "local sandboxes do not outlive the app");
}

static ForgeSandbox *
create_in (ForgeSandboxProvider *provider,
           const char           *workspace,
           gboolean              cloned_with_token)
{
  g_autofree char *repo = g_build_filename (workspace, "repo", NULL);
  g_autoptr(GError) error = NULL;
  ForgeSandboxRequest request = {
    .project_id = "0b9f3c0e-6a43-4c55-9d0a-3b0f1b2a7c11",
    .workspace_dir = workspace,
    .repo_dir = repo,
    .timeout_seconds = 60,
    .cloned_with_token = cloned_with_token,
  };
  ForgeSandbox *sandbox;

  g_assert_cmpint (g_mkdir_with_parents (repo, 0700), ==, 0);
  sandbox = forge_sandbox_provider_create_sandbox (provider, &request, &error);
  g_assert_no_error (error);
  g_assert_true (FORGE_IS_SANDBOX (sandbox));
  return sandbox;
}

/* The choices the workflow used to make: a home in the workspace, npm's
 * content store shared unless the clone used a token, and the shared
 * network for benchmarks, which the workflow learns through the
 * sandbox interface only. */
static void
test_local_provider_creates (void)
{
  g_autofree char *root = g_dir_make_tmp ("forge-provider-XXXXXX", NULL);
  g_autofree char *cache_home = g_build_filename (root, "cache", NULL);
  g_autofree char *cache = NULL;
  g_autofree char *shared_store = NULL;
  g_autofree char *public_ws = g_build_filename (root, "public", NULL);
  g_autofree char *private_ws = g_build_filename (root, "private", NULL);
  g_autofree char *private_store = g_build_filename (private_ws, "npm-content", NULL);
  g_autofree char *public_store = g_build_filename (public_ws, "npm-content", NULL);
  g_autofree char *public_home = g_build_filename (public_ws, "home", NULL);
  g_autofree char *note = NULL;
  g_autoptr(ForgeLocalProvider) local = forge_local_provider_new ();
  g_autoptr(ForgeSandbox) public_sandbox = NULL;
  g_autoptr(ForgeSandbox) private_sandbox = NULL;
  g_autoptr(ForgeSandbox) shared_sandbox = NULL;
  g_autoptr(GError) error = NULL;

  /* The shared store lives in the cache folder: this test's own. */
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  cache = forge_cache_dir ();
  shared_store = g_build_filename (cache, "npm-content", NULL);

  if (!forge_sandbox_provider_is_available (FORGE_SANDBOX_PROVIDER (local), &error))
    {
      g_test_skip (error->message);
      forge_remove_tree (root, NULL);
      return;
    }

  public_sandbox = create_in (FORGE_SANDBOX_PROVIDER (local), public_ws, FALSE);
  g_assert_true (g_file_test (public_home, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (shared_store, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (public_store, G_FILE_TEST_EXISTS));

  private_sandbox = create_in (FORGE_SANDBOX_PROVIDER (local), private_ws, TRUE);
  g_assert_true (g_file_test (private_store, G_FILE_TEST_IS_DIR));

  forge_local_provider_set_shared_network (local, TRUE);
  shared_sandbox = create_in (FORGE_SANDBOX_PROVIDER (local), public_ws, FALSE);
  g_assert_true (forge_sandbox_shares_host_network (shared_sandbox));
  note = forge_sandbox_dup_network_note (shared_sandbox);
  g_assert_nonnull (note);
  g_assert_true (g_str_has_prefix (note, "Network not isolated"));
  g_assert_null (strchr (note, '\n'));

  /* Where the host may find a server: on the host's network also at
   * [::1] (a server that took "localhost"); in a network of its own
   * only where the port was forwarded. */
  {
    g_auto(GStrv) shared_urls = forge_sandbox_dup_preview_urls (shared_sandbox, "127.0.0.1:4000",
                                                                "http://localhost:5173/app/?q=1");
    g_auto(GStrv) shared_root = forge_sandbox_dup_preview_urls (shared_sandbox, "127.0.0.1:4000", NULL);
    g_auto(GStrv) unparsable = forge_sandbox_dup_preview_urls (shared_sandbox, "", NULL);

    g_assert_cmpstrv (shared_urls, ((const char * const[]) { "http://127.0.0.1:4000/app/?q=1",
                                                              "http://[::1]:4000/app/?q=1", NULL }));
    g_assert_cmpstrv (shared_root, ((const char * const[]) { "http://127.0.0.1:4000/",
                                                              "http://[::1]:4000/", NULL }));
    g_assert_cmpstrv (unparsable, ((const char * const[]) { NULL }));
  }
  if (!forge_sandbox_shares_host_network (public_sandbox))
    {
      g_auto(GStrv) own_urls = forge_sandbox_dup_preview_urls (public_sandbox, "127.0.0.1:4001",
                                                               "http://localhost:5173/app/");

      g_assert_cmpstrv (own_urls, ((const char * const[]) { "http://127.0.0.1:4001/app/", NULL }));
    }

  forge_sandbox_kill (public_sandbox);
  forge_sandbox_kill (private_sandbox);
  forge_sandbox_kill (shared_sandbox);
  forge_remove_tree (root, NULL);
}

/* A printed URL moved to where the host reaches its port: scheme, path
 * and query kept. */
static void
test_url_with_authority (void)
{
  static const struct
  {
    const char *url;
    const char *authority;
    const char *expected;
  } cases[] = {
    { NULL, "127.0.0.1:4000", "http://127.0.0.1:4000/" },
    { "https://localhost:3000/base/x?y=1", "127.0.0.1:5", "https://127.0.0.1:5/base/x?y=1" },
    { "http://0.0.0.0:3000/docs/", "[::1]:8", "http://[::1]:8/docs/" },
    { "http://localhost:3000/", "nohost", NULL },
    { "http://localhost:3000/", "127.0.0.1:0", NULL },
    { "http://localhost:3000/", "", NULL },
    { "not a url", "127.0.0.1:5", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = forge_sandbox_url_with_authority (cases[i].url, cases[i].authority);

      g_assert_cmpstr (url, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/sandbox-provider/registry", test_registry);
  g_test_add_func ("/forge/sandbox-provider/local-reconnect-fails", test_local_reconnect_fails);
  g_test_add_func ("/forge/sandbox-provider/local-provider-creates", test_local_provider_creates);
  g_test_add_func ("/forge/sandbox-provider/url-with-authority", test_url_with_authority);

  return g_test_run ();
}
