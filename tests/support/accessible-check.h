/* accessible-check.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Walks the visible widgets under root and fails the test, naming each
 * one, when a control (button, entry, spin button, switch, check button,
 * drop-down, activatable row) has no accessible name (neither a label
 * property nor a labelled-by relation), or when a button's name keeps the
 * underscore of its mnemonic. Returns how many controls it checked. */
guint forge_test_assert_controls_named (GtkWidget *root);

G_END_DECLS
