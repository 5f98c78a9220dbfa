package dev.tfjtransfer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code config.yaml} into a {@link RunConfig}. Problems are one line naming the file, the
 * line, the key and what was expected; an unknown key also names the closest valid one.
 * {@code --set key.path=value} overrides (list items by index: {@code stages.0.epochs=3}) are
 * applied after the file is checked.
 */
public final class ConfigLoader {
  private static final YAMLMapper YAML = YAMLMapper.builder(
          YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build())
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // epochs: 1.5 is an error, not 1
      .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      .build();

  private ConfigLoader() {}

  public static RunConfig load(Path file, List<String> overrides) throws IOException {
    if (Files.isDirectory(file)) {
      throw new ConfigException(file + ": is a directory, not a config file");
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file + ": config file not found");
    }
    return parse(Files.readString(file), file.toString(), overrides);
  }

  public static RunConfig parse(String yaml, String source, List<String> overrides) {
    RunConfig config = bind(yaml, source);
    if (overrides.isEmpty()) {
      return config;
    }
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage());
    }
    ObjectNode root = tree instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
    for (String override : overrides) {
      apply(root, override);
    }
    try {
      return YAML.treeToValue(root, RunConfig.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ConfigException("--set " + String.join(" --set ", overrides) + ": "
          + describe(e, "the overrides", ""));
    }
  }

  /** The resolved config (defaults filled in) as YAML, for the run directory. */
  public static String toYaml(RunConfig config) {
    try {
      return YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write config", e);
    }
  }

  private static RunConfig bind(String yaml, String source) {
    try {
      RunConfig config = YAML.readValue(yaml, RunConfig.class);
      return config == null ? YAML.readValue("{}", RunConfig.class) : config;
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + describe(e, source, yaml));
    }
  }

  private static String describe(Exception e, String source, String yaml) {
    String line = "";
    if (e instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0) {
      int reported = j.getLocation().getLineNr();
      line = " line " + (e instanceof UnrecognizedPropertyException u
          ? lineOfKey(yaml, u.getPropertyName(), reported) : reported);
    }
    String where = source.equals("the overrides") ? "" : line + ": ";
    if (e instanceof UnrecognizedPropertyException u) {
      String key = keyPath(u.getPath());
      String closest = closest(u.getPropertyName(), u.getKnownPropertyIds());
      return where + "unknown key '" + key + "'" + (closest == null ? "" : "; did you mean '" + closest + "'?")
          + " (valid here: " + u.getKnownPropertyIds() + ")";
    }
    if (e instanceof ValueInstantiationException v && v.getCause() != null) {
      return where + withIndex(v.getCause().getMessage(), keyPath(v.getPath()));
    }
    if (e instanceof InvalidFormatException f) {
      return where + keyPath(f.getPath()) + ": expected " + simpleType(f.getTargetType()) + ", got '" + f.getValue()
          + "'";
    }
    if (e instanceof MismatchedInputException m) {
      Matcher coerced = COERCION.matcher(m.getOriginalMessage());
      // Jackson's "Cannot coerce String value ("abc") to `java.lang.Integer` value (but might if ...)"
      return where + keyPath(m.getPath()) + ": expected " + simpleType(m.getTargetType()) + (coerced.lookingAt()
          ? ", got " + coerced.group(1) : " (" + m.getOriginalMessage().split("\n")[0] + ")");
    }
    if (e instanceof JsonProcessingException j) {
      return where + "not valid YAML: " + yamlProblem(j.getOriginalMessage());
    }
    return where + e.getMessage();
  }

  private static final Pattern COERCION = Pattern.compile("Cannot coerce \\w+ value \\((.*)\\) to ");

  /**
   * A record's check names its list element with {@code []} ({@code groups[].lr}), not knowing its
   * index; {@code path} ({@code stages[0].groups[1]}) does.
   */
  private static String withIndex(String message, String path) {
    int bracket = path.lastIndexOf('[');
    if (bracket < 0) {
      return message;
    }
    String list = path.substring(path.lastIndexOf('.', bracket) + 1, bracket);
    return message.startsWith(list + "[].") ? path + message.substring(list.length() + 2) : message;
  }

  /**
   * SnakeYAML's message is a context line ("while scanning for the next token"), the problem
   * ("found character '\t(TAB)' that cannot start any token") and an excerpt with a caret: keep the
   * first two, which say what is wrong.
   */
  private static String yamlProblem(String message) {
    return message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).limit(2)
        .collect(java.util.stream.Collectors.joining(": "));
  }

  /**
   * Jackson reports where it stopped reading, which for records can be past the key; the key's own
   * line is the last one at or before that which starts with it.
   */
  private static int lineOfKey(String yaml, String key, int reported) {
    String[] lines = yaml.split("\n", -1);
    for (int i = Math.min(reported, lines.length) - 1; i >= 0; i--) {
      String trimmed = lines[i].trim();
      if (trimmed.startsWith("- ")) {
        trimmed = trimmed.substring(2).trim();
      }
      if (trimmed.startsWith(key + ":") || trimmed.matches(".*[{,]\\s*" + java.util.regex.Pattern.quote(key) + ":.*")) {
        return i + 1;
      }
    }
    return reported;
  }

  private static String simpleType(Class<?> type) {
    if (type == null) {
      return "another value";
    }
    if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
      return "an integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping (" + type.getSimpleName().replace("Config", "").toLowerCase() + " section)";
  }

  private static String keyPath(List<JsonMappingException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : path) {
      if (ref.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  static String closest(String key, Collection<Object> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Object c : candidates) {
      int d = levenshtein(key, c.toString());
      if (d < bestDistance) {
        bestDistance = d;
        best = c.toString();
      }
    }
    return bestDistance <= Math.max(2, key.length() / 2) ? best : null;
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static void apply(ObjectNode root, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + override + ": expected key.path=value");
    }
    String[] keys = override.substring(0, eq).split("\\.");
    checkKeyPath(override, keys);
    JsonNode value;
    try {
      value = YAML.readTree(override.substring(eq + 1));
    } catch (JsonProcessingException e) {
      throw new ConfigException("--set " + override + ": value is not valid YAML");
    }
    JsonNode node = root;
    for (int i = 0; i < keys.length; i++) {
      boolean last = i == keys.length - 1;
      String key = keys[i];
      if (node instanceof ArrayNode array) {
        int index = parseIndex(override, key, array.size());
        if (last) {
          array.set(index, value);
        } else {
          node = array.get(index);
        }
      } else if (node instanceof ObjectNode object) {
        if (last) {
          object.set(key, value);
        } else {
          JsonNode next = object.get(key);
          if (next == null || next.isNull()) {
            next = keys[i + 1].matches("\\d+") ? object.putArray(key) : object.putObject(key);
          }
          node = next;
        }
      } else {
        throw new ConfigException("--set " + override + ": '" + key + "' is inside a value, not a section");
      }
    }
  }

  /**
   * Walks the key path through RunConfig's records before the tree is touched, so that a misspelt
   * key ({@code stagez.0.epochs}) is named with the closest valid one rather than failing later
   * on a list that does not exist.
   */
  private static void checkKeyPath(String override, String[] keys) {
    Type type = RunConfig.class;
    for (String key : keys) {
      Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
      if (List.class.isAssignableFrom(raw)) {
        if (!key.matches("\\d+")) {
          throw new ConfigException("--set " + override + ": '" + key + "' must be a list index (0, 1, ...)");
        }
        type = ((ParameterizedType) type).getActualTypeArguments()[0];
        continue;
      }
      if (!raw.isRecord()) {
        return; // a scalar: the binder says what it expected
      }
      RecordComponent[] components = raw.getRecordComponents();
      List<Object> names = java.util.Arrays.stream(components).<Object>map(c -> snakeCase(c.getName())).toList();
      int found = names.indexOf(key);
      if (found < 0) {
        String closest = closest(key, names);
        throw new ConfigException("--set " + override + ": unknown key '" + key + "'"
            + (closest == null ? "" : "; did you mean '" + closest + "'?") + " (valid here: " + names + ")");
      }
      type = components[found].getGenericType();
    }
  }

  private static String snakeCase(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  private static int parseIndex(String override, String key, int size) {
    try {
      int index = Integer.parseInt(key);
      if (index >= 0 && index < size) {
        return index;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException("--set " + override + ": '" + key + "' must be a list index 0.." + (size - 1));
  }
}
