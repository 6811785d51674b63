/* forge-local-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-local-provider.h"
#include "forge-local-sandbox.h"
#include "forge-local-workspace.h"
#include "forge-util.h"

struct _ForgeLocalProvider
{
  GObject parent_instance;
  int     shared_network;   /* atomic: set on the main thread, read by workers */
  int     flatpak_host;     /* atomic, likewise */
};

static void forge_local_provider_iface_init (ForgeSandboxProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeLocalProvider, forge_local_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER,
                                                      forge_local_provider_iface_init))

static void
forge_local_provider_class_init (ForgeLocalProviderClass *klass)
{
}

static void
forge_local_provider_init (ForgeLocalProvider *self)
{
}

ForgeLocalProvider *
forge_local_provider_new (void)
{
  return g_object_new (FORGE_TYPE_LOCAL_PROVIDER, NULL);
}

void
forge_local_provider_set_shared_network (ForgeLocalProvider *self,
                                         gboolean            shared)
{
  g_return_if_fail (FORGE_IS_LOCAL_PROVIDER (self));

  g_atomic_int_set (&self->shared_network, !!shared);
}

void
forge_local_provider_set_flatpak_host (ForgeLocalProvider *self,
                                       gboolean            host)
{
  g_return_if_fail (FORGE_IS_LOCAL_PROVIDER (self));

  g_atomic_int_set (&self->flatpak_host, !!host);
}

static const char *
forge_local_provider_get_name (ForgeSandboxProvider *provider)
{
  return FORGE_LOCAL_PROVIDER_NAME;
}

static gboolean
forge_local_provider_is_available (ForgeSandboxProvider  *provider,
                                   GError               **error)
{
  ForgeLocalProvider *self = FORGE_LOCAL_PROVIDER (provider);

  return forge_local_sandbox_check_available_full (g_atomic_int_get (&self->flatpak_host), error);
}

/* The one thing projects share: npm's content-addressed store, whose
 * entries npm checks against their hashes on every read. Every project
 * can read all of it, so a repository cloned with a token (whose
 * packages may be private) keeps a store of its own, from its first run
 * on (restarts look no token up: the folder remembers). */
static char *
package_store_dir (const ForgeSandboxRequest *request)
{
  g_autofree char *cache = NULL;
  g_autofree char *own = g_build_filename (request->workspace_dir, "npm-content", NULL);

  if (request->cloned_with_token || g_file_test (own, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&own);

  cache = forge_cache_dir ();
  return g_build_filename (cache, "npm-content", NULL);
}

static ForgeSandbox *
forge_local_provider_create_sandbox (ForgeSandboxProvider       *provider,
                                     const ForgeSandboxRequest  *request,
                                     GError                    **error)
{
  ForgeLocalProvider *self = FORGE_LOCAL_PROVIDER (provider);
  /* A project's own home: what one repository's code writes there (rc
   * files, ~/.node_modules, npx's cache) must never run in another's. */
  g_autofree char *home = g_build_filename (request->workspace_dir, "home", NULL);
  g_autofree char *package_cache = NULL;
  g_autofree char *npm_cache = NULL;
  ForgeLocalSandbox *sandbox;

  /* It makes the home, and its mount point, without following symlinks. */
  sandbox = forge_local_sandbox_new_full (request->repo_dir, home, request->timeout_seconds,
                                          g_atomic_int_get (&self->flatpak_host), error);
  if (sandbox == NULL)
    return NULL;

  package_cache = package_store_dir (request);
  npm_cache = g_build_filename (request->workspace_dir, "npm-cache", NULL);
  forge_local_sandbox_set_package_cache (sandbox, package_cache, npm_cache);
  if (g_atomic_int_get (&self->shared_network))
    forge_local_sandbox_set_shared_network (sandbox, TRUE);
  forge_local_sandbox_set_preview_port (sandbox, request->preview_port);

  if (request->limits != NULL)
    forge_local_sandbox_set_limits (sandbox, request->limits);
  else
    {
      ForgeSandboxLimits defaults;

      forge_sandbox_limits_init_default (&defaults);
      forge_local_sandbox_set_limits (sandbox, &defaults);
    }

  return FORGE_SANDBOX (sandbox);
}

static ForgeSandbox *
forge_local_provider_reconnect (ForgeSandboxProvider  *provider,
                                const char            *sandbox_id,
                                GError               **error)
{
  /* Its processes die with the app (--die-with-parent): there is never
   * anything to find again. */
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                       _("local sandboxes do not outlive the app"));
  return NULL;
}

/* Its sandboxes bind the clone itself: the workspace is the clone,
 * read in place. */
static ForgeWorkspace *
forge_local_provider_open_workspace (ForgeSandboxProvider       *provider,
                                     const ForgeSandboxRequest  *request,
                                     GError                    **error)
{
  return FORGE_WORKSPACE (forge_local_workspace_new (request->repo_dir));
}

static void
forge_local_provider_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = forge_local_provider_get_name;
  iface->is_available = forge_local_provider_is_available;
  iface->create_sandbox = forge_local_provider_create_sandbox;
  iface->reconnect = forge_local_provider_reconnect;
  iface->open_workspace = forge_local_provider_open_workspace;
}
