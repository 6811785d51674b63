/* forge-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-window.h"

G_BEGIN_DECLS

struct _ForgeWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;
  ForgeContext         *context;
  ForgeProjectStore    *store;
  GHashTable           *project_views;  /* project id → ForgeProjectView (owned by the stack) */
  /* The visible project: its view's toggles, its project's title, its
   * session's visibility. */
  GBindingGroup        *view_bindings;
  GBindingGroup        *project_bindings;
  GSignalGroup         *session_signals;
  ForgePreviewSession  *visible_session;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *log_button;
  GtkToggleButton      *runs_button;
  GtkWidget            *sidebar;
  GtkListBox           *projects_list;
  GtkStack             *main_stack;
  ForgePreview         *uri_preview;
};

void _forge_window_class_actions_init (ForgeWindowClass *klass);
void _forge_window_toast              (ForgeWindow      *self,
                                       const char       *message);

G_END_DECLS
