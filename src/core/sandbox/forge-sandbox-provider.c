/* forge-sandbox-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-sandbox-provider.h"

G_DEFINE_INTERFACE (ForgeSandboxProvider, forge_sandbox_provider, G_TYPE_OBJECT)

static void
forge_sandbox_provider_default_init (ForgeSandboxProviderInterface *iface)
{
}

const char *
forge_sandbox_provider_get_name (ForgeSandboxProvider *self)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), NULL);

  return FORGE_SANDBOX_PROVIDER_GET_IFACE (self)->get_name (self);
}

gboolean
forge_sandbox_provider_is_available (ForgeSandboxProvider  *self,
                                     GError               **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return FORGE_SANDBOX_PROVIDER_GET_IFACE (self)->is_available (self, error);
}

ForgeSandbox *
forge_sandbox_provider_create_sandbox (ForgeSandboxProvider       *self,
                                       const ForgeSandboxRequest  *request,
                                       GError                    **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->workspace_dir != NULL && request->repo_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_SANDBOX_PROVIDER_GET_IFACE (self)->create_sandbox (self, request, error);
}

ForgeSandbox *
forge_sandbox_provider_reconnect (ForgeSandboxProvider  *self,
                                  const char            *sandbox_id,
                                  GError               **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_SANDBOX_PROVIDER_GET_IFACE (self)->reconnect (self, sandbox_id, error);
}

ForgeWorkspace *
forge_sandbox_provider_open_workspace (ForgeSandboxProvider       *self,
                                       const ForgeSandboxRequest  *request,
                                       GError                    **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->workspace_dir != NULL && request->repo_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_SANDBOX_PROVIDER_GET_IFACE (self)->open_workspace (self, request, error);
}

/* Titles for the backends this app ships, so that a provider written
 * before get_display_name() existed (or a test's) still reads well. */
static const struct {
  const char *name;
  const char *title;
} known_titles[] = {
  { "local", N_("This Computer") },
  { "e2b", N_("E2B Cloud") },
};

const char *
forge_sandbox_provider_get_display_name (ForgeSandboxProvider *self)
{
  ForgeSandboxProviderInterface *iface;
  const char *name;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDER (self), NULL);

  iface = FORGE_SANDBOX_PROVIDER_GET_IFACE (self);
  if (iface->get_display_name != NULL)
    {
      const char *title = iface->get_display_name (self);

      if (title != NULL && *title != '\0')
        return title;
    }

  name = forge_sandbox_provider_get_name (self);
  for (guint i = 0; i < G_N_ELEMENTS (known_titles); i++)
    {
      if (g_strcmp0 (name, known_titles[i].name) == 0)
        return _(known_titles[i].title);
    }

  return name;
}
