/* forge-fake-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-fake-sandbox"

#include "config.h"

#include <errno.h>

#include "forge-fake-provider.h"
#include "forge-local-workspace.h"

struct _ForgeFakeProvider
{
  GObject    parent_instance;

  char      *name;
  char      *unavailable;

  GMutex     mutex;
  guint      n_created;
  guint      n_to_fail;
  char      *sync_failure;
  GPtrArray *sandboxes;   /* ForgeFakeSandbox, all it made, for reconnect() */
};

static void forge_fake_provider_iface_init (ForgeSandboxProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeFakeProvider, forge_fake_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER, forge_fake_provider_iface_init))

static const char *
forge_fake_provider_get_name (ForgeSandboxProvider *provider)
{
  return FORGE_FAKE_PROVIDER (provider)->name;
}

static gboolean
forge_fake_provider_is_available (ForgeSandboxProvider  *provider,
                                  GError               **error)
{
  ForgeFakeProvider *self = FORGE_FAKE_PROVIDER (provider);

  if (self->unavailable == NULL)
    return TRUE;

  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE, self->unavailable);
  return FALSE;
}

static ForgeSandbox *
forge_fake_provider_create_sandbox (ForgeSandboxProvider       *provider,
                                    const ForgeSandboxRequest  *request,
                                    GError                    **error)
{
  ForgeFakeProvider *self = FORGE_FAKE_PROVIDER (provider);
  g_autofree char *home_dir = g_build_filename (request->workspace_dir, "home", NULL);
  ForgeFakeSandbox *sandbox;

  if (!forge_fake_provider_is_available (provider, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  if (self->n_to_fail > 0)
    {
      self->n_to_fail--;
      g_mutex_unlock (&self->mutex);
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                           "The fake backend was told to fail");
      return NULL;
    }
  g_mutex_unlock (&self->mutex);

  if (g_mkdir_with_parents (home_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s: %s", home_dir, g_strerror (saved_errno));
      return NULL;
    }
  sandbox = forge_fake_sandbox_new (request->repo_dir, home_dir, request->timeout_seconds);

  g_mutex_lock (&self->mutex);
  if (self->sync_failure != NULL)
    {
      forge_fake_sandbox_fail_next_sync (sandbox, self->sync_failure);
      g_clear_pointer (&self->sync_failure, g_free);
    }
  self->n_created++;
  g_ptr_array_add (self->sandboxes, g_object_ref (sandbox));
  g_mutex_unlock (&self->mutex);

  return FORGE_SANDBOX (sandbox);
}

static ForgeSandbox *
forge_fake_provider_reconnect (ForgeSandboxProvider  *provider,
                               const char            *sandbox_id,
                               GError               **error)
{
  ForgeFakeProvider *self = FORGE_FAKE_PROVIDER (provider);
  ForgeSandbox *found = NULL;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->sandboxes->len && found == NULL; i++)
    {
      ForgeSandbox *sandbox = g_ptr_array_index (self->sandboxes, i);

      if (g_strcmp0 (forge_sandbox_get_id (sandbox), sandbox_id) == 0 && forge_sandbox_is_running (sandbox))
        found = g_object_ref (sandbox);
    }
  g_mutex_unlock (&self->mutex);

  if (found == NULL)
    g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                 "No running fake sandbox %s", sandbox_id);
  return found;
}

/* The clone is on the host, where the fake's commands run too. */
static ForgeWorkspace *
forge_fake_provider_open_workspace (ForgeSandboxProvider       *provider,
                                    const ForgeSandboxRequest  *request,
                                    GError                    **error)
{
  return FORGE_WORKSPACE (forge_local_workspace_new (request->repo_dir));
}

static void
forge_fake_provider_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = forge_fake_provider_get_name;
  iface->is_available = forge_fake_provider_is_available;
  iface->create_sandbox = forge_fake_provider_create_sandbox;
  iface->reconnect = forge_fake_provider_reconnect;
  iface->open_workspace = forge_fake_provider_open_workspace;
}

static void
forge_fake_provider_finalize (GObject *object)
{
  ForgeFakeProvider *self = FORGE_FAKE_PROVIDER (object);

  g_ptr_array_unref (self->sandboxes);
  g_free (self->sync_failure);
  g_free (self->name);
  g_free (self->unavailable);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (forge_fake_provider_parent_class)->finalize (object);
}

static void
forge_fake_provider_class_init (ForgeFakeProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_fake_provider_finalize;
}

static void
forge_fake_provider_init (ForgeFakeProvider *self)
{
  g_mutex_init (&self->mutex);
  self->sandboxes = g_ptr_array_new_with_free_func (g_object_unref);
}

ForgeFakeProvider *
forge_fake_provider_new (void)
{
  return forge_fake_provider_new_named ("fake", NULL);
}

ForgeFakeProvider *
forge_fake_provider_new_named (const char *name,
                               const char *unavailable_reason)
{
  ForgeFakeProvider *self = g_object_new (FORGE_TYPE_FAKE_PROVIDER, NULL);

  self->name = g_strdup (name);
  self->unavailable = g_strdup (unavailable_reason);
  return self;
}

void
forge_fake_provider_fail_next (ForgeFakeProvider *self,
                               guint              n)
{
  g_mutex_lock (&self->mutex);
  self->n_to_fail = n;
  g_mutex_unlock (&self->mutex);
}

guint
forge_fake_provider_get_n_created (ForgeFakeProvider *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_created;
  g_mutex_unlock (&self->mutex);
  return n;
}

ForgeFakeSandbox *
forge_fake_provider_dup_last_sandbox (ForgeFakeProvider *self)
{
  ForgeFakeSandbox *sandbox = NULL;

  g_mutex_lock (&self->mutex);
  if (self->sandboxes->len > 0)
    sandbox = g_object_ref (g_ptr_array_index (self->sandboxes, self->sandboxes->len - 1));
  g_mutex_unlock (&self->mutex);
  return sandbox;
}

void
forge_fake_provider_fail_next_sync (ForgeFakeProvider *self,
                                    const char        *message)
{
  g_mutex_lock (&self->mutex);
  g_free (self->sync_failure);
  self->sync_failure = g_strdup (message);
  g_mutex_unlock (&self->mutex);
}
