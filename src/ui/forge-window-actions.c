/* forge-window-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-open-dialog.h"
#include "forge-window-private.h"

static void
open_dialog_open_cb (ForgeWindow *self,
                     const char  *url)
{
  forge_window_open_repository (self, url);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  GtkWidget *dialog = forge_open_dialog_new (GTK_WINDOW (self), self->settings);

  g_signal_connect_object (dialog, "open", G_CALLBACK (open_dialog_open_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ForgeWindow      *self)
{
  if (g_str_equal (response, "remove"))
    forge_window_remove_project (self, g_object_get_data (G_OBJECT (dialog), "project-id"));
}

static void
remove_project_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  const char *project_id = g_variant_get_string (parameter, NULL);
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);
  GtkWidget *dialog;

  if (project == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Project?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” will be stopped and its local copy, with its installed packages, deleted. The repository itself is not touched."),
                                  forge_project_get_name (project));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "project-id", g_strdup (project_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
toggle_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view != NULL)
    forge_project_view_set_show_log (view, !forge_project_view_get_show_log (view));
}

void
_forge_window_class_actions_init (ForgeWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.remove-project", "s", remove_project_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-log", NULL, toggle_log_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_L, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.toggle-log", NULL);
}
