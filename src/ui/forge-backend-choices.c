/* forge-backend-choices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-backend-choices.h"
#include "forge-project.h"

static void
choice_free (gpointer data)
{
  ForgeBackendChoice *choice = data;

  g_free (choice->name);
  g_free (choice->title);
  g_free (choice->reason);
  g_free (choice);
}

/* The default backend leads: it is what most people pick, and the list
 * should not reorder as backends come and go. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  const char *name_a = *(const char * const *) a;
  const char *name_b = *(const char * const *) b;
  gboolean default_a = g_str_equal (name_a, FORGE_PROJECT_DEFAULT_BACKEND);
  gboolean default_b = g_str_equal (name_b, FORGE_PROJECT_DEFAULT_BACKEND);

  if (default_a != default_b)
    return default_a ? -1 : 1;

  return g_strcmp0 (name_a, name_b);
}

GPtrArray *
forge_backend_choices_new (ForgeSandboxProviders *providers)
{
  g_autoptr(GPtrArray) choices = g_ptr_array_new_with_free_func (choice_free);
  g_auto(GStrv) names = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_PROVIDERS (providers), NULL);

  names = forge_sandbox_providers_dup_names (providers);
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(ForgeSandboxProvider) provider = forge_sandbox_providers_lookup (providers, names[i], NULL);
      g_autoptr(GError) error = NULL;
      ForgeBackendChoice *choice;

      /* Removed since the names were read. */
      if (provider == NULL)
        continue;

      choice = g_new0 (ForgeBackendChoice, 1);
      choice->name = g_strdup (names[i]);
      choice->title = g_strdup (forge_sandbox_provider_get_display_name (provider));
      if (!forge_sandbox_provider_is_available (provider, &error))
        choice->reason = g_strdup (error != NULL ? error->message : _("Not available here"));
      g_ptr_array_add (choices, choice);
    }

  return g_steal_pointer (&choices);
}
