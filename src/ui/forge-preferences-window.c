/* forge-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "forge-preferences-window.h"

struct _ForgePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  GtkSpinButton        *keepalive_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *start_limit_spin;
  AdwComboRow          *backend_row;
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

  G_OBJECT_CLASS (forge_preferences_window_parent_class)->finalize (object);
}

static void
forge_preferences_window_class_init (ForgePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_preferences_window_constructed;
  object_class->set_property = forge_preferences_window_set_property;
  object_class->finalize = forge_preferences_window_finalize;

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
}

static void
forge_preferences_window_init (ForgePreferencesWindow *self)
{
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
