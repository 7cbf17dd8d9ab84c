package org.elasticsearch.xpack.cdcauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.Build;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.common.util.concurrent.ThreadContext;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.interceptor.RestServerActionPlugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestInterceptor;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * tools/services/elasticsearch: HTTP basic authentication for the test node (the x-pack security module is not
 * published as a Maven artifact), plus the `GET /` info endpoint (the rest-root module is not published either).
 * Auth is on when cdc.basic_auth.password is set: every REST request must then carry exactly those credentials,
 * else 401 with a security_exception body and a WWW-Authenticate header, as x-pack security answers.
 * The package is under org.elasticsearch.xpack. only because the server lets no other plugin install a REST
 * interceptor (ActionModule.isInternalPlugin); the node is started with
 * --add-exports org.elasticsearch.server/org.elasticsearch.plugins.interceptor=ALL-UNNAMED for the same reason.
 */
public class CdcBasicAuthPlugin extends Plugin implements RestServerActionPlugin {
    static final Setting<String> USERNAME = Setting.simpleString("cdc.basic_auth.username", "elastic", Setting.Property.NodeScope);
    static final Setting<String> PASSWORD = Setting.simpleString("cdc.basic_auth.password", "", Setting.Property.NodeScope, Setting.Property.Filtered);

    private final Settings settings;

    public CdcBasicAuthPlugin(Settings settings) {
        this.settings = settings;
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(USERNAME, PASSWORD);
    }

    @Override
    public RestInterceptor getRestHandlerInterceptor(ThreadContext threadContext) {
        String password = PASSWORD.get(settings);
        if (password.isEmpty()) {
            return null;
        }
        byte[] expected = ("Basic " + Base64.getEncoder().encodeToString((USERNAME.get(settings) + ":" + password).getBytes(StandardCharsets.UTF_8)))
            .getBytes(StandardCharsets.UTF_8);
        return (request, channel, handler, listener) -> {
            String header = request.header("Authorization");
            if (header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
                listener.onResponse(Boolean.TRUE);
                return;
            }
            String reason = header == null ? "missing authentication credentials for REST request [" + request.uri() + "]"
                : "unable to authenticate user for REST request [" + request.uri() + "]";
            XContentBuilder body = channel.newErrorBuilder();
            body.startObject().startObject("error")
                .startArray("root_cause").startObject().field("type", "security_exception").field("reason", reason).endObject().endArray()
                .field("type", "security_exception").field("reason", reason)
                .endObject().field("status", 401).endObject();
            RestResponse response = new RestResponse(RestStatus.UNAUTHORIZED, body);
            response.addHeader("WWW-Authenticate", "Basic realm=\"security\" charset=\"UTF-8\"");
            channel.sendResponse(response);
            listener.onResponse(Boolean.FALSE);
        };
    }

    @Override
    public Collection<RestHandler> getRestHandlers(Settings settings, NamedWriteableRegistry namedWriteableRegistry, RestController restController,
        ClusterSettings clusterSettings, IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver, Supplier<DiscoveryNodes> nodesInCluster, Predicate<NodeFeature> clusterSupportsFeature) {
        String nodeName = Node.NODE_NAME_SETTING.get(settings);
        String clusterName = ClusterName.CLUSTER_NAME_SETTING.get(settings).value();
        return List.of(new BaseRestHandler() {
            @Override
            public String getName() {
                return "cdc_main_action";
            }

            @Override
            public List<Route> routes() {
                return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
            }

            @Override
            protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
                return channel -> {
                    XContentBuilder b = channel.newBuilder();
                    Build build = Build.current();
                    b.startObject().field("name", nodeName).field("cluster_name", clusterName)
                        .startObject("version").field("number", build.qualifiedVersion()).field("build_flavor", "default")
                        .field("build_type", build.type().displayName()).field("build_hash", build.hash()).field("build_date", build.date())
                        .field("build_snapshot", build.isSnapshot()).field("lucene_version", org.apache.lucene.util.Version.LATEST.toString())
                        .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                        .field("minimum_index_compatibility_version", build.minIndexCompatVersion()).endObject()
                        .field("tagline", "You Know, for Search").endObject();
                    channel.sendResponse(new RestResponse(RestStatus.OK, b));
                };
            }
        });
    }
}
