/* forge-open-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-accessible.h"
#include "forge-backend-choices.h"
#include "forge-git.h"
#include "forge-open-dialog-private.h"
#include "forge-project.h"
#include "forge-util.h"

#define MAX_RECENT 8
/* How long typing must pause before what was typed is checked: an error
 * under a half-typed address only gets in the way. */
#define VALIDATE_DELAY_MS 500

struct _ForgeOpenDialog
{
  AdwMessageDialog  parent_instance;

  GSettings        *settings;
  char             *error_message;   /* the error shown, or NULL */
  guint             validate_id;
  GObject          *folder_chooser;  /* while it is open */

  GtkEntry         *url_entry;
  GtkLabel         *error_label;
  GtkWidget        *recent_group;
  GtkListBox       *recent_list;
  GtkWidget        *backend_group;
  GtkListBox       *backend_list;
  /* The backend chosen (a ForgeSandboxProviders name), or NULL. */
  char             *backend;
};

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeOpenDialog, forge_open_dialog, ADW_TYPE_MESSAGE_DIALOG)

static char *
dup_text (ForgeOpenDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
}

/* Whether @text is a repository address; the reason when it is not.
 * What the project opens is read by forge_git_parse_repo_spec(), so the
 * entry takes what it takes: a /tree/BRANCH[/SUBDIR], /pull/N or
 * /releases/tag/TAG address and OWNER/REPO#BRANCH as well as plain ones,
 * and refuses the same (credentials, a bad branch name). */
static gboolean
check_text (const char  *text,
            char       **message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeRepoSpec) spec = forge_git_parse_repo_spec (text, &error);

  if (spec == NULL && message != NULL)
    *message = g_strdup (error->message);

  return spec != NULL;
}

static void
show_error (ForgeOpenDialog *self,
            const char      *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");

  /* A screen reader hears why the address is refused with the entry. */
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->url_entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->url_entry),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* Checks what is typed now and says what is wrong with it. */
static gboolean
validate_now (ForgeOpenDialog *self)
{
  g_autofree char *text = dup_text (self);
  g_autofree char *message = NULL;
  gboolean valid;

  g_clear_handle_id (&self->validate_id, g_source_remove);

  /* Say nothing while the field is empty: that is not a mistake yet. */
  if (*text == '\0')
    {
      show_error (self, NULL);
      adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", FALSE);
      return FALSE;
    }

  valid = check_text (text, &message);
  show_error (self, message);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", valid);

  return valid;
}

static gboolean
validate_timeout_cb (gpointer user_data)
{
  ForgeOpenDialog *self = user_data;

  self->validate_id = 0;
  validate_now (self);

  return G_SOURCE_REMOVE;
}

static void
entry_changed_cb (ForgeOpenDialog *self)
{
  g_autofree char *text = dup_text (self);

  /* While typing, Open follows what is typed, but an error waits for a
   * pause: the one shown may no longer be true, so it goes. */
  show_error (self, NULL);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open",
                                           *text != '\0' && check_text (text, NULL));

  g_clear_handle_id (&self->validate_id, g_source_remove);
  if (*text != '\0')
    {
      self->validate_id = g_timeout_add (VALIDATE_DELAY_MS, validate_timeout_cb, self);
      g_source_set_name_by_id (self->validate_id, "[forge] validate repository address");
    }
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

  if (!validate_now (self))
    return;

  url = dup_text (self);
  remember (self, url);
  g_signal_emit (self, signals[OPEN], 0, url);
}

static void
entry_activate_cb (ForgeOpenDialog *self)
{
  /* Enter checks at once, and opens only what passes. */
  if (!validate_now (self))
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

static GtkWidget *
recent_row (const char *url)
{
  GtkWidget *row = adw_action_row_new ();
  /* Named by the repository, whichever branch or pull request the
   * address named. */
  g_autoptr(ForgeRepoSpec) spec = forge_git_parse_repo_spec (url, NULL);
  const char *address = spec != NULL ? forge_repo_spec_get_url (spec) : url;
  g_autofree char *name = forge_project_name_for_url (address);
  g_autofree char *shown = forge_display_url (address);

  /* Named as its project will be, with where it comes from beneath. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_set_tooltip_text (row, shown);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "url", g_strdup (url), g_free);

  return row;
}

static void
fill_recent (ForgeOpenDialog *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-urls");

  for (guint i = 0; recent[i] != NULL; i++)
    gtk_list_box_append (self->recent_list, recent_row (recent[i]));

  gtk_widget_set_visible (self->recent_group, recent[0] != NULL);
}

static void
backend_toggled_cb (GtkCheckButton  *check,
                    ForgeOpenDialog *self)
{
  if (!gtk_check_button_get_active (check))
    return;

  g_free (self->backend);
  self->backend = g_strdup (g_object_get_data (G_OBJECT (check), "backend"));
}

static GtkWidget *
backend_row (ForgeOpenDialog          *self,
             const ForgeBackendChoice *choice,
             GtkCheckButton           *group)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), choice->title);
  gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data_full (G_OBJECT (check), "backend", g_strdup (choice->name), g_free);
  g_object_set_data_full (G_OBJECT (row), "backend", g_strdup (choice->name), g_free);
  g_signal_connect_object (check, "toggled", G_CALLBACK (backend_toggled_cb), self, 0);

  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, choice->title,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, choice->title,
                                  -1);

  /* A backend that cannot run here stays in the list, greyed, saying why
   * and what to do about it: a missing choice explains nothing. */
  if (choice->reason != NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), choice->reason);
      gtk_widget_set_sensitive (row, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, choice->reason,
                                      -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, choice->reason,
                                      -1);
    }

  return row;
}

static void
fill_backends (ForgeOpenDialog       *self,
               ForgeSandboxProviders *providers)
{
  g_autoptr(GPtrArray) choices = forge_backend_choices_new (providers);
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-backend");
  GtkCheckButton *group = NULL;
  GtkCheckButton *chosen = NULL;
  GtkCheckButton *first_available = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->backend_list))) != NULL)
    gtk_list_box_remove (self->backend_list, child);
  g_clear_pointer (&self->backend, g_free);

  for (guint i = 0; i < choices->len; i++)
    {
      const ForgeBackendChoice *choice = g_ptr_array_index (choices, i);
      GtkWidget *row = backend_row (self, choice, group);
      GtkCheckButton *check = GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));

      if (group == NULL)
        group = check;
      gtk_list_box_append (self->backend_list, row);

      if (choice->reason != NULL)
        continue;
      if (first_available == NULL)
        first_available = check;
      if (g_strcmp0 (choice->name, preferred) == 0)
        chosen = check;
    }

  /* The default backend, unless it cannot run here: then the first that
   * can. With none, nothing is chosen and the run says why it fails. */
  if (chosen == NULL)
    chosen = first_available;
  if (chosen != NULL)
    gtk_check_button_set_active (chosen, TRUE);

  gtk_widget_set_visible (self->backend_group, choices->len > 0);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
folder_selected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ForgeOpenDialog) self = user_data;
  g_autoptr(GFile) folder = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (object), result, NULL);

  if (self->folder_chooser == object)
    g_clear_object (&self->folder_chooser);
  if (folder != NULL)
    forge_open_dialog_folder_chosen (self, folder);
}
#else
static void
folder_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    ForgeOpenDialog *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->folder_chooser);

  if (folder != NULL)
    forge_open_dialog_folder_chosen (self, folder);
}
#endif

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (widget);

  if (self->folder_chooser != NULL)
    return;

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    GtkFileDialog *dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, _("Choose a Repository Folder"));
    gtk_file_dialog_set_modal (dialog, TRUE);
    self->folder_chooser = G_OBJECT (dialog);
    gtk_file_dialog_select_folder (dialog, GTK_WINDOW (self), NULL,
                                   folder_selected_cb, g_object_ref (self));
  }
#else
  {
    GtkFileChooserNative *chooser;

    chooser = gtk_file_chooser_native_new (_("Choose a Repository Folder"),
                                           GTK_WINDOW (self),
                                           GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                           _("_Select"),
                                           _("_Cancel"));
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
    self->folder_chooser = G_OBJECT (chooser);
    g_signal_connect_object (chooser, "response", G_CALLBACK (folder_response_cb), self, 0);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  }
#endif
}

static void
forge_open_dialog_dispose (GObject *object)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (object);

  g_clear_handle_id (&self->validate_id, g_source_remove);
#if !GTK_CHECK_VERSION (4, 10, 0)
  if (self->folder_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
#endif
  g_clear_object (&self->folder_chooser);
  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_OPEN_DIALOG);

  G_OBJECT_CLASS (forge_open_dialog_parent_class)->dispose (object);
}

static void
forge_open_dialog_finalize (GObject *object)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->backend, g_free);

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

  gtk_widget_class_install_action (widget_class, "open-dialog.choose-folder", NULL, choose_folder_action);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-open-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, backend_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, backend_list);
  gtk_widget_class_bind_template_callback (widget_class, response_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, recent_activated_cb);
}

static void
forge_open_dialog_init (ForgeOpenDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  forge_accessible_fix_mnemonic_names (GTK_WIDGET (self));
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
  validate_now (self);
}

void
forge_open_dialog_set_providers (ForgeOpenDialog       *self,
                                 ForgeSandboxProviders *providers)
{
  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));
  g_return_if_fail (FORGE_IS_SANDBOX_PROVIDERS (providers));

  fill_backends (self, providers);
}

const char *
forge_open_dialog_get_backend (ForgeOpenDialog *self)
{
  g_return_val_if_fail (FORGE_IS_OPEN_DIALOG (self), NULL);
  return self->backend;
}

const char *
forge_open_dialog_get_error (ForgeOpenDialog *self)
{
  g_return_val_if_fail (FORGE_IS_OPEN_DIALOG (self), NULL);
  return self->error_message;
}

void
forge_open_dialog_folder_chosen (ForgeOpenDialog *self,
                                 GFile           *folder)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));
  g_return_if_fail (G_IS_FILE (folder));

  /* A file:// URL names the folder exactly (a path with spaces or "~"
   * in it stays what it is), and the project remembers it as one. */
  uri = g_file_get_uri (folder);
  forge_open_dialog_set_url (self, uri);
  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

GtkEditable *
forge_open_dialog_get_url_editable (ForgeOpenDialog *self)
{
  return GTK_EDITABLE (self->url_entry);
}

GtkLabel *
forge_open_dialog_get_error_label (ForgeOpenDialog *self)
{
  return self->error_label;
}

GtkListBox *
forge_open_dialog_get_recent_list (ForgeOpenDialog *self)
{
  return self->recent_list;
}

GtkWidget *
forge_open_dialog_get_backend_row (ForgeOpenDialog *self,
                                   const char      *backend)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->backend_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "backend"), backend) == 0)
        return row;
    }

  return NULL;
}
