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
 * reported. Takes @local_error. */
static void
propagate_lookup_error (const char  *host,
                        GError     **error,
                        GError      *local_error)
{
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      is_no_service_error (local_error))
    {
      g_debug ("No keyring to look up a token for %s: %s", host, local_error->message);
      g_error_free (local_error);
      return;
    }

  propagate_keyring_error (error, local_error);
}

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
      propagate_lookup_error (host, error, local_error);
      return NULL;
    }

  return token;
}

/* Translated: the label is what people see in Seahorse. */
static char *
make_label (const char *host)
{
  return g_strdup_printf (_("Forge Preview token for %s"), host);
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

  label = make_label (host);

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

/* {{{ Asynchronous */

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;
  GError *error = NULL;
  char *token;

  /* Kept in non-pageable memory, as by the blocking lookup. */
  token = secret_password_lookup_nonpageable_finish (result, &local_error);
  if (local_error != NULL)
    {
      propagate_lookup_error (g_task_get_task_data (task), &error, local_error);
      if (error != NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_pointer (task, token, (GDestroyNotify) forge_secrets_free_token);
}

void
forge_secrets_lookup_token_async (const char          *host,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_secrets_lookup_token_async);
  g_task_set_task_data (task, g_strdup (host), g_free);

  secret_password_lookup (forge_secrets_get_schema (), cancellable,
                          lookup_cb, g_steal_pointer (&task),
                          "host", host,
                          NULL);
}

char *
forge_secrets_lookup_token_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_secrets_lookup_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &local_error))
    {
      propagate_keyring_error (&error, local_error);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
forge_secrets_store_token_async (const char          *host,
                                 const char          *token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (host != NULL);
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_secrets_store_token_async);

  label = make_label (host);
  secret_password_store (forge_secrets_get_schema (), SECRET_COLLECTION_DEFAULT,
                         label, token, cancellable,
                         store_cb, g_steal_pointer (&task),
                         "host", host,
                         NULL);
}

gboolean
forge_secrets_store_token_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_secrets_store_token_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;
  GError *error = NULL;

  /* FALSE without error just means there was nothing to clear. */
  if (!secret_password_clear_finish (result, &local_error) && local_error != NULL)
    {
      propagate_keyring_error (&error, local_error);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
forge_secrets_clear_token_async (const char          *host,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_secrets_clear_token_async);

  secret_password_clear (forge_secrets_get_schema (), cancellable,
                         clear_cb, g_steal_pointer (&task),
                         "host", host,
                         NULL);
}

gboolean
forge_secrets_clear_token_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_secrets_clear_token_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* }}} */
