/* forge-accessible.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8 names a button with a mnemonic by its label property, which
 * keeps the underscore, followed by its label child: a screen reader says
 * "_Open Open". This drops the label property of such buttons under
 * @root (their label child names them alone). Call again after changing
 * a label. */
void forge_accessible_fix_mnemonic_names (GtkWidget *root);

G_END_DECLS
