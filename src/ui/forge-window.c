/* forge-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "forge-preview.h"
#include "forge-window.h"

struct _ForgeWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkStack             *main_stack;
  ForgePreview         *preview;
};

G_DEFINE_FINAL_TYPE (ForgeWindow, forge_window, ADW_TYPE_APPLICATION_WINDOW)

ForgeWindow *
forge_window_new (ForgeApplication *application)
{
  return g_object_new (FORGE_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

void
forge_window_show_uri (ForgeWindow *self,
                       const char  *uri)
{
  g_return_if_fail (FORGE_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  forge_preview_set_base_uri (self->preview, uri, FALSE);
  adw_window_title_set_subtitle (self->window_title, uri);
  gtk_stack_set_visible_child_name (self->main_stack, "preview");
}

void
forge_window_open_repository (ForgeWindow *self,
                              const char  *repository_url)
{
  g_autofree char *message = NULL;

  g_return_if_fail (FORGE_IS_WINDOW (self));

  message = g_strdup_printf (_("Opening repositories is not available yet: %s"), repository_url);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);

  forge_window_open_repository (self, "");
}

static void
forge_window_constructed (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  G_OBJECT_CLASS (forge_window_parent_class)->constructed (object);

  if (app != NULL && FORGE_IS_APPLICATION (app))
    self->settings = g_object_ref (forge_application_get_settings (FORGE_APPLICATION (app)));
  else
    self->settings = g_settings_new (APP_ID);

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
}

static gboolean
forge_window_close_request (GtkWindow *window)
{
  ForgeWindow *self = FORGE_WINDOW (window);

  /* Everything the window started (clones, installs, servers) watches this. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (forge_window_parent_class)->close_request (window);
}

static void
forge_window_dispose (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_WINDOW);

  G_OBJECT_CLASS (forge_window_parent_class)->dispose (object);
}

static void
forge_window_finalize (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (forge_window_parent_class)->finalize (object);
}

static void
forge_window_class_init (ForgeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = forge_window_constructed;
  object_class->dispose = forge_window_dispose;
  object_class->finalize = forge_window_finalize;
  window_class->close_request = forge_window_close_request;

  g_type_ensure (FORGE_TYPE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, preview);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
}

static void
forge_window_init (ForgeWindow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}
