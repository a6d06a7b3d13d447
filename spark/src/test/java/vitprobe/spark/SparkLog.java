package vitprobe.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Spark's warnings and errors while it is open, as the console would have shown them (logger: message). */
final class SparkLog extends AbstractAppender implements AutoCloseable {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);

    SparkLog() {
        super("spark-log-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        start();
        context.getConfiguration().getRootLogger().addAppender(this, Level.WARN, null);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLoggerName().startsWith("org.apache.spark"))
            lines.add(event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
