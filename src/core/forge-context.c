/* forge-context.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-core"

#include "config.h"

#include "forge-context.h"

struct _ForgeContext
{
  GObject                parent_instance;
  ForgeProjectStore     *store;
  ForgeSandboxProviders *providers;
  ForgeSandboxManager   *manager;
  ForgeWorkflowEngine   *engine;
  ForgeCloneAndPreview  *workflow;
};

G_DEFINE_FINAL_TYPE (ForgeContext, forge_context, G_TYPE_OBJECT)

static void
forge_context_dispose (GObject *object)
{
  ForgeContext *self = FORGE_CONTEXT (object);

  /* No restart may start from now on, and runs stop at their next step
   * boundary or cancellable check. */
  if (self->manager != NULL)
    forge_sandbox_manager_set_restarter (self->manager, NULL, NULL, NULL);
  if (self->engine != NULL)
    forge_workflow_engine_cancel_all (self->engine);

  /* Users before what they use: the engine holds the workflow (as its
   * functions' data), the workflow holds the store, the manager and the
   * providers. A running invocation holds the engine, so whatever it
   * still needs lives until it ends. */
  g_clear_object (&self->workflow);
  g_clear_object (&self->engine);
  g_clear_object (&self->manager);
  g_clear_object (&self->providers);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (forge_context_parent_class)->dispose (object);
}

static void
forge_context_class_init (ForgeContextClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = forge_context_dispose;
}

static void
forge_context_init (ForgeContext *self)
{
}

ForgeContext *
forge_context_new (const char *projects_path,
                   const char *runs_directory)
{
  ForgeContext *self = g_object_new (FORGE_TYPE_CONTEXT, NULL);

  self->store = forge_project_store_new (projects_path);
  self->providers = forge_sandbox_providers_new ();
  self->manager = forge_sandbox_manager_new ();
  self->engine = runs_directory != NULL ? forge_workflow_engine_new_for_directory (runs_directory)
                                        : forge_workflow_engine_new ();
  self->workflow = forge_clone_and_preview_new (self->store, self->manager, self->providers);
  forge_clone_and_preview_register (self->workflow, self->engine);

  return self;
}

gboolean
forge_context_load (ForgeContext  *self,
                    GError       **error)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return forge_project_store_load (self->store, error);
}

ForgeProjectStore *
forge_context_get_store (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->store;
}

ForgeWorkflowEngine *
forge_context_get_engine (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->engine;
}

ForgeSandboxManager *
forge_context_get_manager (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->manager;
}

ForgeSandboxProviders *
forge_context_get_providers (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->providers;
}

ForgeCloneAndPreview *
forge_context_get_workflow (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->workflow;
}
