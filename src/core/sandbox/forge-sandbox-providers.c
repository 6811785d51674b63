/* forge-sandbox-providers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "forge-e2b-provider.h"
#include "forge-local-provider.h"
#include "forge-sandbox-providers.h"

struct _ForgeSandboxProviders
{
  GObject     parent_instance;
  GMutex      mutex;
  GHashTable *providers;   /* name → ForgeSandboxProvider */
};

G_DEFINE_FINAL_TYPE (ForgeSandboxProviders, forge_sandbox_providers, G_TYPE_OBJECT)

static void
forge_sandbox_providers_finalize (GObject *object)
{
  ForgeSandboxProviders *self = FORGE_SANDBOX_PROVIDERS (object);

  g_hash_table_unref (self->providers);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_sandbox_providers_parent_class)->finalize (object);
}

static void
forge_sandbox_providers_class_init (ForgeSandboxProvidersClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_sandbox_providers_finalize;
}

static void
forge_sandbox_providers_init (ForgeSandboxProviders *self)
{
  g_mutex_init (&self->mutex);
  self->providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* "local" is always there: every project that names no backend runs in
 * it. "e2b" is listed even without an API key, so that a project naming
 * it gets the provider's "no key: here is how" rather than "unknown
 * backend". */
ForgeSandboxProviders *
forge_sandbox_providers_new (void)
{
  ForgeSandboxProviders *self = g_object_new (FORGE_TYPE_SANDBOX_PROVIDERS, NULL);
  g_autoptr(ForgeLocalProvider) local = forge_local_provider_new ();
  g_autoptr(ForgeE2bProvider) e2b = forge_e2b_provider_new ();

  forge_sandbox_providers_add (self, FORGE_SANDBOX_PROVIDER (local));
  forge_sandbox_providers_add (self, FORGE_SANDBOX_PROVIDER (e2b));

  return self;
}

void
forge_sandbox_providers_add (ForgeSandboxProviders *self,
                             ForgeSandboxProvider  *provider)
{
  const char *name;

  g_return_if_fail (FORGE_IS_SANDBOX_PROVIDERS (self));
  g_return_if_fail (FORGE_IS_SANDBOX_PROVIDER (provider));

  name = forge_sandbox_provider_get_name (provider);
  g_return_if_fail (name != NULL && *name != '\0');

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->providers, g_strdup (name), g_object_ref (provider));
  g_mutex_unlock (&self->mutex);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
forge_sandbox_providers_dup_names (ForgeSandboxProviders *self)
{
  GPtrArray *names;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDERS (self), NULL);

  names = g_ptr_array_new ();
  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->providers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  g_mutex_unlock (&self->mutex);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return (char **) g_ptr_array_free (names, FALSE);
}

ForgeSandboxProvider *
forge_sandbox_providers_lookup (ForgeSandboxProviders  *self,
                                const char             *name,
                                GError                **error)
{
  ForgeSandboxProvider *provider = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *known = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDERS (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (name != NULL && (provider = g_hash_table_lookup (self->providers, name)) != NULL)
    g_object_ref (provider);
  g_mutex_unlock (&self->mutex);

  if (provider != NULL)
    return provider;

  names = forge_sandbox_providers_dup_names (self);
  known = g_strjoinv (", ", names);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("Unknown sandbox backend “%s” (known: %s)"),
               name != NULL ? name : "", known);
  return NULL;
}
