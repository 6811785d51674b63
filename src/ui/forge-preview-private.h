/* forge-preview-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <webkit/webkit.h>

#include "forge-device-frame.h"
#include "forge-preview.h"

G_BEGIN_DECLS

#define FORGE_TYPE_PREVIEW_STATE (forge_preview_state_get_type ())

GType forge_preview_state_get_type (void);

/* Called instead of launching the default browser; lets tests see which
 * address would have left the preview. */
typedef void (*ForgePreviewExternalOpener) (ForgePreview *preview,
                                            const char   *uri,
                                            gpointer      user_data);

void           forge_preview_set_external_opener (ForgePreview               *self,
                                                  ForgePreviewExternalOpener  opener,
                                                  gpointer                    user_data);
/* What becomes of a navigation or new window that the page asks for. */
typedef enum {
  FORGE_PREVIEW_POLICY_LOAD,           /* goes ahead in the preview */
  FORGE_PREVIEW_POLICY_OPEN_EXTERNAL,  /* refused here, handed to the browser */
  FORGE_PREVIEW_POLICY_IGNORE,         /* refused, and nothing opens */
} ForgePreviewPolicy;

/* Cancels every download @session starts: a page (hostile, as anything a
 * sandbox serves) could otherwise have WebKit save files in the Downloads
 * folder without the user. */
void               forge_preview_refuse_downloads  (WebKitNetworkSession *session);
/* "http://host:port" of an http(s) @uri, as the policy compares them;
 * NULL for anything else. */
char              *forge_preview_dup_origin        (const char           *uri);
ForgePreviewPolicy forge_preview_navigation_policy (const char           *origin,
                                                    const char           *uri,
                                                    WebKitNavigationType  type,
                                                    gboolean              is_user_gesture);

WebKitWebView *forge_preview_get_web_view        (ForgePreview               *self);
GtkEditable   *forge_preview_get_path_entry      (ForgePreview               *self);
GtkWidget     *forge_preview_get_restoring_overlay (ForgePreview             *self);
/* The picture of the page shown while restoring, until the restored page painted. */
GtkWidget     *forge_preview_get_restoring_snapshot (ForgePreview            *self);
ForgeDeviceFrame *forge_preview_get_device_frame  (ForgePreview             *self);
GtkLabel      *forge_preview_get_size_label       (ForgePreview             *self);
/* What the page said (ForgeConsoleEntry), and the toolbar button that
 * counts it. */
GListModel    *forge_preview_get_console          (ForgePreview             *self);
GtkMenuButton *forge_preview_get_console_button   (ForgePreview             *self);
void           forge_preview_set_keep_console     (ForgePreview             *self,
                                                   gboolean                  keep);
/* Whether Copy and Open in Browser went into the menu for want of room. */
gboolean       forge_preview_get_narrow          (ForgePreview               *self);
/* The toolbar's overflow menu. */
GMenuModel    *forge_preview_get_menu            (ForgePreview               *self);

G_END_DECLS
