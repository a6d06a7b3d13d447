package vitprobe.io;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records to JSON and back through {@link Json}, so that a file's schema is written down once, as records.
 * A record is an object whose keys are its components' names in snake_case ({@code reportK} → {@code report_k}),
 * in component order; {@link List} is an array, {@code Map<String, V>} an object, enums their {@code key()} (or
 * name), and String, boolean, int, long, double (and their boxes) what they are. Reading is strict: an unknown
 * or missing key, a null where none is allowed or a value of the wrong kind is one {@link IllegalArgumentException}
 * naming its path in the document, e.g. {@code rows[12].f1: expected a number, found a string}.
 * Null is allowed for boxed numbers and booleans and for components marked {@link Nullable} or {@link OmitNull}.
 */
public final class JsonRecords {
    private JsonRecords() {}

    /** The component's key when it is not the snake_case of its name. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Name {
        String value();
    }

    /** A component that may be null (written as null). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Nullable {}

    /** A component left out of the object when null, and null when its key is absent. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface OmitNull {}

    /**
     * A record component whose keys are written into the enclosing object instead of an object of their own; with
     * {@link OmitNull}, null leaves its keys out and is what reading gives when none of them is there.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Inline {}

    /** Indented JSON (two spaces) of a record, list or map of the supported types. */
    public static String writePretty(Object value) {
        return Json.writePretty(tree(value));
    }

    /** The value as {@link Json} writes it: records become maps in component order, enums their keys. */
    public static Object tree(Object value) {
        return switch (value) {
            case null -> null;
            case String _, Boolean _, Integer _, Long _, Double _ -> value;
            case Enum<?> e -> ENUM_KEYS.get(e.getDeclaringClass()).get(e.ordinal());
            case Record r -> {
                Map<String, Object> object = new LinkedHashMap<>();
                putFields(object, r);
                yield object;
            }
            case List<?> list -> {
                List<Object> array = new ArrayList<>(list.size());
                for (Object element : list) array.add(tree(element));
                yield array;
            }
            case Map<?, ?> map -> {
                Map<String, Object> object = new LinkedHashMap<>();
                map.forEach((k, v) -> object.put((String) k, tree(v)));
                yield object;
            }
            default ->
                throw new IllegalArgumentException(
                        "cannot write " + value.getClass().getName() + " as JSON");
        };
    }

    private static void putFields(Map<String, Object> object, Record record) {
        for (Field f : SHAPES.get(record.getClass())) {
            Object v = f.get(record);
            if (v == null && f.omitNull) continue;
            if (v == null && !f.nullable) {
                throw new IllegalArgumentException(record.getClass().getSimpleName() + "." + f.key + " is null");
            }
            if (f.inline) putFields(object, (Record) v);
            else object.put(f.key, tree(v));
        }
    }

    /** Parses JSON text into a record (or other supported type); errors name the path of the bad value. */
    public static <T> T read(String text, Class<T> type) {
        return fromTree(Json.parse(text), type);
    }

    /** A value parsed by {@link Json} as a record (or other supported type). */
    public static <T> T fromTree(Object json, Class<T> type) {
        return type.cast(read(json, type, false, ""));
    }

    /** The keys of a record's objects, in order (inline records' keys in their place). */
    public static List<String> keys(Class<? extends Record> type) {
        return keysOf(SHAPES.get(type));
    }

    private static List<String> keysOf(List<Field> fields) {
        List<String> keys = new ArrayList<>();
        for (Field f : fields) {
            if (f.inline) keys.addAll(keys(f.type.asSubclass(Record.class)));
            else keys.add(f.key);
        }
        return keys;
    }

    /** @param nullable whether null is allowed here (components may allow it; array elements and map values not) */
    private static Object read(Object json, Type type, boolean nullable, String path) {
        Class<?> raw = raw(type);
        if (json == null) {
            if (nullable) return null;
            throw error(path, "expected " + expected(raw) + ", found null");
        }
        if (raw == String.class) return require(json, String.class, raw, path);
        if (raw == boolean.class || raw == Boolean.class) return require(json, Boolean.class, raw, path);
        if (raw == double.class || raw == Double.class)
            return require(json, Number.class, raw, path).doubleValue();
        if (raw == long.class || raw == Long.class) return integer(json, raw, path);
        if (raw == int.class || raw == Integer.class) {
            long v = integer(json, raw, path);
            if (v != (int) v) throw error(path, "expected a 32-bit integer, found " + v);
            return (int) v;
        }
        if (raw.isEnum()) {
            String key = require(json, String.class, raw, path);
            List<String> keys = ENUM_KEYS.get(raw);
            if (!keys.contains(key)) throw error(path, "expected one of " + keys + ", found \"" + key + "\"");
            return raw.getEnumConstants()[keys.indexOf(key)];
        }
        if (raw == List.class) {
            List<?> array = require(json, List.class, raw, path);
            Type element = argument(type, 0);
            List<Object> out = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) out.add(read(array.get(i), element, false, path + "[" + i + "]"));
            return List.copyOf(out);
        }
        if (raw == Map.class) {
            if (argument(type, 0) != String.class)
                throw new IllegalArgumentException(type + ": map keys must be strings");
            Map<?, ?> object = require(json, Map.class, raw, path);
            Map<String, Object> out = new LinkedHashMap<>();
            object.forEach((k, v) -> out.put((String) k, read(v, argument(type, 1), false, child(path, (String) k))));
            return Collections.unmodifiableMap(out);
        }
        if (raw.isRecord()) {
            Map<?, ?> object = require(json, Map.class, raw, path);
            Set<Object> used = new HashSet<>();
            Object record = readRecord(object, raw, path, used);
            for (Object key : object.keySet()) {
                if (!used.contains(key)) throw error(child(path, (String) key), "unknown field");
            }
            return record;
        }
        throw new IllegalArgumentException("cannot read " + type.getTypeName() + " from JSON");
    }

    /** Reads the record's keys from the object (an inline record reads from the same object); marks them used. */
    private static Object readRecord(Map<?, ?> object, Class<?> type, String path, Set<Object> used) {
        List<Field> fields = SHAPES.get(type);
        Object[] args = new Object[fields.size()];
        for (int i = 0; i < args.length; i++) {
            Field f = fields.get(i);
            if (f.inline) {
                boolean absent = f.omitNull
                        && keys(f.type.asSubclass(Record.class)).stream().noneMatch(object::containsKey);
                args[i] = absent ? null : readRecord(object, f.type, path, used);
                continue;
            }
            String at = child(path, f.key);
            if (!object.containsKey(f.key) && !f.omitNull) throw error(at, "missing");
            used.add(f.key);
            args[i] = read(object.get(f.key), f.genericType, f.nullable, at);
        }
        try {
            return CONSTRUCTORS.get(type).newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) throw error(path, bad.getMessage());
            throw new IllegalStateException(type.getName() + ": constructor failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type.getName() + ": cannot construct", e);
        }
    }

    private static long integer(Object json, Class<?> raw, String path) {
        Number n = require(json, Number.class, raw, path);
        if (!(n instanceof Long l)) throw error(path, "expected an integer, found " + n);
        return l;
    }

    private static <T> T require(Object json, Class<T> kind, Class<?> raw, String path) {
        if (!kind.isInstance(json)) throw error(path, "expected " + expected(raw) + ", found " + Json.kind(json));
        return kind.cast(json);
    }

    private static String expected(Class<?> raw) {
        if (raw == String.class || raw.isEnum()) return "a string";
        if (raw == boolean.class || raw == Boolean.class) return "a boolean";
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) return "an integer";
        if (raw == double.class || raw == Double.class) return "a number";
        if (raw == List.class) return "an array";
        return "an object";
    }

    private static IllegalArgumentException error(String path, String problem) {
        return new IllegalArgumentException(path.isEmpty() ? problem : path + ": " + problem);
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalArgumentException("cannot map " + type.getTypeName() + " to JSON");
    }

    private static Type argument(Type type, int index) {
        if (!(type instanceof ParameterizedType p)) throw new IllegalArgumentException(type + " needs type arguments");
        return p.getActualTypeArguments()[index];
    }

    private static final Set<Class<?>> BOXES = Set.of(Boolean.class, Integer.class, Long.class, Double.class);

    /** A record component as JSON sees it. */
    private record Field(
            String key,
            Class<?> type,
            Type genericType,
            Method accessor,
            boolean nullable,
            boolean omitNull,
            boolean inline) {
        Object get(Record record) {
            try {
                return accessor.invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(accessor + ": cannot read", e);
            }
        }
    }

    private static final ClassValue<List<Field>> SHAPES = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
            if (!type.isRecord()) throw new IllegalArgumentException(type.getName() + " is not a record");
            List<Field> fields = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                String where = type.getName() + "." + c.getName();
                Name name = c.getAnnotation(Name.class);
                boolean omitNull = c.isAnnotationPresent(OmitNull.class), inline = c.isAnnotationPresent(Inline.class);
                boolean nullable = omitNull || c.isAnnotationPresent(Nullable.class) || BOXES.contains(c.getType());
                if (nullable && c.getType().isPrimitive()) {
                    throw new IllegalArgumentException(where + ": a primitive cannot be null");
                }
                if (inline && (!c.getType().isRecord() || c.isAnnotationPresent(Nullable.class))) {
                    throw new IllegalArgumentException(where + ": inline needs a record, and OmitNull if null");
                }
                Method accessor = c.getAccessor();
                accessor.setAccessible(true); // records of other packages may be package-private
                fields.add(new Field(
                        name == null ? snakeCase(c.getName()) : name.value(),
                        c.getType(),
                        c.getGenericType(),
                        accessor,
                        nullable,
                        omitNull,
                        inline));
            }
            List<String> keys = keysOf(fields);
            if (new HashSet<>(keys).size() != keys.size()) {
                throw new IllegalArgumentException(type.getName() + ": a key appears twice in " + keys);
            }
            return List.copyOf(fields);
        }
    };

    private static final ClassValue<Constructor<?>> CONSTRUCTORS = new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> type) {
            Class<?>[] types = SHAPES.get(type).stream().map(Field::type).toArray(Class<?>[]::new);
            try {
                Constructor<?> constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true);
                return constructor;
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(type.getName() + ": no canonical constructor", e);
            }
        }
    };

    /** Per enum type, the JSON key of each constant by ordinal: its {@code key()} when the type has one, else its name. */
    private static final ClassValue<List<String>> ENUM_KEYS = new ClassValue<>() {
        @Override
        protected List<String> computeValue(Class<?> type) {
            Method key;
            try {
                key = type.getMethod("key");
                if (key.getReturnType() != String.class) key = null;
                else key.setAccessible(true);
            } catch (NoSuchMethodException e) {
                key = null;
            }
            List<String> keys = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                try {
                    keys.add(key == null ? ((Enum<?>) constant).name() : (String) key.invoke(constant));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(type.getName() + ".key() failed", e);
                }
            }
            return List.copyOf(keys);
        }
    };

    static String snakeCase(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) sb.append('_').append(Character.toLowerCase(c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
