/* forge-secrets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-accounts"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "forge-secrets.h"

static const SecretSchema *
forge_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.forgepreview.ForgePreview.Token",
    SECRET_SCHEMA_NONE,
    {
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* No Secret Service on the bus (no keyring daemon, no session bus). */
static gboolean
is_no_service_error (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static gboolean
propagate_keyring_error (GError      **error,
                         GError       *local_error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  g_debug ("Keyring error: %s", local_error->message);

  if (is_no_service_error (local_error))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("No keyring is available to keep the token: start your desktop’s keyring (e.g. GNOME Keyring), then try again."));
  else
    g_set_error (error, local_error->domain, local_error->code,
                 _("The keyring refused to keep the token: %s. Unlock your keyring, then try again."),
                 local_error->message);

  g_error_free (local_error);
  return FALSE;
}

/* Public repositories need no token, so a missing keyring is treated as
 * "no token" (logged with g_debug) rather than an error. Only a locked
 * keyring the user refused to unlock or other real failures are
 * reported. */
char *
forge_secrets_lookup_token (const char    *host,
                            GCancellable  *cancellable,
                            GError       **error)
{
  GError *local_error = NULL;
  char *token;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  token = secret_password_lookup_nonpageable_sync (forge_secrets_get_schema (),
                                                   cancellable, &local_error,
                                                   "host", host,
                                                   NULL);
  if (local_error != NULL)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          is_no_service_error (local_error))
        {
          g_debug ("No keyring to look up a token for %s: %s", host, local_error->message);
          g_error_free (local_error);
          return NULL;
        }

      propagate_keyring_error (error, local_error);
      return NULL;
    }

  return token;
}

gboolean
forge_secrets_store_token (const char    *host,
                           const char    *token,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autofree char *label = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Translated: the label is what people see in Seahorse. */
  label = g_strdup_printf (_("Forge Preview token for %s"), host);

  if (!secret_password_store_sync (forge_secrets_get_schema (),
                                   SECRET_COLLECTION_DEFAULT,
                                   label, token,
                                   cancellable, &local_error,
                                   "host", host,
                                   NULL))
    return propagate_keyring_error (error, local_error);

  return TRUE;
}

gboolean
forge_secrets_clear_token (const char    *host,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* FALSE without error just means there was nothing to clear. */
  if (!secret_password_clear_sync (forge_secrets_get_schema (), cancellable, &local_error,
                                   "host", host,
                                   NULL) &&
      local_error != NULL)
    return propagate_keyring_error (error, local_error);

  return TRUE;
}

void
forge_secrets_free_token (char *token)
{
  if (token != NULL)
    secret_password_free (token);
}
