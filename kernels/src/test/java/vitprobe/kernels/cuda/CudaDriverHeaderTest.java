package vitprobe.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The FFM binding of the driver API checked against the toolkit's cuda.h, without a GPU: a wrong argument layout
 * (an int where the driver reads a size_t, a missing pointer) would not fail to link, it would corrupt the call on
 * the first real driver. For every bound symbol: it is the one cuda.h maps the API name to (cuMemAlloc →
 * cuMemAlloc_v2), and its argument layouts follow the prototype. The CU_* constants equal the header's values.
 */
class CudaDriverHeaderTest {
    private static final Path HEADER = Path.of(System.getProperty("cuda.home", "/usr/local/cuda"), "include", "cuda.h");

    /** C types of the driver API by the layout an x86-64 / aarch64 Linux call passes them in. */
    private static final Map<String, MemoryLayout> SCALARS = Map.ofEntries(
            Map.entry("int", JAVA_INT),
            Map.entry("unsigned int", JAVA_INT),
            Map.entry("CUdevice", JAVA_INT),
            Map.entry("CUdevice_attribute", JAVA_INT),
            Map.entry("CUfunction_attribute", JAVA_INT),
            Map.entry("CUstreamCaptureMode", JAVA_INT),
            Map.entry("CUresult", JAVA_INT),
            Map.entry("size_t", JAVA_LONG),
            Map.entry("unsigned long long", JAVA_LONG),
            Map.entry("CUdeviceptr", JAVA_LONG),
            Map.entry("float", JAVA_FLOAT),
            // Opaque handles: pointers to driver structs.
            Map.entry("CUcontext", ADDRESS),
            Map.entry("CUstream", ADDRESS),
            Map.entry("CUmodule", ADDRESS),
            Map.entry("CUfunction", ADDRESS),
            Map.entry("CUevent", ADDRESS),
            Map.entry("CUgraph", ADDRESS),
            Map.entry("CUgraphExec", ADDRESS));

    private static final Map<String, String> apiToSymbol = new HashMap<>();
    private static final Map<String, String> prototypes = new HashMap<>();
    private static final Map<String, Long> constants = new HashMap<>();

    @BeforeAll
    static void readHeader() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(HEADER), "no " + HEADER + " (CUDA toolkit not installed)");
        String text = Files.readString(HEADER);
        // The first definition of each name is the public one; the internal section at the end re-declares the
        // old (_v1) signatures under the plain names.
        Matcher define = Pattern.compile(
                        "^\\s*#define\\s+(cu\\w+)\\s+(?:__CUDA_API_PT(?:DS|SZ)\\((\\w+)\\)|(\\w+))\\s*$",
                        Pattern.MULTILINE)
                .matcher(text);
        while (define.find())
            apiToSymbol.putIfAbsent(define.group(1), define.group(2) != null ? define.group(2) : define.group(3));
        Matcher prototype = Pattern.compile("CUresult\\s+CUDAAPI\\s+(cu\\w+)\\s*\\(([^)]*)\\)\\s*;")
                .matcher(text);
        while (prototype.find()) prototypes.putIfAbsent(prototype.group(1), prototype.group(2));
        Matcher constant = Pattern.compile("\\b(CUDA_\\w+|CU_\\w+)\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)")
                .matcher(text);
        while (constant.find()) constants.putIfAbsent(constant.group(1), Long.decode(constant.group(2)));
    }

    @Test
    void everyBindingFollowsItsPrototype() {
        // A library with exactly the symbols this header declares or maps to (so that optional symbols such as
        // cuEventElapsedTime_v2 resolve as with a driver of the same version); any address will do, nothing is called.
        Set<String> declared = new HashSet<>(prototypes.keySet());
        declared.addAll(apiToSymbol.values());
        CudaDriver driver = new CudaDriver(
                name -> declared.contains(name) ? Optional.of(MemorySegment.ofAddress(0x1000)) : Optional.empty());
        assertTrue(
                driver.signatures().size() >= 30,
                "the driver binds " + driver.signatures().size() + " calls");
        for (Map.Entry<String, FunctionDescriptor> bound : driver.signatures().entrySet()) {
            String symbol = bound.getKey();
            String api = apiName(symbol);
            String params = prototypes.get(api);
            if (params == null) fail(symbol + ": no prototype of " + api + " in " + HEADER);
            assertEquals(Optional.of(JAVA_INT), bound.getValue().returnLayout(), symbol + " returns CUresult");
            List<MemoryLayout> expected = layouts(symbol, params);
            assertEquals(
                    expected, bound.getValue().argumentLayouts(), symbol + " (" + params.replaceAll("\\s+", " ") + ")");
        }
    }

    /** The API name whose cuda.h define resolves to {@code symbol}; binding a plain name that cuda.h remaps fails. */
    private static String apiName(String symbol) {
        String remapped = apiToSymbol.get(symbol);
        if (remapped != null && !remapped.equals(symbol)) {
            fail(symbol + " is bound, but cuda.h maps that name to " + remapped + ": bind " + remapped);
        }
        for (Map.Entry<String, String> e : apiToSymbol.entrySet()) {
            if (e.getValue().equals(symbol) && prototypes.containsKey(e.getKey())) return e.getKey();
        }
        return symbol;
    }

    private static List<MemoryLayout> layouts(String symbol, String params) {
        List<MemoryLayout> out = new ArrayList<>();
        if (params.strip().equals("void")) return out;
        for (String param : params.split(",")) {
            String p = param.replace("const", " ").strip();
            if (p.contains("*")) {
                out.add(ADDRESS);
                continue;
            }
            String type = p.replaceAll("\\s+\\w+$", "").replaceAll("\\s+", " ");
            MemoryLayout layout = SCALARS.get(type);
            if (layout == null)
                fail(symbol + ": parameter type '" + type + "' has no known layout (add it to SCALARS)");
            out.add(layout);
        }
        return out;
    }

    @Test
    void constantsEqualTheHeader() throws IllegalAccessException {
        int checked = 0;
        for (Field f : CudaDriver.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())
                    || f.getType() != int.class
                    || !f.getName().startsWith("CU")) continue;
            f.setAccessible(true);
            Long value = constants.get(f.getName());
            if (value == null) fail(f.getName() + " is not in " + HEADER);
            assertEquals(value.longValue(), f.getInt(null), f.getName());
            checked++;
        }
        assertTrue(checked >= 5, "only " + checked + " constants found");
    }
}
