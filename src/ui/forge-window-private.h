/* forge-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-a11y.h"
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
  /* The visible project's: its address, branch and commit under the
   * title. */
  GSignalGroup         *project_signals;
  ForgePreviewSession  *visible_session;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_pane;
  GtkWidget            *content_pane;
  GtkMenuButton        *primary_menu_button;
  AdwWindowTitle       *window_title;
  GtkMenuButton        *project_menu_button;
  GtkToggleButton      *log_button;
  GtkToggleButton      *runs_button;
  GtkWidget            *sidebar;
  GtkListBox           *projects_list;
  GtkStack             *main_stack;
  ForgePreview         *uri_preview;
};

void                 _forge_window_class_actions_init (ForgeWindowClass *klass);
void                 _forge_window_toast              (ForgeWindow      *self,
                                                       const char       *message);
/* The project an action's parameter names: its id, or "" for the
 * visible one. NULL when there is none. */
ForgePreviewSession *_forge_window_lookup_session     (ForgeWindow      *self,
                                                       const char       *project_id);
/* The preview on screen (a project's or the bare URI's), or NULL. */
ForgePreview        *_forge_window_get_visible_preview (ForgeWindow     *self);
/* What row activation and the Start buttons do: show the project and
 * start it, unless it is running or starting already. */
void                 _forge_window_start_project      (ForgeWindow         *self,
                                                       ForgePreviewSession *session);
void                 _forge_window_show_sidebar       (ForgeWindow      *self);
/* Enables the shortcuts' actions for what is on screen. */
void                 _forge_window_update_actions     (ForgeWindow      *self);

G_END_DECLS
