/* forge-secret-rows.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include "forge-secret-rows.h"
#include "forge-secrets.h"

const ForgeSecretKind forge_secret_kind_git_token = {
  forge_secrets_lookup_token_async,
  forge_secrets_lookup_token_finish,
  forge_secrets_store_token_async,
  forge_secrets_store_token_finish,
  forge_secrets_clear_token_async,
  forge_secrets_clear_token_finish,
};

const ForgeSecretKind forge_secret_kind_e2b_key = {
  forge_secrets_lookup_e2b_key_async,
  forge_secrets_lookup_e2b_key_finish,
  forge_secrets_store_e2b_key_async,
  forge_secrets_store_e2b_key_finish,
  forge_secrets_clear_e2b_key_async,
  forge_secrets_clear_e2b_key_finish,
};

struct _ForgeSecretRows
{
  GObject                parent_instance;

  const ForgeSecretKind *kind;
  AdwEntryRow           *entry_row;
  AdwActionRow          *status_row;
  GtkWidget             *forget_button;
  char                  *empty_message;

  char                  *scope;
  char                  *saved_title;
  char                  *unsaved_title;
  gboolean               saved;
  char                  *problem;

  GCancellable          *cancellable;
  GCancellable          *lookup_cancellable;   /* the latest lookup only */
};

enum {
  PROP_0,
  PROP_SAVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeSecretRows, forge_secret_rows, G_TYPE_OBJECT)

typedef enum { SECRET_LOOKUP, SECRET_STORE, SECRET_CLEAR } SecretOperation;

static void
show_state (ForgeSecretRows *self,
            gboolean         saved)
{
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row),
                                 saved ? self->saved_title : self->unsaved_title);
  gtk_widget_set_sensitive (self->forget_button, saved);

  if (self->saved != saved)
    {
      self->saved = saved;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVED]);
    }
}

static void
show_result (ForgeSecretRows *self,
             gboolean         saved,
             const GError    *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The keyring's own one-line reason (none running, locked) says more
   * than "not saved" would. */
  if (error != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), error->message);
      return;
    }

  show_state (self, saved);
}

/* Each callback holds a reference on the rows: the window may have been
 * closed (and the call cancelled) by the time the keyring answers. */
static void
looked_up_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ForgeSecretRows) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = self->kind->lookup_finish (result, &error);

  show_result (self, secret != NULL, error);
  forge_secrets_free_token (secret);
}

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ForgeSecretRows) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stored = self->kind->store_finish (result, &error);

  show_result (self, stored, error);
}

static void
cleared_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ForgeSecretRows) self = user_data;
  g_autoptr(GError) error = NULL;

  self->kind->clear_finish (result, &error);
  show_result (self, FALSE, error);
}

static void
run_request (ForgeSecretRows *self,
             SecretOperation  operation,
             const char      *secret)
{
  /* Cancelled for good: the window is closing. */
  if (self->scope == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  /* Typing a host starts a lookup per key: only the last one may answer,
   * and none may overwrite what a save or forget reports. */
  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  self->lookup_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->lookup_cancellable, G_CONNECT_SWAPPED);

  switch (operation)
    {
    case SECRET_LOOKUP:
      self->kind->lookup_async (self->scope, self->lookup_cancellable,
                                looked_up_cb, g_object_ref (self));
      break;

    case SECRET_STORE:
      self->kind->store_async (self->scope, secret, self->cancellable,
                               stored_cb, g_object_ref (self));
      break;

    case SECRET_CLEAR:
      self->kind->clear_async (self->scope, self->cancellable,
                               cleared_cb, g_object_ref (self));
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
show_problem (ForgeSecretRows *self,
              const char      *message)
{
  g_free (self->problem);
  self->problem = g_strdup (message);

  adw_action_row_set_subtitle (self->status_row, message ? message : "");
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->entry_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry_row), "error");
}

static void
entry_changed_cb (ForgeSecretRows *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->entry_row)) != '\0')
    show_problem (self, NULL);
}

static void
entry_apply_cb (ForgeSecretRows *self)
{
  g_autofree char *secret = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry_row))));

  /* An empty secret would read as "saved" while nothing is: say so, and
   * keep what the keyring has. Forget is how a secret goes. */
  if (*secret == '\0')
    {
      show_problem (self, self->empty_message);
      return;
    }

  show_problem (self, NULL);
  run_request (self, SECRET_STORE, secret);
  /* The entry must not keep the secret once it is on its way to the
   * keyring; cleared without the apply button coming back for it. */
  adw_entry_row_set_show_apply_button (self->entry_row, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->entry_row), "");
  adw_entry_row_set_show_apply_button (self->entry_row, TRUE);
}

static void
forget_clicked_cb (ForgeSecretRows *self)
{
  run_request (self, SECRET_CLEAR, NULL);
}

static void
forge_secret_rows_dispose (GObject *object)
{
  ForgeSecretRows *self = FORGE_SECRET_ROWS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->entry_row);
  g_clear_object (&self->status_row);
  g_clear_object (&self->forget_button);

  G_OBJECT_CLASS (forge_secret_rows_parent_class)->dispose (object);
}

static void
forge_secret_rows_finalize (GObject *object)
{
  ForgeSecretRows *self = FORGE_SECRET_ROWS (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->lookup_cancellable);
  g_free (self->empty_message);
  g_free (self->scope);
  g_free (self->saved_title);
  g_free (self->unsaved_title);
  g_free (self->problem);

  G_OBJECT_CLASS (forge_secret_rows_parent_class)->finalize (object);
}

static void
forge_secret_rows_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ForgeSecretRows *self = FORGE_SECRET_ROWS (object);

  switch (prop_id)
    {
    case PROP_SAVED:
      g_value_set_boolean (value, self->saved);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_secret_rows_class_init (ForgeSecretRowsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_secret_rows_dispose;
  object_class->finalize = forge_secret_rows_finalize;
  object_class->get_property = forge_secret_rows_get_property;

  properties[PROP_SAVED] =
    g_param_spec_boolean ("saved", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_secret_rows_init (ForgeSecretRows *self)
{
  self->cancellable = g_cancellable_new ();
}

ForgeSecretRows *
forge_secret_rows_new (const ForgeSecretKind *kind,
                       AdwEntryRow           *entry_row,
                       AdwActionRow          *status_row,
                       GtkWidget             *forget_button,
                       const char            *empty_message)
{
  ForgeSecretRows *self;

  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (ADW_IS_ENTRY_ROW (entry_row), NULL);
  g_return_val_if_fail (ADW_IS_ACTION_ROW (status_row), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (forget_button), NULL);
  g_return_val_if_fail (empty_message != NULL, NULL);

  self = g_object_new (FORGE_TYPE_SECRET_ROWS, NULL);
  self->kind = kind;
  self->entry_row = g_object_ref (entry_row);
  self->status_row = g_object_ref (status_row);
  self->forget_button = g_object_ref (forget_button);
  self->empty_message = g_strdup (empty_message);

  gtk_widget_set_sensitive (forget_button, FALSE);
  g_signal_connect_object (entry_row, "apply", G_CALLBACK (entry_apply_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (entry_row, "changed", G_CALLBACK (entry_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (forget_button, "clicked", G_CALLBACK (forget_clicked_cb), self, G_CONNECT_SWAPPED);

  return self;
}

void
forge_secret_rows_set_scope (ForgeSecretRows *self,
                             const char      *scope,
                             const char      *saved_title,
                             const char      *unsaved_title)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (FORGE_IS_SECRET_ROWS (self));
  g_return_if_fail (scope != NULL && saved_title != NULL && unsaved_title != NULL);

  stripped = g_strstrip (g_strdup (scope));
  if (*stripped == '\0')
    return;

  g_free (self->scope);
  self->scope = g_steal_pointer (&stripped);
  g_free (self->saved_title);
  self->saved_title = g_strdup (saved_title);
  g_free (self->unsaved_title);
  self->unsaved_title = g_strdup (unsaved_title);

  run_request (self, SECRET_LOOKUP, NULL);
}

const char *
forge_secret_rows_get_scope (ForgeSecretRows *self)
{
  g_return_val_if_fail (FORGE_IS_SECRET_ROWS (self), NULL);
  return self->scope;
}

gboolean
forge_secret_rows_get_saved (ForgeSecretRows *self)
{
  g_return_val_if_fail (FORGE_IS_SECRET_ROWS (self), FALSE);
  return self->saved;
}

const char *
forge_secret_rows_get_problem (ForgeSecretRows *self)
{
  g_return_val_if_fail (FORGE_IS_SECRET_ROWS (self), NULL);
  return self->problem;
}

void
forge_secret_rows_cancel (ForgeSecretRows *self)
{
  g_return_if_fail (FORGE_IS_SECRET_ROWS (self));
  g_cancellable_cancel (self->cancellable);
}
