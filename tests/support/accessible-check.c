/* accessible-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "accessible-check.h"

static gboolean
is_control (GtkWidget *widget)
{
  if (GTK_IS_LIST_BOX_ROW (widget))
    return gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)) &&
           gtk_widget_get_focusable (widget);

  return GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) ||
         GTK_IS_ENTRY (widget) || GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_SWITCH (widget) || GTK_IS_CHECK_BUTTON (widget) ||
         GTK_IS_DROP_DOWN (widget);
}

static void
check (GtkWidget *widget,
       GString   *problems,
       guint     *n_checked)
{
  if (!gtk_widget_get_visible (widget))
    return;

  if (is_control (widget))
    {
      GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
      gboolean has_label = gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL);
      gboolean labelled_by = gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY);

      (*n_checked)++;
      if (!has_label && !labelled_by)
        g_string_append_printf (problems, "%s (tooltip “%s”) has no accessible name\n",
                                G_OBJECT_TYPE_NAME (widget),
                                gtk_widget_get_tooltip_text (widget) ? gtk_widget_get_tooltip_text (widget) : "");

      if (GTK_IS_BUTTON (widget) && has_label && gtk_button_get_use_underline (GTK_BUTTON (widget)))
        {
          const char *label = gtk_button_get_label (GTK_BUTTON (widget));
          g_autofree char *mismatch = NULL;

          /* The check passes (NULL) when the name is the raw label. */
          if (label != NULL && strchr (label, '_') != NULL &&
              (mismatch = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, label)) == NULL)
            g_string_append_printf (problems, "%s is named “%s”, underscore and all\n",
                                    G_OBJECT_TYPE_NAME (widget), label);
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    check (child, problems, n_checked);
}

guint
forge_test_assert_controls_named (GtkWidget *root)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  guint n_checked = 0;

  check (root, problems, &n_checked);
  if (problems->len > 0)
    g_error ("Controls without a proper accessible name:\n%s", problems->str);

  return n_checked;
}
