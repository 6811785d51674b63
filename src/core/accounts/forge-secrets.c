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

/* A schema of its own, never the Git tokens' one: a repository cloned
 * from a host named like the E2B API must not be handed the API key. */
static const SecretSchema *
forge_secrets_get_e2b_schema (void)
{
  static const SecretSchema schema = {
    "io.github.forgepreview.ForgePreview.E2bApiKey",
    SECRET_SCHEMA_NONE,
    {
      { "domain", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* A project's secret environment variables: by project and name, in a
 * schema of their own, so that no token lookup can ever match one. */
static const SecretSchema *
forge_secrets_get_env_schema (void)
{
  static const SecretSchema schema = {
    "io.github.forgepreview.ForgePreview.EnvValue",
    SECRET_SCHEMA_NONE,
    {
      { "project", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

typedef enum
{
  KIND_TOKEN,
  KIND_API_KEY,
  KIND_ENV_VALUE,
} SecretKindId;

/* What differs between the kinds of secret kept here. */
typedef struct
{
  const SecretSchema *(*schema)    (void);
  const char          *attribute;
  const char          *attribute2;   /* NULL when one says which */
  SecretKindId         id;
} SecretKind;

static const SecretKind git_token = { forge_secrets_get_schema, "host", NULL, KIND_TOKEN };
static const SecretKind e2b_key = { forge_secrets_get_e2b_schema, "domain", NULL, KIND_API_KEY };
static const SecretKind env_value = { forge_secrets_get_env_schema, "project", "name", KIND_ENV_VALUE };

/* @scope2 NULL: every item of @scope (clearing a project's variables). */
static GHashTable *
make_attributes (const SecretKind *kind,
                 const char       *scope,
                 const char       *scope2)
{
  /* Copies: the asynchronous calls keep the table past the caller's
   * strings. */
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (char *) kind->attribute, g_strdup (scope));
  if (kind->attribute2 != NULL && scope2 != NULL)
    g_hash_table_insert (attributes, (char *) kind->attribute2, g_strdup (scope2));
  return attributes;
}

/* Translated: the label is what people see in Seahorse. */
static char *
make_label (const SecretKind *kind,
            const char       *scope,
            const char       *scope2)
{
  switch (kind->id)
    {
    case KIND_API_KEY:
      return g_strdup_printf (_("Forge Preview E2B API key for %s"), scope);
    case KIND_ENV_VALUE:
      return g_strdup_printf (_("Forge Preview variable %s of project %s"), scope2, scope);
    case KIND_TOKEN:
    default:
      return g_strdup_printf (_("Forge Preview token for %s"), scope);
    }
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
propagate_keyring_error (const SecretKind  *kind,
                         GError           **error,
                         GError            *local_error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  g_debug ("Keyring error: %s", local_error->message);

  if (is_no_service_error (local_error))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         kind->id == KIND_API_KEY
                         ? _("No keyring is available to keep the API key: start your desktop’s keyring (e.g. GNOME Keyring), then try again.")
                         : kind->id == KIND_ENV_VALUE
                         ? _("No keyring is available to keep the secret value: start your desktop’s keyring (e.g. GNOME Keyring), then try again.")
                         : _("No keyring is available to keep the token: start your desktop’s keyring (e.g. GNOME Keyring), then try again."));
  else if (kind->id == KIND_API_KEY)
    g_set_error (error, local_error->domain, local_error->code,
                 _("The keyring refused to keep the API key: %s. Unlock your keyring, then try again."),
                 local_error->message);
  else if (kind->id == KIND_ENV_VALUE)
    g_set_error (error, local_error->domain, local_error->code,
                 _("The keyring refused to keep the secret value: %s. Unlock your keyring, then try again."),
                 local_error->message);
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
propagate_lookup_error (const SecretKind  *kind,
                        const char        *host,
                        GError           **error,
                        GError            *local_error)
{
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      is_no_service_error (local_error))
    {
      g_debug ("No keyring to look up a secret for %s: %s", host, local_error->message);
      g_error_free (local_error);
      return;
    }

  propagate_keyring_error (kind, error, local_error);
}

/* Not secret_password_lookup*(): libsecret 0.20 (Debian 12) leaks the
 * whole GetSecrets reply, about 1 KB, at each of them (found by the
 * sanitized suite, and reproduced by a program doing nothing else).
 * Finding the item and loading its secret goes through Item.GetSecret,
 * which frees its reply; the value ends in non-pageable memory as before
 * (secret_value_unref_to_password()). */
static char *
lookup_in_keyring (const SecretSchema  *schema,
                   GHashTable          *attributes,
                   GCancellable        *cancellable,
                   GError             **error)
{
  g_autoptr(SecretService) service = NULL;
  GList *items;
  char *secret = NULL;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, error);
  if (service == NULL)
    return NULL;

  items = secret_service_search_sync (service, schema, attributes, SECRET_SEARCH_UNLOCK,
                                      cancellable, error);
  if (items != NULL && secret_item_load_secret_sync (items->data, cancellable, error))
    {
      SecretValue *value = secret_item_get_secret (items->data);
      gsize length;

      if (value != NULL)
        secret = secret_value_unref_to_password (value, &length);
    }
  g_list_free_full (items, g_object_unref);

  return secret;
}

static char *
lookup_sync (const SecretKind  *kind,
             const char        *scope,
             const char        *scope2,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GHashTable) attributes = make_attributes (kind, scope, scope2);
  GError *local_error = NULL;
  char *secret;

  secret = lookup_in_keyring (kind->schema (), attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_lookup_error (kind, scope, error, local_error);
      return NULL;
    }

  return secret;
}

static gboolean
store_sync (const SecretKind  *kind,
            const char        *scope,
            const char        *scope2,
            const char        *secret,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autofree char *label = make_label (kind, scope, scope2);
  g_autoptr(GHashTable) attributes = make_attributes (kind, scope, scope2);
  GError *local_error = NULL;

  if (!secret_password_storev_sync (kind->schema (), attributes, SECRET_COLLECTION_DEFAULT,
                                    label, secret,
                                    cancellable, &local_error))
    return propagate_keyring_error (kind, error, local_error);

  return TRUE;
}

static gboolean
clear_sync (const SecretKind  *kind,
            const char        *scope,
            const char        *scope2,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autoptr(GHashTable) attributes = make_attributes (kind, scope, scope2);
  GError *local_error = NULL;

  /* FALSE without error just means there was nothing to clear. */
  if (!secret_password_clearv_sync (kind->schema (), attributes, cancellable, &local_error) &&
      local_error != NULL)
    return propagate_keyring_error (kind, error, local_error);

  return TRUE;
}

char *
forge_secrets_lookup_token (const char    *host,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_sync (&git_token, host, NULL, cancellable, error);
}

gboolean
forge_secrets_store_token (const char    *host,
                           const char    *token,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_sync (&git_token, host, NULL, token, cancellable, error);
}

gboolean
forge_secrets_clear_token (const char    *host,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return clear_sync (&git_token, host, NULL, cancellable, error);
}

char *
forge_secrets_lookup_e2b_key (const char    *domain,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_sync (&e2b_key, domain, NULL, cancellable, error);
}

void
forge_secrets_free_token (char *token)
{
  if (token != NULL)
    secret_password_free (token);
}

/* {{{ Asynchronous */

typedef struct
{
  const SecretKind *kind;
  char             *scope;
  char             *scope2;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->scope);
  g_free (request->scope2);
  g_free (request);
}

static GTask *
request_task_new (const SecretKind    *kind,
                  const char          *scope,
                  const char          *scope2,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->scope = g_strdup (scope);
  request->scope2 = g_strdup (scope2);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, request_free);
  return task;
}

/* The same steps as lookup_in_keyring(), without blocking. */
static void
lookup_return (GTask  *task,
               char   *secret,
               GError *local_error)
{
  Request *request = g_task_get_task_data (task);
  GError *error = NULL;

  if (local_error != NULL)
    {
      propagate_lookup_error (request->kind, request->scope, &error, local_error);
      if (error != NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_pointer (task, secret, (GDestroyNotify) forge_secrets_free_token);
}

static void
lookup_loaded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SecretItem *item = SECRET_ITEM (object);
  GError *local_error = NULL;
  SecretValue *value;
  char *secret = NULL;
  gsize length;

  if (secret_item_load_secret_finish (item, result, &local_error) &&
      (value = secret_item_get_secret (item)) != NULL)
    secret = secret_value_unref_to_password (value, &length);

  lookup_return (task, secret, local_error);
}

static void
lookup_searched_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;
  GCancellable *cancellable;
  GList *items;

  items = secret_service_search_finish (SECRET_SERVICE (object), result, &local_error);
  if (items == NULL)
    {
      lookup_return (task, NULL, local_error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  secret_item_load_secret (items->data, cancellable, lookup_loaded_cb, g_steal_pointer (&task));
  g_list_free_full (items, g_object_unref);
}

static void
lookup_service_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  GError *local_error = NULL;
  GCancellable *cancellable;

  service = secret_service_get_finish (result, &local_error);
  if (service == NULL)
    {
      lookup_return (task, NULL, local_error);
      return;
    }

  attributes = make_attributes (request->kind, request->scope, request->scope2);
  cancellable = g_task_get_cancellable (task);
  secret_service_search (service, request->kind->schema (), attributes, SECRET_SEARCH_UNLOCK,
                         cancellable, lookup_searched_cb, g_steal_pointer (&task));
}

static void
lookup_async (const SecretKind    *kind,
              const char          *scope,
              const char          *scope2,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = request_task_new (kind, scope, scope2, source_tag, cancellable, callback, user_data);

  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, lookup_service_cb, task);
}

static char *
lookup_finish (GAsyncResult  *result,
               gpointer       source_tag,
               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  GError *local_error = NULL;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &local_error))
    {
      propagate_keyring_error (request->kind, &error, local_error);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
store_async (const SecretKind    *kind,
             const char          *scope,
             const char          *scope2,
             const char          *secret,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = request_task_new (kind, scope, scope2, source_tag, cancellable, callback, user_data);
  g_autofree char *label = make_label (kind, scope, scope2);
  g_autoptr(GHashTable) attributes = make_attributes (kind, scope, scope2);

  secret_password_storev (kind->schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, secret, cancellable,
                          store_cb, task);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  GError *local_error = NULL;
  GError *error = NULL;

  /* FALSE without error just means there was nothing to clear. */
  if (!secret_password_clear_finish (result, &local_error) && local_error != NULL)
    {
      propagate_keyring_error (request->kind, &error, local_error);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
clear_async (const SecretKind    *kind,
             const char          *scope,
             const char          *scope2,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = request_task_new (kind, scope, scope2, source_tag, cancellable, callback, user_data);
  g_autoptr(GHashTable) attributes = make_attributes (kind, scope, scope2);

  secret_password_clearv (kind->schema (), attributes, cancellable, clear_cb, task);
}

static gboolean
boolean_finish (GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
forge_secrets_lookup_token_async (const char          *host,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lookup_async (&git_token, host, NULL, forge_secrets_lookup_token_async, cancellable, callback, user_data);
}

char *
forge_secrets_lookup_token_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return lookup_finish (result, forge_secrets_lookup_token_async, error);
}

void
forge_secrets_store_token_async (const char          *host,
                                 const char          *token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (host != NULL);
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  store_async (&git_token, host, NULL, token, forge_secrets_store_token_async, cancellable, callback, user_data);
}

gboolean
forge_secrets_store_token_finish (GAsyncResult  *result,
                                  GError       **error)
{
  return boolean_finish (result, forge_secrets_store_token_async, error);
}

void
forge_secrets_clear_token_async (const char          *host,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear_async (&git_token, host, NULL, forge_secrets_clear_token_async, cancellable, callback, user_data);
}

gboolean
forge_secrets_clear_token_finish (GAsyncResult  *result,
                                  GError       **error)
{
  return boolean_finish (result, forge_secrets_clear_token_async, error);
}

static void
keyring_checked_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(SecretService) service = NULL;
  GError *local_error = NULL;
  GError *error = NULL;

  service = secret_service_get_finish (result, &local_error);
  if (service == NULL)
    {
      propagate_keyring_error (&git_token, &error, local_error);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
forge_secrets_check_keyring_async (GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_secrets_check_keyring_async);
  /* Creating the proxy succeeds with nobody behind the name; opening a
   * session is the first call the service itself has to answer. */
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, keyring_checked_cb, task);
}

gboolean
forge_secrets_check_keyring_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return boolean_finish (result, forge_secrets_check_keyring_async, error);
}

void
forge_secrets_lookup_e2b_key_async (const char          *domain,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (domain != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lookup_async (&e2b_key, domain, NULL, forge_secrets_lookup_e2b_key_async, cancellable, callback, user_data);
}

char *
forge_secrets_lookup_e2b_key_finish (GAsyncResult  *result,
                                     GError       **error)
{
  return lookup_finish (result, forge_secrets_lookup_e2b_key_async, error);
}

void
forge_secrets_store_e2b_key_async (const char          *domain,
                                   const char          *key,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (domain != NULL);
  g_return_if_fail (key != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  store_async (&e2b_key, domain, NULL, key, forge_secrets_store_e2b_key_async, cancellable, callback, user_data);
}

gboolean
forge_secrets_store_e2b_key_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return boolean_finish (result, forge_secrets_store_e2b_key_async, error);
}

void
forge_secrets_clear_e2b_key_async (const char          *domain,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (domain != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear_async (&e2b_key, domain, NULL, forge_secrets_clear_e2b_key_async, cancellable, callback, user_data);
}

gboolean
forge_secrets_clear_e2b_key_finish (GAsyncResult  *result,
                                    GError       **error)
{
  return boolean_finish (result, forge_secrets_clear_e2b_key_async, error);
}

/* {{{ Project variables */

char *
forge_secrets_lookup_env_value (const char    *project_id,
                                const char    *name,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_return_val_if_fail (project_id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_sync (&env_value, project_id, name, cancellable, error);
}

gboolean
forge_secrets_store_env_value (const char    *project_id,
                               const char    *name,
                               const char    *value,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_return_val_if_fail (project_id != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_sync (&env_value, project_id, name, value, cancellable, error);
}

void
forge_secrets_lookup_env_value_async (const char          *project_id,
                                      const char          *name,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (project_id != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  lookup_async (&env_value, project_id, name, forge_secrets_lookup_env_value_async,
                cancellable, callback, user_data);
}

char *
forge_secrets_lookup_env_value_finish (GAsyncResult  *result,
                                       GError       **error)
{
  return lookup_finish (result, forge_secrets_lookup_env_value_async, error);
}

void
forge_secrets_store_env_value_async (const char          *project_id,
                                     const char          *name,
                                     const char          *value,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (project_id != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  store_async (&env_value, project_id, name, value, forge_secrets_store_env_value_async,
               cancellable, callback, user_data);
}

gboolean
forge_secrets_store_env_value_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return boolean_finish (result, forge_secrets_store_env_value_async, error);
}

void
forge_secrets_clear_env_value_async (const char          *project_id,
                                     const char          *name,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (project_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear_async (&env_value, project_id, name, forge_secrets_clear_env_value_async,
               cancellable, callback, user_data);
}

gboolean
forge_secrets_clear_env_value_finish (GAsyncResult  *result,
                                      GError       **error)
{
  return boolean_finish (result, forge_secrets_clear_env_value_async, error);
}

/* }}} */
