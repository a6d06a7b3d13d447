package vitprobe.probe.experiment;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.PosResample;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.probe.Rule;
import vitprobe.probe.data.Broden;
import vitprobe.probe.data.Datasets;
import vitprobe.probe.data.ImageFolder;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.results.Experiment;
import vitprobe.results.FileNamePart;
import vitprobe.weights.DType;

/**
 * An experiment: models × token types × rules × tasks × k values, read from JSON or YAML and checked completely
 * before anything runs, so that a mistake costs one error line and no work. Relative paths are resolved against
 * the config file's folder. Keys (all but {@code models} and {@code tasks} optional):
 * <pre>
 * models:     {NAME: MODEL, ...} or [MODEL, ...]   MODEL as on the command line (folder, file, hf:ORG/NAME, random:vits8)
 * tasks:      {classification: {dataset: DIR}, segmentation: {dataset: DIR, patches_per_image: 16}}
 *             each may also set train and test (split names; default train, and test or else val)
 * tokens:     [q, k, v, x, y, y_norm]      rules: [hyperplane, cosine]
 * k:          [1, 5, 10]  (cosine support images per concept)   trials: 10 (cosine draws per k)
 * block: -1   seed: 0   batch: 16   dtype: f16 (stored features)   precision: fp32 (compute: fp32, tf32, bf16)
 * device: auto   solver: mined   center: false
 * qualitative: {images: 3, candidates: 24}   (segmentation panels: images shown, test images tried per concept)
 * image_size: 448 or [280, 392] (default: each checkpoint's own)   keep_aspect: false (image_size is the shorter side)
 * pos_resample: timm or transformers (default: each checkpoint's library)
 * output: DIR (default: the config's name without extension, beside it)
 * spark: {master: "local[*]", concepts_per_task: 128}   (run on Apache Spark, as --spark MASTER does; the flag wins)
 * </pre>
 */
public record ExperimentConfig(
        Path file,
        Path output,
        List<ModelSpec> models,
        List<Intermediate> tokens,
        List<Rule> rules,
        List<TaskSpec> tasks,
        List<Integer> ks,
        int trials,
        int block,
        long seed,
        int batch,
        DType dtype,
        String precision,
        String device,
        String solver,
        boolean center,
        int qualitativeImages,
        int qualitativeCandidates,
        InputResolution input,
        Spark spark,
        List<String> warnings) {

    /**
     * Where the heavy stages run when the config asks for Apache Spark: the master (a URL, local[N], or "submit") and
     * how many of a cell's concepts one task probes.
     */
    public record Spark(String master, int conceptsPerTask) {
        public static final String DEFAULT_MASTER = "local[*]";
        public static final int DEFAULT_CONCEPTS_PER_TASK = 128;
    }

    /** A model of the grid: its name in folders, figures and tables, and what to load. */
    public record ModelSpec(String name, String reference) {}

    /**
     * A task with its data set and splits.
     *
     * @param patchesPerImage segmentation's patches kept per image, 0 for all of them
     */
    public record TaskSpec(Task task, Path dataset, String trainSplit, String testSplit, int patchesPerImage) {}

    /** Token types that can be probed: every per-token intermediate (attention maps are not per token). */
    public static final Set<Intermediate> PROBEABLE = EnumSet.complementOf(EnumSet.of(Intermediate.ATTN));

    private static final Set<String> KEYS = Set.of(
            "models",
            "tasks",
            "tokens",
            "rules",
            "k",
            "trials",
            "block",
            "seed",
            "batch",
            "dtype",
            "precision",
            "device",
            "solver",
            "center",
            "qualitative",
            "image_size",
            "keep_aspect",
            "pos_resample",
            "output",
            "spark");
    private static final Set<String> TASK_KEYS = Set.of("dataset", "train", "test", "patches_per_image");

    public ExperimentConfig {
        models = List.copyOf(models);
        tokens = List.copyOf(tokens);
        rules = List.copyOf(rules);
        tasks = List.copyOf(tasks);
        ks = List.copyOf(ks);
        warnings = List.copyOf(warnings);
    }

    /** Reads and checks a config file (.json, .yaml or .yml); every problem is one message naming the file and key. */
    public static ExperimentConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file, null, "cannot read (" + e.getMessage() + ")");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Object root;
        if (name.endsWith(".json")) {
            try {
                root = Json.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, null, e.getMessage());
            }
        } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            LoaderOptions options = new LoaderOptions();
            // As in JSON; snakeyaml would otherwise log a warning and keep the last value.
            options.setAllowDuplicateKeys(false);
            try {
                root = normalise(new Yaml(new SafeConstructor(options)).load(text));
            } catch (MarkedYAMLException e) {
                throw new ConfigException(file, null, yamlError(e));
            } catch (YAMLException e) {
                throw new ConfigException(
                        file,
                        null,
                        "invalid YAML: "
                                + e.getMessage().lines().findFirst().orElse("").trim());
            }
        } else {
            throw new ConfigException(file, null, "unknown config format (expected .json, .yaml or .yml)");
        }
        if (!(root instanceof Map<?, ?> map))
            throw new ConfigException(file, null, "expected an object of settings at the top");
        Path base = file.toAbsolutePath().getParent();
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return parse(new Node(file, "", map), base, base.resolve(stem));
    }

    /** snakeyaml's problem with where it is, and what it was reading then ("while parsing a flow sequence ..."). */
    private static String yamlError(MarkedYAMLException e) {
        String where = e.getProblemMark() == null ? "" : position(e.getProblemMark()) + ": ";
        String started = e.getContextMark() == null ? "" : " started at " + position(e.getContextMark());
        String context = e.getContext() == null ? "" : " (" + e.getContext() + started + ")";
        return where + "invalid YAML: " + e.getProblem() + context;
    }

    private static String position(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    /**
     * YAML's integers and floats as the JSON reader gives them (Long, Double), so one parser serves both; an integer
     * past 64 bits stays a BigInteger, which every integer key refuses (longValue() would wrap it silently).
     */
    private static Object normalise(Object v) {
        if (v instanceof Integer i) return i.longValue();
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? (Object) b.longValue() : b;
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof List<?> l)
            return l.stream().map(ExperimentConfig::normalise).toList();
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalise(x)));
            return out;
        }
        return v;
    }

    private static ExperimentConfig parse(Node root, Path base, Path defaultOutput) {
        root.requireKnown(KEYS);
        List<ModelSpec> models = models(root, base);
        List<Intermediate> tokens = root.names(
                "tokens",
                Intermediate.keys(Intermediate.PAPER),
                t -> {
                    for (Intermediate i : PROBEABLE) if (i.key().equals(t)) return i;
                    return null;
                },
                "token type",
                String.join(", ", Intermediate.keys(PROBEABLE)));
        List<Rule> rules =
                root.names("rules", List.of("hyperplane", "cosine"), Rule::byKey, "rule", "hyperplane, cosine");
        Map<TaskSpec, ClassCount> smallest = new LinkedHashMap<>();
        List<TaskSpec> tasks = tasks(root, base, smallest);
        List<Integer> ks = root.positiveInts("k", List.of(10L));
        int trials = root.positiveInt("trials", 10);
        long blockValue = root.integer("block", -1);
        if (blockValue != (int) blockValue) throw root.error("block", "must be a block index, got " + blockValue);
        int block = (int) blockValue;
        long seed = root.integer("seed", 0);
        int batch = root.positiveInt("batch", 16);
        DType dtype = root.choice("dtype", "f16", d -> List.of("f32", "f16").contains(d) ? DType.byKey(d) : null);
        String precision = root.choice(
                "precision", "fp32", p -> List.of("fp32", "tf32", "bf16").contains(p) ? p : null);
        String device = root.choice(
                "device", "auto", d -> List.of("auto", "cpu", "cuda").contains(d) ? d : null);
        String solver =
                root.choice("solver", "mined", s -> List.of("mined", "lbfgs").contains(s) ? s : null);
        boolean center = root.bool("center", false);
        Node qualitative = root.object("qualitative");
        int images = qualitative == null ? 3 : qualitative.positiveInt("images", 3);
        int candidates = qualitative == null ? 24 : qualitative.positiveInt("candidates", 24);
        if (qualitative != null) qualitative.requireKnown(Set.of("images", "candidates"));
        if (candidates < images) throw qualitative.error("candidates", "must be at least images (" + images + ")");
        Path output = (root.has("output") ? base.resolve(root.string("output")) : defaultOutput).normalize();
        if (root.has("output")) {
            String problem = outputProblem(output, tasks);
            if (problem != null) throw root.error("output", problem);
        }
        InputResolution input = input(root);
        Node spark = root.object("spark");
        if (spark != null) spark.requireKnown(Set.of("master", "concepts_per_task"));
        List<String> warnings = new ArrayList<>();
        if (rules.contains(Rule.COSINE)) {
            smallest.forEach((t, c) -> {
                List<Integer> over = ks.stream().filter(k -> k > c.images()).toList();
                if (!over.isEmpty())
                    warnings.add("tasks." + t.task().key() + ": k "
                            + over.stream().map(String::valueOf).collect(Collectors.joining(", "))
                            + (over.size() == 1 ? " exceeds" : " exceed") + " the " + c.images()
                            + " training images of the smallest class (" + c.name() + "); its cosine cells use all "
                            + c.images() + " (support sets never repeat an image)");
            });
        }
        return new ExperimentConfig(
                root.file,
                output,
                models,
                tokens,
                rules,
                tasks,
                ks,
                trials,
                block,
                seed,
                batch,
                dtype,
                precision,
                device,
                solver,
                center,
                images,
                candidates,
                input,
                spark == null
                        ? null
                        : new Spark(
                                spark.has("master") ? spark.string("master") : Spark.DEFAULT_MASTER,
                                spark.positiveInt("concepts_per_task", Spark.DEFAULT_CONCEPTS_PER_TASK)),
                warnings);
    }

    /** image_size (a number, [H, W] or "H,W"), keep_aspect and pos_resample as one setting. */
    private static InputResolution input(Node root) {
        Object size = root.has("image_size") ? root.require("image_size") : null;
        String text =
                switch (size) {
                    case null -> null;
                    case Long n -> n.toString();
                    case String s -> s;
                    case List<?> l
                    when l.size() == 2 && l.stream().allMatch(Long.class::isInstance) -> l.get(0) + "," + l.get(1);
                    default -> throw root.error("image_size", "must be a size in pixels, H or [H, W], got " + size);
                };
        boolean keep = root.bool("keep_aspect", false);
        String rule = root.has("pos_resample") ? root.string("pos_resample") : null;
        if (rule != null) {
            try {
                PosResample.byKey(rule);
            } catch (IllegalArgumentException e) {
                throw root.error("pos_resample", e.getMessage());
            }
        }
        try {
            return InputResolution.parse(text, keep, rule);
        } catch (IllegalArgumentException e) {
            throw root.error(text == null ? "keep_aspect" : "image_size", e.getMessage());
        }
    }

    private static List<ModelSpec> models(Node root, Path base) {
        Object value = root.require("models");
        List<ModelSpec> models = new ArrayList<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if (!(v instanceof String s) || s.isBlank())
                    throw root.error(
                            "models." + k, "must be a model reference (a folder, a file, hf:ORG/NAME or random:vits8)");
                models.add(new ModelSpec(String.valueOf(k), resolve(s, base)));
            });
        } else if (value instanceof List<?> list) {
            for (Object v : list) {
                if (!(v instanceof String s) || s.isBlank())
                    throw root.error("models", "entries must be model references, found " + v);
                models.add(new ModelSpec(defaultName(s), resolve(s, base)));
            }
        } else {
            throw root.error("models", "must be an object {name: model} or a list of models");
        }
        if (models.isEmpty()) throw root.error("models", "names no model");
        Set<String> names = new LinkedHashSet<>();
        for (ModelSpec m : models) {
            String problem = FileNamePart.problem(m.name());
            if (problem != null) throw root.error("models", "name '" + m.name() + "' " + problem);
            if (!names.add(m.name()))
                throw root.error("models", "name '" + m.name() + "' is used twice; give the models distinct names");
        }
        return models;
    }

    /** A reference that is a path, relative to the config's folder, made absolute; random: and hf: as they are. */
    private static String resolve(String reference, Path base) {
        return reference.startsWith("random:") || reference.startsWith("hf:")
                ? reference
                : base.resolve(reference).normalize().toString();
    }

    /** A folder-safe name from a reference: hf:facebook/dino-vits8 → dino-vits8, random:vits8 → random-vits8. */
    public static String defaultName(String reference) {
        String s = reference.replaceFirst("@.*$", "");
        if (s.startsWith("random:")) s = "random-" + s.substring("random:".length());
        s = s.replaceFirst("^hf:", "").replaceAll("/+$", "");
        s = s.substring(s.lastIndexOf('/') + 1).replaceFirst("\\.safetensors$", "");
        s = s.replaceAll("[^A-Za-z0-9._-]", "-");
        return s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0)) ? "model" + s : s;
    }

    private static List<TaskSpec> tasks(Node root, Path base, Map<TaskSpec, ClassCount> smallest) {
        Node tasks = root.object("tasks");
        if (tasks == null) throw root.error("tasks", "is missing (e.g. tasks: {segmentation: {dataset: DIR}})");
        List<TaskSpec> out = new ArrayList<>();
        for (String key : tasks.map.keySet().stream().map(String::valueOf).toList()) {
            Task task;
            try {
                task = Task.byKey(key);
            } catch (IllegalArgumentException e) {
                throw tasks.error(key, "unknown task (known: classification, segmentation)");
            }
            Node t = tasks.object(key);
            t.requireKnown(TASK_KEYS);
            Path dataset = base.resolve(t.string("dataset")).normalize();
            if (!Files.isDirectory(dataset)) throw t.error("dataset", "no such folder " + dataset);
            SampleSource source;
            try {
                source = Datasets.open(
                        dataset,
                        task == Task.SEGMENTATION ? Broden.DEFAULT_EXCLUDED : Set.of(),
                        PatchLabeling.MAJORITY);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw t.error("dataset", e.getMessage());
            }
            List<String> splits = source.splits();
            String train = t.has("train") ? t.string("train") : "train";
            String test = t.has("test") ? t.string("test") : splits.contains("test") ? "test" : "val";
            for (String split : List.of(train, test)) {
                if (!splits.contains(split))
                    throw t.error(
                            "dataset",
                            dataset + " has no split '" + split + "' (splits: " + String.join(", ", splits) + ")");
            }
            if (train.equals(test))
                throw t.error("test", "is the training split '" + train + "'; probes must be tested on other images");
            int patches = t.has("patches_per_image") ? patchesPerImage(t) : 16;
            if (task == Task.CLASSIFICATION && t.has("patches_per_image"))
                throw t.error("patches_per_image", "only applies to segmentation");
            TaskSpec spec = new TaskSpec(task, dataset, train, test, patches);
            if (task == Task.CLASSIFICATION && source instanceof ImageFolder folder)
                smallest.put(spec, requireConcepts(tasks, key, dataset, folder, train, test));
            out.add(spec);
        }
        if (out.isEmpty()) throw root.error("tasks", "names no task");
        return out;
    }

    /** A class and how many training images it has. */
    private record ClassCount(String name, int images) {}

    /**
     * Fails unless some class of a classification data set can be probed: it needs positives (its images) and
     * negatives (other classes' images) in both splits. Returns the smallest such class by training images.
     */
    private static ClassCount requireConcepts(
            Node tasks, String key, Path dataset, ImageFolder folder, String train, String test) {
        List<String> names = folder.concepts().names();
        int[] inTrain = classCounts(folder, train, names.size()), inTest = classCounts(folder, test, names.size());
        int trainTotal = Arrays.stream(inTrain).sum(),
                testTotal = Arrays.stream(inTest).sum();
        for (String split : List.of(train, test)) {
            if ((split.equals(train) ? trainTotal : testTotal) == 0)
                throw tasks.error(key, dataset + " has no images in '" + split + "'");
        }
        List<String> withImages = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) if (inTrain[c] + inTest[c] > 0) withImages.add(names.get(c));
        if (withImages.size() < 2) {
            throw tasks.error(
                    key,
                    dataset + " has " + (names.size() == 1 ? "only 1 class (" : "images of only 1 class (")
                            + withImages.getFirst() + "); a concept needs negatives");
        }
        ClassCount smallest = null;
        for (int c = 0; c < names.size(); c++) {
            boolean probed = inTrain[c] > 0 && inTrain[c] < trainTotal && inTest[c] > 0 && inTest[c] < testTotal;
            if (probed && (smallest == null || inTrain[c] < smallest.images()))
                smallest = new ClassCount(names.get(c), inTrain[c]);
        }
        if (smallest == null) {
            throw tasks.error(
                    key,
                    dataset + ": no class has positives and negatives in both '" + train + "' (classes: "
                            + present(names, inTrain) + ") and '" + test + "' (classes: " + present(names, inTest)
                            + ")");
        }
        return smallest;
    }

    private static int[] classCounts(ImageFolder folder, String split, int classes) {
        int[] counts = new int[classes];
        for (ImageFolder.Item item : folder.samples(split)) counts[item.label()]++;
        return counts;
    }

    private static String present(List<String> names, int[] counts) {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) if (counts[c] > 0) out.add(names.get(c));
        return String.join(", ", out);
    }

    /**
     * Why a folder cannot be the output of an experiment with these tasks, or null: it is a file (or below one), it
     * is or lies inside a task's data set folder, or it holds one in a folder the experiment writes; compared as real
     * paths (links resolved), so that outputs never mix with images that a later run would read as classes.
     */
    public static String outputProblem(Path folder, List<TaskSpec> tasks) {
        Path absolute = folder.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        Path real;
        if (existing == null) {
            real = absolute;
        } else if (!Files.isDirectory(existing)) {
            return existing.equals(absolute)
                    ? absolute + " exists and is not a folder"
                    : existing + " is a file, not a folder, so " + absolute + " cannot be made";
        } else {
            try {
                real = existing.toRealPath()
                        .resolve(existing.relativize(absolute))
                        .normalize();
            } catch (IOException e) {
                return absolute + ": cannot resolve (" + e.getMessage() + ")";
            }
        }
        for (TaskSpec t : tasks) {
            Path data;
            try {
                data = t.dataset().toRealPath();
            } catch (IOException e) {
                data = t.dataset().toAbsolutePath().normalize();
            }
            String task = "tasks." + t.task().key();
            if (real.equals(data))
                return absolute + " is the data set folder of " + task + "; write the output elsewhere";
            if (real.startsWith(data))
                return absolute + " lies inside the data set folder of " + task + " (" + t.dataset()
                        + "); write the output elsewhere";
            if (data.startsWith(real)
                    && WRITTEN.contains(real.relativize(data).getName(0).toString()))
                return absolute + " holds the data set folder of " + task + " (" + t.dataset() + ") in "
                        + real.relativize(data).getName(0) + ", which the experiment writes; write the output"
                        + " elsewhere";
        }
        return null;
    }

    /**
     * What an experiment writes at the top of its output folder (the runner's features/, cells/ and qualitative/, the
     * results files, the report's figures/, report.html and summary.md, the lock). A data set elsewhere below the
     * output (as the demo keeps its data/ beside its results) does not mix with them.
     */
    private static final Set<String> WRITTEN = Set.of(
            "features",
            "cells",
            QualitativePanels.FOLDER,
            "results.json",
            "results.csv",
            "figures",
            "report.html",
            "summary.md",
            FolderLock.FILE);

    /** {@link #outputProblem(Path, List)} for this experiment's tasks. */
    public String outputProblem(Path folder) {
        return outputProblem(folder, tasks);
    }

    /** The same experiment written into another folder. */
    public ExperimentConfig withOutput(Path folder) {
        return new ExperimentConfig(
                file,
                folder.toAbsolutePath().normalize(),
                models,
                tokens,
                rules,
                tasks,
                ks,
                trials,
                block,
                seed,
                batch,
                dtype,
                precision,
                device,
                solver,
                center,
                qualitativeImages,
                qualitativeCandidates,
                input,
                spark,
                warnings);
    }

    /** The same experiment at another input size (the command line's flags over the config's keys). */
    public ExperimentConfig withInput(InputResolution other) {
        return new ExperimentConfig(
                file,
                output,
                models,
                tokens,
                rules,
                tasks,
                ks,
                trials,
                block,
                seed,
                batch,
                dtype,
                precision,
                device,
                solver,
                center,
                qualitativeImages,
                qualitativeCandidates,
                other,
                spark,
                warnings);
    }

    /** A positive count, or "all" as {@code extract --patches-per-image} takes it: 0, as PatchSelection keeps all. */
    private static int patchesPerImage(Node t) {
        Object value = t.map().get("patches_per_image");
        if ("all".equals(value)) return 0;
        if (value instanceof String)
            throw t.error("patches_per_image", "must be a positive integer or all, got " + value);
        return t.positiveInt("patches_per_image", 16);
    }

    /** The settings that decide the numbers, as written into results.json. */
    public Experiment describe() {
        Map<String, String> models = new LinkedHashMap<>();
        for (ModelSpec s : this.models) models.put(s.name(), s.reference());
        Map<String, Experiment.TaskSetup> tasks = new LinkedHashMap<>();
        for (TaskSpec t : this.tasks) {
            tasks.put(
                    t.task().key(),
                    new Experiment.TaskSetup(
                            t.dataset().toString(),
                            t.trainSplit(),
                            t.testSplit(),
                            t.task() == Task.SEGMENTATION ? t.patchesPerImage() : null));
        }
        return new Experiment(
                file.toAbsolutePath().normalize().toString(),
                models,
                tokens.stream().map(Intermediate::key).toList(),
                rules.stream().map(Rule::key).toList(),
                tasks,
                ks,
                trials,
                block,
                seed,
                dtype.key(),
                precision,
                solver,
                center,
                input.height() == 0 ? null : input.text(),
                input.posResample() == null ? null : input.posResample().key());
    }

    /** A config problem: "FILE: KEY: problem". */
    public static final class ConfigException extends IllegalArgumentException {
        ConfigException(Path file, String key, String problem) {
            super(file + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + problem);
        }
    }

    /** One object of the config with the path of keys leading to it, for messages. */
    private record Node(Path file, String path, Map<?, ?> map) {
        ConfigException error(String key, String problem) {
            return new ConfigException(file, path.isEmpty() ? key : path + "." + key, problem);
        }

        void requireKnown(Set<String> known) {
            for (Object k : map.keySet()) {
                if (!known.contains(String.valueOf(k))) {
                    throw error(
                            String.valueOf(k),
                            "unknown setting (known: " + known.stream().sorted().collect(Collectors.joining(", "))
                                    + ")");
                }
            }
        }

        boolean has(String key) {
            return map.containsKey(key);
        }

        Object require(String key) {
            if (!map.containsKey(key) || map.get(key) == null) throw error(key, "is missing");
            return map.get(key);
        }

        Node object(String key) {
            if (!map.containsKey(key)) return null;
            if (!(map.get(key) instanceof Map<?, ?> m)) throw error(key, "must be an object");
            return new Node(file, path.isEmpty() ? key : path + "." + key, m);
        }

        String string(String key) {
            if (!(require(key) instanceof String s) || s.isBlank()) throw error(key, "must be a non-empty string");
            return s;
        }

        long integer(String key, long fallback) {
            if (!map.containsKey(key)) return fallback;
            Object v = map.get(key);
            if (v instanceof Long n) return n;
            // Past 64 bits: YAML gives a BigInteger, JSON a Double (integral, at least 2^63 in size).
            if (v instanceof BigInteger || v instanceof Double d && d == Math.rint(d) && Math.abs(d) >= 0x1p63)
                throw error(key, "must be a 64-bit integer, got " + v);
            throw error(key, "must be an integer, got " + v);
        }

        int positiveInt(String key, int fallback) {
            if (map.get(key) instanceof BigInteger b && b.signum() > 0)
                throw error(key, "must be at most " + Integer.MAX_VALUE + ", got " + b);
            long n = integer(key, fallback);
            if (n < 1) throw error(key, "must be a positive integer, got " + n);
            if (n > Integer.MAX_VALUE) throw error(key, "must be at most " + Integer.MAX_VALUE + ", got " + n);
            return (int) n;
        }

        boolean bool(String key, boolean fallback) {
            if (!map.containsKey(key)) return fallback;
            if (!(map.get(key) instanceof Boolean b)) throw error(key, "must be true or false, got " + map.get(key));
            return b;
        }

        <T> T choice(String key, String fallback, Function<String, T> parse) {
            String value = map.containsKey(key) ? string(key) : fallback;
            T t;
            try {
                t = parse.apply(value.trim().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                t = null;
            }
            if (t == null) throw error(key, "unknown value '" + value + "'");
            return t;
        }

        /** A list (or one value) of k values: distinct positive integers, sorted. */
        List<Integer> positiveInts(String key, List<Long> fallback) {
            List<?> values = map.containsKey(key) ? list(key) : fallback;
            List<Integer> out = new ArrayList<>();
            for (Object v : values) {
                if (v instanceof BigInteger b && b.signum() > 0 || v instanceof Long l && l > Integer.MAX_VALUE)
                    throw error(key, "values must be at most " + Integer.MAX_VALUE + ", got " + v);
                if (!(v instanceof Long n) || n < 1) throw error(key, "values must be positive integers, got " + v);
                if (out.contains(n.intValue())) throw error(key, "lists " + n + " twice");
                out.add(n.intValue());
            }
            if (out.isEmpty()) throw error(key, "is empty");
            out.sort(null);
            return out;
        }

        /** A list (or one value) of distinct names, each parsed; an unknown one names what is known. */
        <T> List<T> names(String key, List<String> fallback, Function<String, T> parse, String what, String known) {
            List<?> values = map.containsKey(key) ? list(key) : fallback;
            List<T> out = new ArrayList<>();
            for (Object v : values) {
                T t;
                try {
                    t = v instanceof String s ? parse.apply(s.trim().toLowerCase(Locale.ROOT)) : null;
                } catch (IllegalArgumentException e) {
                    t = null;
                }
                if (t == null) throw error(key, "unknown " + what + " '" + v + "' (known: " + known + ")");
                if (out.contains(t)) throw error(key, "lists '" + v + "' twice");
                out.add(t);
            }
            if (out.isEmpty()) throw error(key, "is empty");
            return out;
        }

        private List<?> list(String key) {
            Object v = require(key);
            return v instanceof List<?> l ? l : List.of(v);
        }
    }
}
