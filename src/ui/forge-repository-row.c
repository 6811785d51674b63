/* forge-repository-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-repository-row.h"

struct _ForgeRepositoryRow
{
  AdwActionRow           parent_instance;

  ForgeGithubRepository *repository;
  GtkWidget             *private_box;
};

G_DEFINE_FINAL_TYPE (ForgeRepositoryRow, forge_repository_row, ADW_TYPE_ACTION_ROW)

char *
forge_format_pushed_ago (GDateTime *pushed_at,
                         GDateTime *now)
{
  GTimeSpan ago;
  guint n;

  if (pushed_at == NULL)
    return g_strdup (_("never pushed"));

  /* A clock a little ahead of GitHub's is not a push in the future. */
  ago = MAX (0, g_date_time_difference (now, pushed_at));

  if (ago < G_TIME_SPAN_MINUTE)
    return g_strdup (_("pushed just now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      n = (guint) (ago / G_TIME_SPAN_MINUTE);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "pushed %u minute ago", "pushed %u minutes ago", n), n);
    }
  if (ago < G_TIME_SPAN_DAY)
    {
      n = (guint) (ago / G_TIME_SPAN_HOUR);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "pushed %u hour ago", "pushed %u hours ago", n), n);
    }
  /* Rough on purpose: which repository is fresh, not the exact day, is
   * what a list of many tells. */
  if (ago < 30 * G_TIME_SPAN_DAY)
    {
      n = (guint) (ago / G_TIME_SPAN_DAY);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "pushed %u day ago", "pushed %u days ago", n), n);
    }
  if (ago < 365 * G_TIME_SPAN_DAY)
    {
      n = (guint) (ago / (30 * G_TIME_SPAN_DAY));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "pushed %u month ago", "pushed %u months ago", n), n);
    }

  n = (guint) (ago / (365 * G_TIME_SPAN_DAY));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "pushed %u year ago", "pushed %u years ago", n), n);
}

static void
forge_repository_row_dispose (GObject *object)
{
  ForgeRepositoryRow *self = FORGE_REPOSITORY_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_REPOSITORY_ROW);
  g_clear_object (&self->repository);

  G_OBJECT_CLASS (forge_repository_row_parent_class)->dispose (object);
}

static void
forge_repository_row_class_init (ForgeRepositoryRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_repository_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-repository-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeRepositoryRow, private_box);
}

static void
forge_repository_row_init (ForgeRepositoryRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
forge_repository_row_new (ForgeGithubRepository *repository,
                          GDateTime             *now)
{
  ForgeRepositoryRow *self;
  g_autoptr(GDateTime) current = NULL;
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) spoken = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  g_autofree char *description = NULL;
  const char *full_name;
  const char *branch;
  gboolean is_private;

  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (repository), NULL);

  if (now == NULL)
    now = current = g_date_time_new_now_utc ();

  self = g_object_new (FORGE_TYPE_REPOSITORY_ROW, NULL);
  self->repository = g_object_ref (repository);
  full_name = forge_github_repository_get_full_name (repository);
  branch = forge_github_repository_get_default_branch (repository);
  is_private = forge_github_repository_get_private (repository);

  if (is_private)
    g_ptr_array_add (spoken, g_strdup (_("Private")));
  if (branch != NULL)
    {
      g_ptr_array_add (shown, g_strdup (branch));
      /* Translators: read by screen readers; %s is a branch name. */
      g_ptr_array_add (spoken, g_strdup_printf (_("default branch %s"), branch));
    }
  else
    {
      g_ptr_array_add (shown, g_strdup (_("empty")));
      g_ptr_array_add (spoken, g_strdup (_("empty")));
    }
  g_ptr_array_add (shown, forge_format_pushed_ago (forge_github_repository_get_pushed_at (repository), now));
  g_ptr_array_add (spoken, forge_format_pushed_ago (forge_github_repository_get_pushed_at (repository), now));
  g_ptr_array_add (shown, NULL);
  g_ptr_array_add (spoken, NULL);

  /* Translators: between a branch and "pushed 3 days ago". */
  subtitle = g_strjoinv (_(" · "), (char **) shown->pdata);
  /* Translators: between the parts a screen reader says of a row. */
  description = g_strjoinv (_(", "), (char **) spoken->pdata);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), full_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               forge_github_repository_get_description (repository));
  gtk_widget_set_visible (self->private_box, is_private);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, full_name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  return GTK_WIDGET (self);
}

ForgeGithubRepository *
forge_repository_row_get_repository (ForgeRepositoryRow *self)
{
  g_return_val_if_fail (FORGE_IS_REPOSITORY_ROW (self), NULL);
  return self->repository;
}

gboolean
forge_repository_row_shows_private (ForgeRepositoryRow *self)
{
  g_return_val_if_fail (FORGE_IS_REPOSITORY_ROW (self), FALSE);
  return gtk_widget_get_visible (self->private_box);
}
