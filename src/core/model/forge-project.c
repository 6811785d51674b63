/* forge-project.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-model"

#include "config.h"

#include "forge-project.h"
#include "forge-repo-spec.h"
#include "forge-util.h"

/* String properties come first so one table drives properties, JSON and
 * storage alike. */
enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_REPO_URL,
  PROP_OWNER_REPO,
  PROP_FRAMEWORK,
  PROP_PACKAGE_MANAGER,
  PROP_SANDBOX_ID,
  PROP_PREVIEW_URL,
  PROP_LAST_PATH,
  PROP_LAST_ERROR,
  PROP_BACKEND,
  PROP_PREVIEW_DEVICE,
  PROP_GIT_REF,
  PROP_SUBDIR,
  PROP_HEAD_COMMIT,
  PROP_PACKAGE_DIR,
  PROP_INSTALL_COMMAND,
  PROP_DEV_COMMAND,
  N_STRING_PROPS,
  PROP_STATUS = N_STRING_PROPS,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_DEV_PORT,
  PROP_ENV,
  N_PROPS
};

static const char *json_names[N_PROPS] = {
  [PROP_ID] = "id",
  [PROP_NAME] = "name",
  [PROP_REPO_URL] = "repo_url",
  [PROP_OWNER_REPO] = "owner_repo",
  [PROP_FRAMEWORK] = "framework",
  [PROP_PACKAGE_MANAGER] = "package_manager",
  [PROP_SANDBOX_ID] = "sandbox_id",
  [PROP_PREVIEW_URL] = "preview_url",
  [PROP_LAST_PATH] = "last_path",
  [PROP_LAST_ERROR] = "last_error",
  [PROP_BACKEND] = "backend",
  [PROP_PREVIEW_DEVICE] = "preview_device",
  [PROP_GIT_REF] = "git_ref",
  [PROP_SUBDIR] = "subdir",
  [PROP_HEAD_COMMIT] = "head_commit",
  [PROP_PACKAGE_DIR] = "package_dir",
  [PROP_INSTALL_COMMAND] = "install_command",
  [PROP_DEV_COMMAND] = "dev_command",
  [PROP_STATUS] = "status",
  [PROP_CREATED] = "created",
  [PROP_UPDATED] = "updated",
  [PROP_DEV_PORT] = "dev_port",
  [PROP_ENV] = "env",
};

typedef struct
{
  char     *name;
  char     *value;    /* NULL for a secret: its value is in the keyring */
  gboolean  secret;
} EnvVar;

struct _ForgeProject
{
  GObject             parent_instance;
  char               *strings[N_STRING_PROPS];
  ForgeProjectStatus  status;
  gint64              created;
  gint64              updated;
  guint               dev_port;
  GArray             *env;        /* EnvVar, in order */
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeProject, forge_project, G_TYPE_OBJECT)

static const GEnumValue status_values[] = {
  { FORGE_PROJECT_STATUS_GENERATING, "FORGE_PROJECT_STATUS_GENERATING", "generating" },
  { FORGE_PROJECT_STATUS_DEPLOYED, "FORGE_PROJECT_STATUS_DEPLOYED", "deployed" },
  { FORGE_PROJECT_STATUS_FAILED, "FORGE_PROJECT_STATUS_FAILED", "failed" },
  { FORGE_PROJECT_STATUS_STOPPED, "FORGE_PROJECT_STATUS_STOPPED", "stopped" },
  { 0, NULL, NULL }
};

GType
forge_project_status_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static ("ForgeProjectStatus", status_values));

  return type_id;
}

const char *
forge_project_status_to_string (ForgeProjectStatus status)
{
  for (guint i = 0; status_values[i].value_nick != NULL; i++)
    if ((ForgeProjectStatus) status_values[i].value == status)
      return status_values[i].value_nick;

  return "failed";
}

gboolean
forge_project_status_from_string (const char         *string,
                                  ForgeProjectStatus *status)
{
  for (guint i = 0; string != NULL && status_values[i].value_nick != NULL; i++)
    {
      if (g_str_equal (status_values[i].value_nick, string))
        {
          *status = status_values[i].value;
          return TRUE;
        }
    }

  return FALSE;
}

static void
touch (ForgeProject *self)
{
  self->updated = g_get_real_time () / G_USEC_PER_SEC;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
}

static void
set_string (ForgeProject *self,
            guint         prop_id,
            const char   *value)
{
  if (g_strcmp0 (self->strings[prop_id], value) == 0)
    return;

  g_free (self->strings[prop_id]);
  self->strings[prop_id] = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
forge_project_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ForgeProject *self = FORGE_PROJECT (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS)
    {
      g_value_set_string (value, self->strings[prop_id]);
      return;
    }

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;

    case PROP_UPDATED:
      g_value_set_int64 (value, self->updated);
      break;

    case PROP_DEV_PORT:
      g_value_set_uint (value, self->dev_port);
      break;

    case PROP_ENV:
      g_value_take_boxed (value, forge_project_dup_env_names (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ForgeProject *self = FORGE_PROJECT (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS)
    {
      set_string (self, prop_id, g_value_get_string (value));
      return;
    }

  switch (prop_id)
    {
    case PROP_STATUS:
      forge_project_set_status (self, g_value_get_enum (value));
      break;

    case PROP_CREATED:
      self->created = g_value_get_int64 (value);
      break;

    case PROP_UPDATED:
      self->updated = g_value_get_int64 (value);
      break;

    case PROP_DEV_PORT:
      forge_project_set_dev_port (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_finalize (GObject *object)
{
  ForgeProject *self = FORGE_PROJECT (object);

  for (guint i = 0; i < N_STRING_PROPS; i++)
    g_free (self->strings[i]);
  g_clear_pointer (&self->env, g_array_unref);

  G_OBJECT_CLASS (forge_project_parent_class)->finalize (object);
}

static void
forge_project_class_init (ForgeProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = forge_project_get_property;
  object_class->set_property = forge_project_set_property;
  object_class->finalize = forge_project_finalize;

  for (guint i = PROP_ID; i < N_STRING_PROPS; i++)
    {
      g_autofree char *name = g_strdelimit (g_strdup (json_names[i]), "_", '-');
      GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_NICK | G_PARAM_STATIC_BLURB;

      if (i == PROP_ID)
        flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_NICK | G_PARAM_STATIC_BLURB;

      /* The names are built at run time, so they must be interned. */
      properties[i] = g_param_spec_string (g_intern_string (name), NULL, NULL, NULL, flags);
    }

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       FORGE_TYPE_PROJECT_STATUS, FORGE_PROJECT_STATUS_GENERATING,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPDATED] =
    g_param_spec_int64 ("updated", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* The port its dev server listens on inside the sandbox; 0 for the
   * one the sandbox gives. */
  properties[PROP_DEV_PORT] =
    g_param_spec_uint ("dev-port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The names of its variables, notified when any of them (or a value)
   * changes. */
  properties[PROP_ENV] =
    g_param_spec_boxed ("env", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
env_var_clear (gpointer data)
{
  EnvVar *var = data;

  g_free (var->name);
  g_free (var->value);
}

static void
forge_project_init (ForgeProject *self)
{
  self->status = FORGE_PROJECT_STATUS_GENERATING;
  self->env = g_array_new (FALSE, TRUE, sizeof (EnvVar));
  g_array_set_clear_func (self->env, env_var_clear);
}

char *
forge_project_name_for_url (const char *repo_url)
{
  g_autofree char *trimmed = g_strdup (repo_url);
  const char *slash;
  gsize len;

  g_return_val_if_fail (repo_url != NULL, NULL);

  len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  if (g_str_has_suffix (trimmed, ".git"))
    trimmed[len - 4] = '\0';

  slash = strrchr (trimmed, '/');
  if (slash == NULL)
    slash = strrchr (trimmed, ':');

  return g_strdup (slash != NULL && slash[1] != '\0' ? slash + 1 : trimmed);
}

ForgeProject *
forge_project_new (const char *id,
                   const char *repo_url)
{
  ForgeProject *self;
  g_autofree char *name = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (repo_url != NULL, NULL);

  name = forge_project_name_for_url (repo_url);
  self = g_object_new (FORGE_TYPE_PROJECT,
                       "id", id,
                       "repo-url", repo_url,
                       "name", name,
                       "created", now,
                       "updated", now,
                       NULL);
  return self;
}

static void apply_env_json (ForgeProject *self,
                            JsonNode     *node);
/* NULL unless the member is a string: json-glib's getters warn about
 * other types, and a damaged file can hold anything. */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* FALSE unless the member is an integer (json-glib's getter is critical
 * about arrays and objects). */
static gboolean
int_member (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

void
forge_project_apply_json (ForgeProject *self,
                          JsonObject   *object)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));

  g_object_freeze_notify (G_OBJECT (self));

  for (guint i = PROP_NAME; i < N_STRING_PROPS; i++)
    {
      JsonNode *member = json_object_get_member (object, json_names[i]);

      const char *value;

      if (member == NULL)
        continue;
      value = JSON_NODE_HOLDS_VALUE (member) ? json_node_get_string (member) : NULL;
      /* A damaged or hand-edited file must not name a ref or a folder
       * that git or a path would take otherwise. */
      if ((i == PROP_GIT_REF && !forge_git_ref_is_valid (value)) ||
          ((i == PROP_SUBDIR || i == PROP_PACKAGE_DIR) && value != NULL && !forge_git_subdir_is_valid (value)))
        {
          g_warning ("Ignoring the invalid %s of project %s", json_names[i], self->strings[PROP_ID]);
          continue;
        }
      set_string (self, i, value);
    }

  {
    ForgeProjectStatus status;

    if (forge_project_status_from_string (string_member (object, "status"), &status))
      forge_project_set_status (self, status);
  }

  int_member (object, "created", &self->created);

  if (json_object_has_member (object, "dev_port"))
    {
      JsonNode *node = json_object_get_member (object, "dev_port");
      gint64 port = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
        ? json_node_get_int (node) : 0;

      forge_project_set_dev_port (self, port > 0 && port < 65536 ? (guint) port : 0);
    }

  if (json_object_has_member (object, "env"))
    apply_env_json (self, json_object_get_member (object, "env"));

  touch (self);
  int_member (object, "updated", &self->updated);

  g_object_thaw_notify (G_OBJECT (self));
}

ForgeProject *
forge_project_new_from_json (JsonObject  *object,
                             GError     **error)
{
  g_autoptr(ForgeProject) self = NULL;
  const char *id = string_member (object, "id");
  const char *repo_url = string_member (object, "repo_url");

  if (id == NULL || repo_url == NULL || *id == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "A project entry has no id or repository URL");
      return NULL;
    }

  if (!forge_project_id_is_valid (id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A project entry has an invalid id “%s”", id);
      return NULL;
    }

  self = forge_project_new (id, repo_url);
  forge_project_apply_json (self, object);

  return g_steal_pointer (&self);
}

/* Secret variables are kept by name only: their values are in the
 * keyring, never in projects.json. */
static JsonArray *
env_to_json (ForgeProject *self)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < self->env->len; i++)
    {
      EnvVar *var = &g_array_index (self->env, EnvVar, i);
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "name", var->name);
      if (var->secret)
        json_object_set_boolean_member (entry, "secret", TRUE);
      else
        json_object_set_string_member (entry, "value", var->value);
      json_array_add_object_element (array, entry);
    }

  return array;
}

JsonObject *
forge_project_to_json (ForgeProject *self)
{
  JsonObject *object;

  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);

  object = json_object_new ();
  for (guint i = PROP_ID; i < N_STRING_PROPS; i++)
    {
      if (self->strings[i] != NULL)
        json_object_set_string_member (object, json_names[i], self->strings[i]);
      else
        json_object_set_null_member (object, json_names[i]);
    }
  json_object_set_string_member (object, "status", forge_project_status_to_string (self->status));
  json_object_set_int_member (object, "created", self->created);
  json_object_set_int_member (object, "updated", self->updated);
  json_object_set_int_member (object, "dev_port", self->dev_port);
  json_object_set_array_member (object, "env", env_to_json (self));

  return object;
}

#define STRING_GETTER(func, prop) \
  const char * \
  forge_project_get_##func (ForgeProject *self) \
  { \
    g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL); \
    return self->strings[prop]; \
  }

STRING_GETTER (id, PROP_ID)
STRING_GETTER (name, PROP_NAME)
STRING_GETTER (repo_url, PROP_REPO_URL)
STRING_GETTER (owner_repo, PROP_OWNER_REPO)
STRING_GETTER (framework, PROP_FRAMEWORK)
STRING_GETTER (package_manager, PROP_PACKAGE_MANAGER)
STRING_GETTER (sandbox_id, PROP_SANDBOX_ID)
STRING_GETTER (preview_url, PROP_PREVIEW_URL)
STRING_GETTER (last_path, PROP_LAST_PATH)
STRING_GETTER (last_error, PROP_LAST_ERROR)
STRING_GETTER (git_ref, PROP_GIT_REF)
STRING_GETTER (subdir, PROP_SUBDIR)
STRING_GETTER (head_commit, PROP_HEAD_COMMIT)
STRING_GETTER (package_dir, PROP_PACKAGE_DIR)
STRING_GETTER (install_command, PROP_INSTALL_COMMAND)
STRING_GETTER (dev_command, PROP_DEV_COMMAND)

#undef STRING_GETTER

/* Entries from before backends existed name none: they ran locally. */
const char *
forge_project_get_backend (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);
  return self->strings[PROP_BACKEND] != NULL ? self->strings[PROP_BACKEND] : FORGE_PROJECT_DEFAULT_BACKEND;
}

void
forge_project_set_backend (ForgeProject *self,
                           const char   *backend)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_string (self, PROP_BACKEND, backend);
}

const char *
forge_project_get_preview_device (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);
  return self->strings[PROP_PREVIEW_DEVICE];
}

void
forge_project_set_preview_device (ForgeProject *self,
                                  const char   *device)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_string (self, PROP_PREVIEW_DEVICE, device);
}

ForgeProjectStatus
forge_project_get_status (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), FORGE_PROJECT_STATUS_FAILED);
  return self->status;
}

void
forge_project_set_status (ForgeProject       *self,
                          ForgeProjectStatus  status)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  touch (self);
}

void
forge_project_set_last_path (ForgeProject *self,
                             const char   *last_path)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_string (self, PROP_LAST_PATH, last_path);
}

void
forge_project_set_last_error (ForgeProject *self,
                              const char   *last_error)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_string (self, PROP_LAST_ERROR, last_error);
}

gint64
forge_project_get_created (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), 0);
  return self->created;
}

gint64
forge_project_get_updated (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), 0);
  return self->updated;
}

gboolean
forge_project_id_is_valid (const char *project_id)
{
  return project_id != NULL && g_uuid_string_is_valid (project_id);
}

char *
forge_project_workspace_dir_for_id (const char *project_id)
{
  g_autofree char *cache = NULL;

  /* Not a programmer error: ids come from projects.json and from events,
   * which the caller checks by handling NULL. */
  if (!forge_project_id_is_valid (project_id))
    return NULL;

  cache = forge_cache_dir ();
  return g_build_filename (cache, "projects", project_id, NULL);
}

char *
forge_project_dup_workspace_dir (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);
  return forge_project_workspace_dir_for_id (self->strings[PROP_ID]);
}

/* An empty command is the detected one. */
static void
set_command (ForgeProject *self,
             guint         prop_id,
             const char   *command)
{
  g_autofree char *stripped = command != NULL ? g_strstrip (g_strdup (command)) : NULL;

  set_string (self, prop_id, stripped != NULL && *stripped != '\0' ? stripped : NULL);
}

void
forge_project_set_install_command (ForgeProject *self,
                                   const char   *command)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_command (self, PROP_INSTALL_COMMAND, command);
}

void
forge_project_set_dev_command (ForgeProject *self,
                               const char   *command)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  set_command (self, PROP_DEV_COMMAND, command);
}

guint
forge_project_get_dev_port (ForgeProject *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), 0);
  return self->dev_port;
}

void
forge_project_set_dev_port (ForgeProject *self,
                            guint         port)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  g_return_if_fail (port < 65536);

  if (self->dev_port == port)
    return;

  self->dev_port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEV_PORT]);
}

static EnvVar *
find_env (ForgeProject *self,
          const char   *name,
          guint        *index)
{
  for (guint i = 0; name != NULL && i < self->env->len; i++)
    {
      EnvVar *var = &g_array_index (self->env, EnvVar, i);

      if (g_str_equal (var->name, name))
        {
          if (index != NULL)
            *index = i;
          return var;
        }
    }

  return NULL;
}

char **
forge_project_dup_env_names (ForgeProject *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);

  for (guint i = 0; i < self->env->len; i++)
    g_strv_builder_add (builder, g_array_index (self->env, EnvVar, i).name);

  return g_strv_builder_end (builder);
}

gboolean
forge_project_has_env (ForgeProject *self,
                       const char   *name)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (self), FALSE);
  return find_env (self, name, NULL) != NULL;
}

const char *
forge_project_get_env_value (ForgeProject *self,
                             const char   *name)
{
  EnvVar *var;

  g_return_val_if_fail (FORGE_IS_PROJECT (self), NULL);

  var = find_env (self, name, NULL);
  return var != NULL ? var->value : NULL;
}

gboolean
forge_project_get_env_is_secret (ForgeProject *self,
                                 const char   *name)
{
  EnvVar *var;

  g_return_val_if_fail (FORGE_IS_PROJECT (self), FALSE);

  var = find_env (self, name, NULL);
  return var != NULL && var->secret;
}

static gboolean
set_env (ForgeProject *self,
         const char   *name,
         const char   *value,
         gboolean      secret)
{
  EnvVar *var = find_env (self, name, NULL);

  if (secret)
    value = NULL;
  else if (value == NULL)
    value = "";

  if (var != NULL)
    {
      if (var->secret == secret && g_strcmp0 (var->value, value) == 0)
        return FALSE;
      g_free (var->value);
      var->value = g_strdup (value);
      var->secret = secret;
      return TRUE;
    }

  if (self->env->len >= FORGE_PROJECT_MAX_ENV)
    return FALSE;

  {
    EnvVar added = { g_strdup (name), g_strdup (value), secret };

    g_array_append_val (self->env, added);
  }
  return TRUE;
}

void
forge_project_set_env (ForgeProject *self,
                       const char   *name,
                       const char   *value,
                       gboolean      secret)
{
  g_return_if_fail (FORGE_IS_PROJECT (self));
  g_return_if_fail (forge_env_name_is_valid (name));

  if (set_env (self, name, value, secret))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENV]);
}

gboolean
forge_project_remove_env (ForgeProject *self,
                          const char   *name)
{
  guint index;

  g_return_val_if_fail (FORGE_IS_PROJECT (self), FALSE);

  if (find_env (self, name, &index) == NULL)
    return FALSE;

  g_array_remove_index (self->env, index);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENV]);
  return TRUE;
}

/* projects.json is the user's file, but a damaged or hand-edited one
 * must not give a variable a name a shell would misread, nor hold a
 * secret's value: a "value" beside "secret" is dropped. */
static void
apply_env_json (ForgeProject *self,
                JsonNode     *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;

  g_array_set_size (self->env, 0);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *entry;
      const char *name;
      const char *value;
      gboolean secret;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      entry = json_node_get_object (element);
      name = string_member (entry, "name");
      value = string_member (entry, "value");
      secret = json_object_has_member (entry, "secret") &&
               JSON_NODE_HOLDS_VALUE (json_object_get_member (entry, "secret")) &&
               json_node_get_value_type (json_object_get_member (entry, "secret")) == G_TYPE_BOOLEAN &&
               json_object_get_boolean_member (entry, "secret");

      if (!forge_env_name_is_valid (name))
        {
          g_warning ("Ignoring an invalid variable name of project %s", self->strings[PROP_ID]);
          continue;
        }
      set_env (self, name, value, secret);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENV]);
}
