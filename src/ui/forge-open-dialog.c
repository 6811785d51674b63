/* forge-open-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-git.h"
#include "forge-open-dialog.h"

#define MAX_RECENT 8

struct _ForgeOpenDialog
{
  AdwMessageDialog  parent_instance;

  GSettings        *settings;
  char             *error_message;

  GtkEntry         *url_entry;
  GtkLabel         *error_label;
  GtkWidget        *recent_group;
  GtkListBox       *recent_list;
};

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeOpenDialog, forge_open_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
validate (ForgeOpenDialog *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  gboolean empty = *text == '\0';

  g_clear_pointer (&self->error_message, g_free);

  if (!empty)
    {
      normalized = forge_git_normalize_url (text, &error);
      if (normalized == NULL)
        self->error_message = g_strdup (error->message);
    }

  /* Say nothing while the field is empty: that is not a mistake yet. */
  gtk_label_set_text (self->error_label, self->error_message ? self->error_message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), self->error_message != NULL);
  if (self->error_message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open",
                                           !empty && self->error_message == NULL);
}

static void
remember (ForgeOpenDialog *self,
          const char      *url)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-urls");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  g_strv_builder_add (builder, url);
  for (guint i = 0; recent[i] != NULL && n < MAX_RECENT; i++)
    {
      if (g_str_equal (recent[i], url))
        continue;
      g_strv_builder_add (builder, recent[i]);
      n++;
    }

  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-urls", (const char * const *) updated);
}

static void
response_cb (ForgeOpenDialog *self,
             const char      *response)
{
  g_autofree char *url = NULL;

  if (!g_str_equal (response, "open"))
    return;

  url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
  if (*url == '\0' || self->error_message != NULL)
    return;

  remember (self, url);
  g_signal_emit (self, signals[OPEN], 0, url);
}

static void
entry_changed_cb (ForgeOpenDialog *self)
{
  validate (self);
}

static void
entry_activate_cb (ForgeOpenDialog *self)
{
  if (!adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (self), "open"))
    return;

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "open");
  gtk_window_close (GTK_WINDOW (self));
}

static void
recent_activated_cb (ForgeOpenDialog *self,
                     GtkListBoxRow   *row)
{
  const char *url = g_object_get_data (G_OBJECT (row), "url");

  forge_open_dialog_set_url (self, url);
  entry_activate_cb (self);
}

static void
fill_recent (ForgeOpenDialog *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-urls");

  for (guint i = 0; recent[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), recent[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data_full (G_OBJECT (row), "url", g_strdup (recent[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
    }

  gtk_widget_set_visible (self->recent_group, recent[0] != NULL);
}

static void
forge_open_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_OPEN_DIALOG);

  G_OBJECT_CLASS (forge_open_dialog_parent_class)->dispose (object);
}

static void
forge_open_dialog_finalize (GObject *object)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->error_message, g_free);

  G_OBJECT_CLASS (forge_open_dialog_parent_class)->finalize (object);
}

static void
forge_open_dialog_class_init (ForgeOpenDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_open_dialog_dispose;
  object_class->finalize = forge_open_dialog_finalize;

  signals[OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-open-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_list);
  gtk_widget_class_bind_template_callback (widget_class, response_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, recent_activated_cb);
}

static void
forge_open_dialog_init (ForgeOpenDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", FALSE);
}

GtkWidget *
forge_open_dialog_new (GtkWindow *parent,
                       GSettings *settings)
{
  ForgeOpenDialog *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (FORGE_TYPE_OPEN_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->settings = g_object_ref (settings);
  fill_recent (self);

  return GTK_WIDGET (self);
}

void
forge_open_dialog_set_url (ForgeOpenDialog *self,
                           const char      *url)
{
  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url ? url : "");
  validate (self);
}

const char *
forge_open_dialog_get_error (ForgeOpenDialog *self)
{
  g_return_val_if_fail (FORGE_IS_OPEN_DIALOG (self), NULL);
  return self->error_message;
}
