/* forge-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-accessible.h"
#include "forge-preferences-window-private.h"
#include "forge-sandbox-providers.h"
#include "forge-secrets.h"

struct _ForgePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  ForgeSandboxProviders *providers;
  GPtrArray            *backend_names;  /* the combo row's choices, in order */

  AdwActionRow         *keepalive_row;
  AdwActionRow         *timeout_row;
  AdwActionRow         *start_limit_row;
  GtkSpinButton        *keepalive_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *start_limit_spin;
  AdwComboRow          *backend_row;

  AdwEntryRow          *host_row;
  AdwPasswordEntryRow  *token_row;
  AdwActionRow         *token_status_row;
  GtkWidget            *forget_button;
  GCancellable         *cancellable;
  GCancellable         *lookup_cancellable;   /* the latest lookup only */
};

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_PROVIDERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgePreferencesWindow, forge_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The backends the "default-backend" key can name, as people call them. */
static const struct {
  const char *name;
  const char *title;
} known_backends[] = {
  { "local", N_("This Computer") },
  { "e2b", N_("E2B Cloud") },
};

static gboolean
backend_to_row (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  ForgePreferencesWindow *self = user_data;
  const char *name = g_variant_get_string (variant, NULL);
  guint position;

  /* A backend that does not work here is not offered: the row then shows
   * the first one that does. */
  if (!g_ptr_array_find_with_equal_func (self->backend_names, name, g_str_equal, &position))
    return FALSE;

  g_value_set_uint (value, position);
  return TRUE;
}

static GVariant *
row_to_backend (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  ForgePreferencesWindow *self = user_data;
  guint position = g_value_get_uint (value);

  if (position >= self->backend_names->len)
    return NULL;

  return g_variant_new_string (g_ptr_array_index (self->backend_names, position));
}

/* Only backends that can run previews here are choices; why the others
 * cannot is said under the row. */
static void
fill_backends (ForgePreferencesWindow *self)
{
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);
  g_autoptr(GString) reasons = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (known_backends); i++)
    {
      g_autoptr(ForgeSandboxProvider) provider = forge_sandbox_providers_lookup (self->providers, known_backends[i].name, NULL);
      g_autoptr(GError) error = NULL;

      if (provider == NULL)
        continue;

      if (forge_sandbox_provider_is_available (provider, &error))
        {
          g_ptr_array_add (self->backend_names, g_strdup (known_backends[i].name));
          gtk_string_list_append (titles, _(known_backends[i].title));
        }
      else
        {
          if (reasons->len > 0)
            g_string_append_c (reasons, '\n');
          /* Translators: a sandbox backend ("E2B Cloud") and why it
           * cannot run previews here. */
          g_string_append_printf (reasons, _("%s: %s"), _(known_backends[i].title),
                                  error != NULL ? error->message : _("not available"));
        }
    }

  /* The combo row itself offers no choice of one (no arrow, nothing to
   * activate) and is insensitive with none. */
  adw_combo_row_set_model (self->backend_row, G_LIST_MODEL (titles));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->backend_row), reasons->str);
}

/* The keys count seconds; people think of these in minutes. */
static gboolean
seconds_to_minutes (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 60.0);
  return TRUE;
}

static GVariant *
minutes_to_seconds (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  double minutes = g_value_get_double (value);

  return g_variant_new_uint32 ((guint32) MAX (1.0, minutes * 60.0 + 0.5));
}

static guint
minutes_of (ForgePreferencesWindow *self,
            const char             *key)
{
  /* Shown as the spin button shows it: rounded. */
  return (guint) MAX (1.0, g_settings_get_uint (self->settings, key) / 60.0 + 0.5);
}

static void
update_time_subtitles (ForgePreferencesWindow *self)
{
  g_autofree char *keepalive = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *start_limit = NULL;
  guint n;

  n = minutes_of (self, "keepalive-interval");
  keepalive = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Keep previews alive every minute",
                                            "Keep previews alive every %u minutes", n), n);
  n = minutes_of (self, "sandbox-timeout");
  timeout = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Stop a sandbox a minute after it was last kept alive",
                                          "Stop a sandbox %u minutes after it was last kept alive", n), n);
  n = minutes_of (self, "server-start-timeout");
  start_limit = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Give up on a dev server that has not answered within a minute",
                                              "Give up on a dev server that has not answered within %u minutes", n), n);

  adw_action_row_set_subtitle (self->keepalive_row, keepalive);
  adw_action_row_set_subtitle (self->timeout_row, timeout);
  adw_action_row_set_subtitle (self->start_limit_row, start_limit);
}

static void
bind_minutes (ForgePreferencesWindow *self,
              const char             *key,
              GtkSpinButton          *spin)
{
  g_settings_bind_with_mapping (self->settings, key,
                                gtk_spin_button_get_adjustment (spin), "value",
                                G_SETTINGS_BIND_DEFAULT,
                                seconds_to_minutes, minutes_to_seconds, NULL, NULL);
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
show_token_problem (ForgePreferencesWindow *self,
                    const char             *message)
{
  adw_action_row_set_subtitle (self->token_status_row, message ? message : "");
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->token_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->token_row), "error");
}

static void
token_changed_cb (ForgePreferencesWindow *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (self->token_row)) != '\0')
    show_token_problem (self, NULL);
}

static void
token_apply_cb (ForgePreferencesWindow *self)
{
  g_autofree char *token = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));

  /* An empty token would read as "saved" while nothing is: say so, and
   * keep what the keyring has. Forget is how a token goes. */
  if (*token == '\0')
    {
      show_token_problem (self, _("Enter a token to save it. To remove the saved one, use Forget."));
      return;
    }

  show_token_problem (self, NULL);
  run_token_request (self, TOKEN_STORE, token);
  /* The entry must not keep the secret once it is on its way to the
   * keyring; cleared without the apply button coming back for it. */
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->token_row), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->token_row), TRUE);
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

  if (self->providers == NULL)
    self->providers = forge_sandbox_providers_new ();
  fill_backends (self);
  g_settings_bind_with_mapping (self->settings, "default-backend",
                                self->backend_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                backend_to_row, row_to_backend, self, NULL);

  bind_minutes (self, "keepalive-interval", self->keepalive_spin);
  bind_minutes (self, "sandbox-timeout", self->timeout_spin);
  bind_minutes (self, "server-start-timeout", self->start_limit_spin);
  update_time_subtitles (self);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (update_time_subtitles),
                           self, G_CONNECT_SWAPPED);

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

    case PROP_PROVIDERS:
      self->providers = g_value_dup_object (value);
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
  g_clear_object (&self->providers);
  g_clear_pointer (&self->backend_names, g_ptr_array_unref);
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
  /* Where the backends offered come from; the process's usual ones when
   * unset. */
  properties[PROP_PROVIDERS] =
    g_param_spec_object ("providers", NULL, NULL,
                         FORGE_TYPE_SANDBOX_PROVIDERS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, keepalive_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, timeout_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, start_limit_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, start_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, token_status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgePreferencesWindow, forget_button);
  gtk_widget_class_bind_template_callback (widget_class, host_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, token_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, token_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, forget_clicked_cb);
}

static void
forge_preferences_window_init (ForgePreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->backend_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  forge_accessible_fix_mnemonic_names (GTK_WIDGET (self));
}

GtkWindow *
forge_preferences_window_new (GSettings             *settings,
                              ForgeSandboxProviders *providers)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (providers == NULL || FORGE_IS_SANDBOX_PROVIDERS (providers), NULL);

  return g_object_new (FORGE_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       "providers", providers,
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
forge_preferences_window_get_forget_button (ForgePreferencesWindow *self)
{
  return GTK_BUTTON (self->forget_button);
}

const char *
forge_preferences_window_get_token_status (ForgePreferencesWindow *self)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->token_status_row));
}

const char *
forge_preferences_window_get_token_problem (ForgePreferencesWindow *self)
{
  const char *subtitle = adw_action_row_get_subtitle (self->token_status_row);

  return subtitle != NULL && *subtitle != '\0' ? subtitle : NULL;
}

AdwComboRow *
forge_preferences_window_get_backend_row (ForgePreferencesWindow *self)
{
  return self->backend_row;
}

GtkSpinButton *
forge_preferences_window_get_keepalive_spin (ForgePreferencesWindow *self)
{
  return self->keepalive_spin;
}

GtkSpinButton *
forge_preferences_window_get_timeout_spin (ForgePreferencesWindow *self)
{
  return self->timeout_spin;
}

GtkSpinButton *
forge_preferences_window_get_start_limit_spin (ForgePreferencesWindow *self)
{
  return self->start_limit_spin;
}

const char *
forge_preferences_window_get_keepalive_subtitle (ForgePreferencesWindow *self)
{
  return adw_action_row_get_subtitle (self->keepalive_row);
}
