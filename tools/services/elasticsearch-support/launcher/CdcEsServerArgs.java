import java.nio.file.Path;
import java.util.Map;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;

/**
 * tools/services/elasticsearch: writes the serialized ServerArgs that the Elasticsearch server main class reads from
 * its stdin (normally sent by the server-cli launcher, which is not published to Maven Central).
 * Usage: CdcEsServerArgs HOME CONFIG_DIR LOGS_DIR PID_FILE > args.bin
 * The node is "daemonized": it closes its stdio once ready instead of watching stdin for a shutdown marker.
 */
public final class CdcEsServerArgs {
    public static void main(String[] argv) throws Exception {
        Path home = Path.of(argv[0]);
        Path config = Path.of(argv[1]);
        Path logs = Path.of(argv[2]);
        Path pidFile = Path.of(argv[3]);
        Settings initial = Settings.builder().put("path.home", home.toString()).put("path.logs", logs.toString()).build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(initial, Map.of(), config, () -> "cdc-es");
        KeyStoreWrapper keystore = KeyStoreWrapper.create(); // empty, with the keystore.seed the CLI would add
        ServerArgs args = new ServerArgs(true, false, pidFile, keystore, env.settings(), config, logs);
        OutputStreamStreamOutput out = new OutputStreamStreamOutput(System.out);
        args.writeTo(out);
        out.flush();
    }
}
