package org.tcm.neo4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Minimal embedded Neo4j Community 5.26 server for tests and local use.
 *
 * <p>Why: the knowledge-graph code talks Bolt to Neo4j, but CI and dev boxes do not
 * necessarily have a Neo4j install or Docker. Everything here comes from Maven Central,
 * runs on Java 17 and needs no network at run time.
 *
 * <p>Usage: {@code Launcher [DATA_DIR] [PORT]}; falls back to env NEO4J_DATA_DIR
 * (default ./data) and NEO4J_PORT (default 7687). If env NEO4J_PASSWORD is set, auth
 * is enabled and user {@code neo4j} gets that password; otherwise auth is disabled.
 * Bolt listens on 127.0.0.1 only, HTTP/HTTPS are off. Prints
 * {@code NEO4J READY bolt://127.0.0.1:PORT} when Bolt accepts connections, then blocks
 * until SIGTERM/SIGINT, which shuts the DBMS down cleanly via a shutdown hook.
 *
 * <p>Security (defence in depth behind the project's read-only query guard): LOAD CSV may not
 * read local files ({@code dbms.security.allow_csv_import_from_file_urls=false}); every
 * transaction ends after {@code db.transaction.timeout} (env NEO4J_TX_TIMEOUT_S, default 120 s).
 * All transactions together may use {@code dbms.memory.transaction.total.max} (env
 * NEO4J_TX_TOTAL_MEMORY_MB, default 768 of start.sh's 1 GB heap), so a runaway query fails rather
 * than the JVM; one transaction {@code db.memory.transaction.max} only if env NEO4J_TX_MEMORY_MB is
 * set, because the project's build is one transaction (a rebuild of today's corpus needs > 384 MB).
 */
public final class Launcher {
    public static void main(String[] args) throws Exception {
        Path home = Path.of(arg(args, 0, "NEO4J_DATA_DIR", "data")).toAbsolutePath();
        int port = Integer.parseInt(arg(args, 1, "NEO4J_PORT", "7687"));
        String password = System.getenv("NEO4J_PASSWORD");
        boolean auth = password != null && !password.isEmpty();
        long txTimeout = Long.parseLong(env("NEO4J_TX_TIMEOUT_S", "120"));
        long txMemory = Long.parseLong(env("NEO4J_TX_MEMORY_MB", "0"));
        long txTotalMemory = Long.parseLong(env("NEO4J_TX_TOTAL_MEMORY_MB", "768"));

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256))
                .setConfig(GraphDatabaseSettings.udc_enabled, false) // no usage reports home
                .setConfig(GraphDatabaseSettings.allow_file_urls, false) // LOAD CSV FROM 'file:///…' refused
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(txTimeout))
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size,
                        ByteUnit.mebiBytes(txTotalMemory))
                .setConfig(GraphDatabaseSettings.memory_transaction_max_size, ByteUnit.mebiBytes(txMemory))
                // Bolt otherwise waits 2 x 5 s on shutdown for (already checkpointed) clients.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J STOPPING");
            dbms.shutdown();
            System.out.println("NEO4J STOPPED");
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (auth) {
            try {
                setPassword(dbms, password);
            } catch (RuntimeException e) {
                e.printStackTrace();
                System.exit(1); // runs the hook; neo4j's non-daemon threads would keep us alive
            }
        }
        System.out.println("NEO4J READY bolt://127.0.0.1:" + port + " auth=" + (auth ? "on" : "off")
                + " home=" + home);
        System.out.flush();
        stopped.await(); // block until the shutdown hook has run
    }

    /** Sets the password of the built-in user; embedded API calls bypass auth. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // Restart on an existing data dir with the same password: nothing to do.
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? dflt : v;
    }

    private static String arg(String[] args, int i, String env, String dflt) {
        if (args.length > i && !args[i].isEmpty()) {
            return args[i];
        }
        String v = System.getenv(env);
        return v == null || v.isEmpty() ? dflt : v;
    }
}
