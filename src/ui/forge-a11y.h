/* forge-a11y.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib/gi18n.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A GtkMenuButton of GTK 4.8 takes the focus with a toggle button inside
 * it, which screen readers name by its type ("GtkMenuButton"): the label
 * goes on both. */
static inline void
_forge_menu_button_set_label (GtkMenuButton *button,
                              const char    *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (button));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BUTTON (child))
      gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* The first button under @root, not looking inside @skip. */
static inline GtkWidget *
_forge_find_button (GtkWidget *root,
                    GtkWidget *skip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (child == skip || GTK_IS_EDITABLE (child))
        continue;
      if (GTK_IS_BUTTON (child))
        return child;
      if ((found = _forge_find_button (child, skip)) != NULL)
        return found;
    }
  return NULL;
}

/* GTK 4.8's search bar has a close button with no name at all. */
static inline void
_forge_search_bar_label_close_button (GtkSearchBar *search_bar)
{
  /* Its own, not one of the buttons in what it holds. */
  GtkWidget *close = _forge_find_button (GTK_WIDGET (search_bar), gtk_search_bar_get_child (search_bar));

  if (close != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (close), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Close Search"), -1);
}

G_END_DECLS
