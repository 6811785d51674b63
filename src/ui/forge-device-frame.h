/* forge-device-frame.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FORGE_TYPE_DEVICE_FRAME (forge_device_frame_get_type ())

G_DECLARE_FINAL_TYPE (ForgeDeviceFrame, forge_device_frame, FORGE, DEVICE_FRAME, GtkWidget)

/* Holds one child at a device's size: given a width and a height (in CSS
 * pixels), the child gets exactly that much, centred, scaled down by
 * "scale" when "fit" is set and the room is smaller (the owner zooms the
 * page by the same factor, so that the page still sees the device's
 * size); with none, the child fills the frame. */
GtkWidget  *forge_device_frame_new             (void);
void        forge_device_frame_set_child       (ForgeDeviceFrame *self,
                                                GtkWidget        *child);
void        forge_device_frame_set_device_size (ForgeDeviceFrame *self,
                                                int               width,
                                                int               height);
int         forge_device_frame_get_device_width  (ForgeDeviceFrame *self);
int         forge_device_frame_get_device_height (ForgeDeviceFrame *self);
void        forge_device_frame_set_fit         (ForgeDeviceFrame *self,
                                                gboolean          fit);
gboolean    forge_device_frame_get_fit         (ForgeDeviceFrame *self);
/* The child's size over the device's; 1 when it fills the frame. */
double      forge_device_frame_get_scale       (ForgeDeviceFrame *self);

G_END_DECLS
