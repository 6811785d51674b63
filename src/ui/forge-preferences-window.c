/* forge-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-preferences-window-private.h"
#include "forge-secrets.h"

struct _ForgePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  GtkSpinButton        *keepalive_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *start_limit_spin;
  AdwComboRow          *backend_row;

  AdwEntryRow          *host_row;
  AdwPasswordEntryRow  *token_row;
  AdwActionRow         *token_status_row;
  GtkWidget            *forget_button;
  GtkWidget            *save_button;
  GCancellable         *cancellable;
  GCancellable         *lookup_cancellable;   /* the latest lookup only */
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgePreferencesWindow, forge_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo row lists backends in the enum's order. */
static gboolean
backend_to_row (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  g_value_set_uint (value, g_str_equal (nick, "e2b") ? 1 : 0);
  return TRUE;
}

static GVariant *
row_to_backend (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "e2b" : "local");
}

typedef enum { TOKEN_LOOKUP, TOKEN_STORE, TOKEN_CLEAR } TokenOperation;

static void
show_token_state (ForgePreferencesWindow *self,
                  gboolean                has_token)
{
  g_autofree char *title = NULL;
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));

  title = has_token ? g_strdup_printf (_("A token for %s is saved"), host)
                    : g_strdup_printf (_("No token saved for %s"), host);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->token_status_row), title);
  gtk_widget_set_sensitive (self->forget_button, has_token);
}

static void
show_token_result (ForgePreferencesWindow *self,
                   gboolean                has_token,
                   const GError           *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_widget_set_sensitive (self->save_button, TRUE);
  if (error != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->token_status_row), error->message);
      return;
    }

  show_token_state (self, has_token);
}

/* Each callback holds a reference on the window: it may have been closed
 * (and the call cancelled) by the time the keyring answers. */
static void
token_looked_up_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = forge_secrets_lookup_token_finish (result, &error);

  show_token_result (self, token != NULL, error);
  forge_secrets_free_token (token);
}

static void
token_stored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stored = forge_secrets_store_token_finish (result, &error);

  show_token_result (self, stored, error);
}

static void
token_cleared_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ForgePreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  forge_secrets_clear_token_finish (result, &error);
  show_token_result (self, FALSE, error);
}

static void
run_token_request (ForgePreferencesWindow *self,
                   TokenOperation          operation,
                   const char             *token)
{
  g_autofree char *host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->host_row))));

  if (*host == '\0')
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
    case TOKEN_LOOKUP:
      forge_secrets_lookup_token_async (host, self->lookup_cancellable,
                                        token_looked_up_cb, g_object_ref (self));
      break;

    case TOKEN_STORE:
      forge_secrets_store_token_async (host, token, self->cancellable,
                                       token_stored_cb, g_object_ref (self));
      break;

    case TOKEN_CLEAR:
      forge_secrets_clear_token_async (host, self->cancellable,
                                       token_cleared_cb, g_object_ref (self));
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
host_changed_cb (ForgePreferencesWindow *self)
{
  run_token_request (self, TOKEN_LOOKUP, NULL);
}

static void
save_clicked_cb (ForgePreferencesWindow *self)
{
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));

  if (token == NULL || *token == '\0')
    return;

  gtk_widget_set_sensitive (self->save_button, FALSE);
  run_token_request (self, TOKEN_STORE, token);
  /* The entry must not keep the secret once it is in the keyring. */
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
}

static void
forget_clicked_cb (ForgePreferencesWindow *self)
{
  run_token_request (self, TOKEN_CLEAR, NULL);
}

static void
forge_preferences_window_constructed (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->constructed (object);

  g_settings_bind (self->settings, "keepalive-interval",
                   gtk_spin_button_get_adjustment (self->keepalive_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "sandbox-timeout",
                   gtk_spin_button_get_adjustment (self->timeout_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "server-start-timeout",
                   gtk_spin_button_get_adjustment (self->start_limit_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "default-backend",
                                self->backend_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                backend_to_row, row_to_backend, NULL, NULL);

  run_token_request (self, TOKEN_LOOKUP, NULL);
}

static void
forge_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preferences_window_finalize (GObject *object)
{
  ForgePreferencesWindow *self = FORGE_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->lookup_cancellable);

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->finalize (object);
}

static gboolean
forge_preferences_window_close_request (GtkWindow *window)
{
  g_cancellable_cancel (FORGE_PREFERENCES_WINDOW (window)->cancellable);

  return GTK_WINDOW_CLASS (forge_preferences_window_parent_class)->close_request (window);
}

static void
forge_preferences_window_class_init (ForgePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_preferences_window_constructed;
  object_class->set_property = forge_preferences_window_set_property;
  object_class->finalize = forge_preferences_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = forge_preferences_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, start_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, forget_button);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, save_button);
  gtk_widget_class_bind_template_callback (widget_class, host_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, forget_clicked_cb);
}

static void
forge_preferences_window_init (ForgePreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
forge_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (FORGE_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

GtkEditable *
forge_preferences_window_get_host_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->host_row);
}

GtkEditable *
forge_preferences_window_get_token_editable (ForgePreferencesWindow *self)
{
  return GTK_EDITABLE (self->token_row);
}

GtkButton *
forge_preferences_window_get_save_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->save_button);
}

GtkButton *
forge_preferences_window_get_forget_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->forget_button);
}

const char *
forge_preferences_window_get_token_status (ForgePreferencesWindow *self)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->token_status_row));
}
