/* forge-device-frame.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include "forge-device-frame.h"

struct _ForgeDeviceFrame
{
  GtkWidget  parent_instance;

  GtkWidget *child;
  int        device_width;    /* 0: fill */
  int        device_height;
  double     scale;
  gboolean   fit;
  int        child_width;     /* as last allocated */
  int        child_height;
};

enum {
  CHILD_RESIZED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_FIT,
  PROP_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeDeviceFrame, forge_device_frame, GTK_TYPE_WIDGET)

static void
forge_device_frame_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  ForgeDeviceFrame *self = FORGE_DEVICE_FRAME (widget);

  *minimum = *natural = 0;
  *minimum_baseline = *natural_baseline = -1;

  if (self->child == NULL)
    return;

  /* A device never makes the window grow: it is scaled or clipped. */
  if (self->device_width > 0)
    *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? self->device_width : self->device_height;
  else
    gtk_widget_measure (self->child, orientation, for_size, minimum, natural, NULL, NULL);
  *minimum = 0;
}

static void
set_scale (ForgeDeviceFrame *self,
           double            scale)
{
  if (G_APPROX_VALUE (self->scale, scale, 1e-6))
    return;

  self->scale = scale;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

static void
allocate_child (ForgeDeviceFrame *self,
                int               width,
                int               height,
                int               baseline,
                GskTransform     *transform)
{
  gboolean resized = width != self->child_width || height != self->child_height;

  gtk_widget_allocate (self->child, width, height, baseline, transform);
  self->child_width = width;
  self->child_height = height;
  if (resized)
    g_signal_emit (self, signals[CHILD_RESIZED], 0);
}

static void
forge_device_frame_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  ForgeDeviceFrame *self = FORGE_DEVICE_FRAME (widget);
  GskTransform *transform;
  double scale = 1.0;
  int child_width;
  int child_height;

  if (self->child == NULL)
    return;

  if (self->device_width <= 0)
    {
      set_scale (self, 1.0);
      allocate_child (self, width, height, baseline, NULL);
      return;
    }

  if (self->fit)
    scale = MIN (1.0, MIN ((double) width / self->device_width, (double) height / self->device_height));
  scale = MAX (scale, 0.05);

  /* The page's width is the one media queries ask about: it comes out
   * exact, the height within a pixel. */
  child_width = MAX (1, (int) (self->device_width * scale + 0.5));
  scale = (double) child_width / self->device_width;
  child_height = MAX (1, (int) (self->device_height * scale + 0.5));

  /* Centred where there is room; from the top left where it is cut. */
  transform = gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (MAX (0, (width - child_width) / 2),
                                                                    MAX (0, (height - child_height) / 2)));
  set_scale (self, scale);
  allocate_child (self, child_width, child_height, -1, transform);
}

static void
forge_device_frame_dispose (GObject *object)
{
  ForgeDeviceFrame *self = FORGE_DEVICE_FRAME (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);

  G_OBJECT_CLASS (forge_device_frame_parent_class)->dispose (object);
}

static void
forge_device_frame_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ForgeDeviceFrame *self = FORGE_DEVICE_FRAME (object);

  switch (prop_id)
    {
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;

    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_device_frame_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ForgeDeviceFrame *self = FORGE_DEVICE_FRAME (object);

  switch (prop_id)
    {
    case PROP_FIT:
      forge_device_frame_set_fit (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_device_frame_class_init (ForgeDeviceFrameClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_device_frame_dispose;
  object_class->get_property = forge_device_frame_get_property;
  object_class->set_property = forge_device_frame_set_property;

  widget_class->measure = forge_device_frame_measure;
  widget_class->size_allocate = forge_device_frame_size_allocate;

  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0.0, 1.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The child got another size: emitted during the allocation, so a
   * handler that changes widgets defers it. */
  signals[CHILD_RESIZED] =
    g_signal_new ("child-resized", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "forgedeviceframe");
}

static void
forge_device_frame_init (ForgeDeviceFrame *self)
{
  self->scale = 1.0;
  self->fit = TRUE;
  /* A device bigger than the room is cut at the frame's edge. */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
forge_device_frame_new (void)
{
  return g_object_new (FORGE_TYPE_DEVICE_FRAME, NULL);
}

void
forge_device_frame_set_child (ForgeDeviceFrame *self,
                              GtkWidget        *child)
{
  g_return_if_fail (FORGE_IS_DEVICE_FRAME (self));

  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }
}

void
forge_device_frame_set_device_size (ForgeDeviceFrame *self,
                                    int               width,
                                    int               height)
{
  g_return_if_fail (FORGE_IS_DEVICE_FRAME (self));

  if (width <= 0 || height <= 0)
    width = height = 0;
  if (self->device_width == width && self->device_height == height)
    return;

  self->device_width = width;
  self->device_height = height;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
forge_device_frame_get_device_width (ForgeDeviceFrame *self)
{
  g_return_val_if_fail (FORGE_IS_DEVICE_FRAME (self), 0);
  return self->device_width;
}

int
forge_device_frame_get_device_height (ForgeDeviceFrame *self)
{
  g_return_val_if_fail (FORGE_IS_DEVICE_FRAME (self), 0);
  return self->device_height;
}

void
forge_device_frame_set_fit (ForgeDeviceFrame *self,
                            gboolean          fit)
{
  g_return_if_fail (FORGE_IS_DEVICE_FRAME (self));

  fit = !!fit;
  if (self->fit == fit)
    return;

  self->fit = fit;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
}

gboolean
forge_device_frame_get_fit (ForgeDeviceFrame *self)
{
  g_return_val_if_fail (FORGE_IS_DEVICE_FRAME (self), FALSE);
  return self->fit;
}

double
forge_device_frame_get_scale (ForgeDeviceFrame *self)
{
  g_return_val_if_fail (FORGE_IS_DEVICE_FRAME (self), 1.0);
  return self->scale;
}
