/* forge-preview.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  FORGE_PREVIEW_STATE_EMPTY,
  FORGE_PREVIEW_STATE_LOADING,
  FORGE_PREVIEW_STATE_LOADED,
  FORGE_PREVIEW_STATE_LOAD_FAILED,
  FORGE_PREVIEW_STATE_CRASHED,
  FORGE_PREVIEW_STATE_RESTORING,
} ForgePreviewState;

#define FORGE_TYPE_PREVIEW (forge_preview_get_type ())

G_DECLARE_FINAL_TYPE (ForgePreview, forge_preview, FORGE, PREVIEW, GtkWidget)

GtkWidget         *forge_preview_new            (void);
const char        *forge_preview_get_base_uri   (ForgePreview *self);
void               forge_preview_set_base_uri   (ForgePreview *self,
                                                 const char   *base_uri,
                                                 gboolean      keep_path);
const char        *forge_preview_get_path       (ForgePreview *self);
void               forge_preview_navigate       (ForgePreview *self,
                                                 const char   *path);
void               forge_preview_reload         (ForgePreview *self);
ForgePreviewState  forge_preview_get_state      (ForgePreview *self);
void               forge_preview_set_restoring  (ForgePreview *self,
                                                 gboolean      restoring);
gboolean           forge_preview_get_restoring  (ForgePreview *self);

/* A device the page can be shown at: its size in CSS pixels, portrait. */
typedef struct
{
  const char *id;
  const char *title;   /* untranslated */
  int         width;
  int         height;
} ForgePreviewDevice;

/* Ends with an entry whose id is NULL. */
const ForgePreviewDevice *forge_preview_get_devices          (void);
const char               *forge_preview_get_device           (ForgePreview *self);
void                      forge_preview_set_device           (ForgePreview *self,
                                                              const char   *device);
gboolean                  forge_preview_get_device_landscape (ForgePreview *self);
void                      forge_preview_set_device_landscape (ForgePreview *self,
                                                              gboolean      landscape);
/* A menu at the end of the toolbar, for what the owner offers (the
 * sandbox's actions); NULL hides it. */
void               forge_preview_set_menu_model (ForgePreview *self,
                                                 GMenuModel   *menu_model);

G_END_DECLS
